/**
 * A model process: loads one GGUF file, runs every pending trial of every task on it, reports
 * each trial as it finishes, and exits. It exists so that a native abort in llama.cpp (which
 * no JavaScript handler can catch) ends this process only, not the run.
 */
import {llamaPromise} from "./llama-preload.mjs";
import {runTasksOnSession} from "../run-tasks.js";
import type {ChildMessage, RunMessage} from "./protocol.js";
import {llamaCppRelease, LocalGgufSession} from "./session.js";

function send(message: ChildMessage): Promise<void> {
    return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// The parent died (kill -9 included): nothing left to report to.
process.on("disconnect", () => process.exit(1));

async function run({job}: RunMessage) {
    const loadStarted = performance.now();
    const llama = await llamaPromise;
    const model = await llama.loadModel({modelPath: job.modelPath, gpuLayers: 0});
    const llamaCpp = llamaCppRelease(llama);
    await send({type: "loaded", loadMs: performance.now() - loadStarted, llamaCpp});

    const session = new LocalGgufSession(model, {contextSize: job.contextSize, threads: job.threads}, {modelPath: job.modelPath});
    // One trial at a time, in each task's order: consecutive prompts share KV-cache prefixes.
    await runTasksOnSession(session, job, {
        onTrialStart: (instanceId, trialId) => send({type: "trial-start", instanceId, trialId}),
        onTrialDone: (instanceId, record) => send({type: "trial-done", instanceId, record}),
        onTaskDone: (instanceId, performance) => send({type: "task-done", instanceId, performance})
    });
    await session.dispose();
    await model.dispose();
    await send({type: "done", peakRssBytes: process.resourceUsage().maxRSS * 1024});
}

process.once("message", (message: RunMessage) => {
    run(message).then(
        () => process.exit(0),
        async (error) => {
            await send({type: "fatal", message: (error as Error).message});
            process.exit(1);
        });
});
