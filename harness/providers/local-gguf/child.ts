/**
 * A model process: loads one GGUF file, runs every pending trial of every task on it, reports
 * each trial as it finishes, and exits. It exists so that a native abort in llama.cpp (which
 * no JavaScript handler can catch) ends this process only, not the run.
 */
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import type {TrialRecord} from "../../results/schema.js";
import {loadTasks} from "../../tasks/registry.js";
import {SkipTrial} from "../../tasks/skip.js";
import type {ChildMessage, RunMessage} from "./protocol.js";
import {LocalGgufSession} from "./session.js";

function send(message: ChildMessage): Promise<void> {
    return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// The parent died (kill -9 included): nothing left to report to.
process.on("disconnect", () => process.exit(1));

async function run({job}: RunMessage) {
    const tasks = await loadTasks();
    const loadStarted = performance.now();
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: job.modelPath, gpuLayers: 0});
    const llamaCpp = `${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}`;
    await send({type: "loaded", loadMs: performance.now() - loadStarted, llamaCpp});

    const session = new LocalGgufSession(model, {contextSize: job.contextSize, threads: job.threads});
    for (const taskJob of job.tasks) {
        const task = tasks.get(taskJob.type)!;
        const config = task.configSchema.parse(taskJob.config);
        const before = session.counters();
        const started = performance.now();
        let runner;
        try {
            runner = await task.createRunner(config, session, {assetRoots: job.assetRoots});
        } catch (error) {
            for (const trial of taskJob.trials)
                await send({type: "trial-done", instanceId: taskJob.instanceId, record: errorRecord(trial, (error as Error).message)});
            continue;
        }
        for (const trial of runner.order ? runner.order(taskJob.trials) : taskJob.trials) {
            await send({type: "trial-start", instanceId: taskJob.instanceId, trialId: trial.id});
            let record: TrialRecord;
            try {
                const result = await runner.run(trial);
                record = {id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...result};
            } catch (error) {
                record = error instanceof SkipTrial
                    ? {id: trial.id, cell: trial.cell, seed: trial.seed, status: "skipped", skipReason: error.reason, scores: {}, timings: {}}
                    : errorRecord(trial, (error as Error).message);
            }
            await send({type: "trial-done", instanceId: taskJob.instanceId, record});
        }
        const after = session.counters();
        await send({
            type: "task-done",
            instanceId: taskJob.instanceId,
            performance: {
                wallMs: performance.now() - started,
                promptTokens: after.promptTokens - before.promptTokens,
                evaluatedTokens: after.evaluatedTokens - before.evaluatedTokens,
                generatedTokens: after.generatedTokens - before.generatedTokens,
                promptMs: after.promptMs - before.promptMs,
                generateMs: after.generateMs - before.generateMs
            }
        });
    }
    await session.dispose();
    await model.dispose();
    await send({type: "done", peakRssBytes: process.resourceUsage().maxRSS * 1024});
}

function errorRecord(trial: {id: string; cell: TrialRecord["cell"]; seed: number}, message: string): TrialRecord {
    return {id: trial.id, cell: trial.cell, seed: trial.seed, status: "error", error: {message, kind: "trial"}, scores: {}, timings: {}};
}

process.once("message", (message: RunMessage) => {
    run(message).then(
        () => process.exit(0),
        async (error) => {
            await send({type: "fatal", message: (error as Error).message});
            process.exit(1);
        });
});
