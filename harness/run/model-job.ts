import type {AssetRoots} from "../assets/roots.js";
import type {GpuOptions} from "../config/suite.js";
import type {GpuUse} from "../providers/provider.js";
import type {ModelInfo, TrialRecord} from "../results/schema.js";
import type {TaskJob, TaskPerformance} from "../tasks/trial-loop.js";

/** The work for one model: every pending trial of every task instance, run with the model opened once. */
export interface ModelJob {
    model: ModelInfo;
    /** The provider's run settings for the model (ResolvedModel.settings). */
    settings: unknown;
    threads: number;
    contextSize: number;
    /** GPU offload (local models); default the CPU. */
    gpu?: GpuOptions;
    assetRoots: AssetRoots;
    tasks: TaskJob[];
}

export interface ModelJobEvents {
    onLoaded?(info: {loadMs: number; llamaCpp: string; gpu?: GpuUse}): void;
    onTrialStart?(instanceId: string, trialId: string): unknown;
    onTrialDone(instanceId: string, record: TrialRecord): unknown;
    onTaskDone?(instanceId: string, performance: TaskPerformance): unknown;
}

export type ModelJobOutcome =
    | {ok: true; loadMs: number; peakRssBytes: number | null; llamaCpp: string; gpu?: GpuUse}
    | {ok: false; loadMs?: number; peakRssBytes?: number | null; llamaCpp?: string; gpu?: GpuUse;
        error: {message: string; instanceId?: string; trialId?: string; exitCode?: number | null; signal?: string | null}};
