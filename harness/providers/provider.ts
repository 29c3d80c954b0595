import type {AssetRoots} from "../assets/roots.js";
import type {ModelInfo, TrialRecord} from "../results/schema.js";
import type {PlannedTrial} from "../tasks/types.js";

/** The work for one model: every pending trial of every task instance, run with the model loaded once. */
export interface ModelJob {
    model: ModelInfo;
    /** Where the weights are (local providers). */
    modelPath?: string;
    threads: number;
    contextSize: number;
    assetRoots: AssetRoots;
    tasks: {instanceId: string; type: string; config: unknown; trials: PlannedTrial[]}[];
}

export interface TaskPerformance {
    wallMs: number;
    promptTokens: number;
    evaluatedTokens: number;
    generatedTokens: number;
    promptMs: number;
    generateMs: number;
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

/** A provider runs model jobs. Registered by the model-reference prefixes it answers to. */
export interface Provider {
    id: string;
    runModel(job: ModelJob, events: ModelJobEvents): Promise<ModelJobOutcome>;
}
