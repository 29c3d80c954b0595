import type {GpuUse} from "../providers/provider.js";
import type {TrialRecord} from "../results/schema.js";
import type {TaskPerformance} from "../tasks/trial-loop.js";
import type {ModelJob} from "./model-job.js";

/** Parent -> model process: the one message it receives. */
export interface RunMessage {
    type: "run";
    job: ModelJob;
}

/** Model process -> parent. */
export type ChildMessage =
    | {type: "loaded"; loadMs: number; llamaCpp: string; gpu?: GpuUse}
    | {type: "trial-start"; instanceId: string; trialId: string}
    | {type: "trial-done"; instanceId: string; record: TrialRecord}
    | {type: "task-done"; instanceId: string; performance: TaskPerformance}
    | {type: "done"; peakRssBytes: number}
    | {type: "fatal"; message: string};
