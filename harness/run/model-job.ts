import type {AssetRoots} from "../assets/roots.js";
import type {Provider} from "../providers/provider.js";
import type {ModelInfo, TrialRecord} from "../results/schema.js";
import {runTasksOnSession, TaskJob, TaskPerformance} from "../tasks/trial-loop.js";
import {runInModelProcess} from "./model-process.js";
import {modelOpener} from "./open-model.js";

/** The work for one model: every pending trial of every task instance, run with the model opened once. */
export interface ModelJob {
    model: ModelInfo;
    /** The provider's run settings for the model (ResolvedModel.settings). */
    settings: unknown;
    threads: number;
    contextSize: number;
    assetRoots: AssetRoots;
    tasks: TaskJob[];
}

export interface ModelJobEvents {
    onLoaded?(info: {loadMs: number; llamaCpp: string}): void;
    onTrialStart?(instanceId: string, trialId: string): unknown;
    onTrialDone(instanceId: string, record: TrialRecord): unknown;
    onTaskDone?(instanceId: string, performance: TaskPerformance): unknown;
}

export type ModelJobOutcome =
    | {ok: true; loadMs: number; peakRssBytes: number | null; llamaCpp: string}
    | {ok: false; loadMs?: number; peakRssBytes?: number | null; llamaCpp?: string;
        error: {message: string; instanceId?: string; trialId?: string; exitCode?: number | null; signal?: string | null}};

/** Runs a model job where its provider says: in a model process of its own, or in this process. */
export function runModelJob(provider: Provider, job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
    return provider.isolation === "process" ? runInModelProcess(provider, job, events) : runInThisProcess(provider, job, events);
}

async function runInThisProcess(provider: Provider, job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome> {
    let opened;
    try {
        opened = await provider.open(job.model, job.settings, {threads: job.threads, contextSize: job.contextSize});
    } catch (error) {
        return {ok: false, error: {message: (error as Error).message}};
    }
    events.onLoaded?.({loadMs: opened.loadMs, llamaCpp: opened.engine});
    try {
        await runTasksOnSession(opened.session, job.tasks, {assetRoots: job.assetRoots, openModel: modelOpener(job.assetRoots)}, {
            onTrialStart: (instanceId, trialId) => events.onTrialStart?.(instanceId, trialId),
            onTrialDone: (instanceId, record) => events.onTrialDone(instanceId, record),
            onTaskDone: (instanceId, performance) => events.onTaskDone?.(instanceId, performance)
        }, {concurrency: opened.concurrency});
    } finally {
        await opened.dispose();
    }
    return {ok: true, loadMs: opened.loadMs, peakRssBytes: opened.peakRssBytes?.() ?? null, llamaCpp: opened.engine};
}
