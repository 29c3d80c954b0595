/**
 * A model process: opens one model through its provider, runs every pending trial of every task
 * on it, reports each trial as it finishes, and exits. It exists so that a native abort (which no
 * JavaScript handler can catch, e.g. in llama.cpp) ends this process only, not the run.
 */
import {providerById} from "../providers/registry.js";
import {runTasksOnSession} from "../tasks/trial-loop.js";
import type {ChildMessage, RunMessage} from "./model-process-protocol.js";
import {modelOpener} from "./open-model.js";

function send(message: ChildMessage): Promise<void> {
    return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// The parent died (kill -9 included): nothing left to report to.
process.on("disconnect", () => process.exit(1));

async function run({job}: RunMessage) {
    const provider = await providerById(job.model.provider);
    const opened = await provider.open(job.model, job.settings, {threads: job.threads, contextSize: job.contextSize, gpu: job.gpu});
    await send({type: "loaded", loadMs: opened.loadMs, llamaCpp: opened.engine, ...(opened.gpu ? {gpu: opened.gpu} : {})});
    await runTasksOnSession(opened.session, job.tasks, {assetRoots: job.assetRoots, openModel: modelOpener(job.assetRoots)}, {
        onTrialStart: (instanceId, trialId) => send({type: "trial-start", instanceId, trialId}),
        onTrialDone: (instanceId, record) => send({type: "trial-done", instanceId, record}),
        onTaskDone: (instanceId, performance) => send({type: "task-done", instanceId, performance})
    }, {concurrency: opened.concurrency});
    await opened.dispose();
    await send({type: "done", peakRssBytes: opened.peakRssBytes?.() ?? process.resourceUsage().maxRSS * 1024});
}

process.once("message", (message: RunMessage) => {
    run(message).then(
        () => process.exit(0),
        async (error) => {
            await send({type: "fatal", message: (error as Error).message});
            process.exit(1);
        });
});
