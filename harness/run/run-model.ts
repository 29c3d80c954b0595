import type {Provider} from "../providers/provider.js";
import {runTasksOnSession} from "../tasks/trial-loop.js";
import type {ModelJob, ModelJobEvents, ModelJobOutcome} from "./model-job.js";
import {runInModelProcess} from "./model-process.js";
import {modelOpener} from "./open-model.js";

/** Runs a model job where its provider says: in a model process of its own, or in this process. */
export function runModelJob(provider: Provider, job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
    return provider.isolation === "process" ? runInModelProcess(provider, job, events) : runInThisProcess(provider, job, events);
}

async function runInThisProcess(provider: Provider, job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
    let opened;
    try {
        opened = await provider.open(job.model, job.settings, {threads: job.threads, contextSize: job.contextSize, gpu: job.gpu});
    } catch (error) {
        return {ok: false, error: {message: (error as Error).message}};
    }
    events.onLoaded?.({loadMs: opened.loadMs, llamaCpp: opened.engine, gpu: opened.gpu});
    try {
        await runTasksOnSession(opened.session, job.tasks, {assetRoots: job.assetRoots, openModel: modelOpener(job.assetRoots)}, {
            onTrialStart: (instanceId, trialId) => events.onTrialStart?.(instanceId, trialId),
            onTrialDone: (instanceId, record) => events.onTrialDone(instanceId, record),
            onTaskDone: (instanceId, performance) => events.onTaskDone?.(instanceId, performance)
        }, {concurrency: opened.concurrency});
    } finally {
        await opened.dispose();
    }
    return {ok: true, loadMs: opened.loadMs, peakRssBytes: opened.peakRssBytes?.() ?? null, llamaCpp: opened.engine, gpu: opened.gpu};
}
