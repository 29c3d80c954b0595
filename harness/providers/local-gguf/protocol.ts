import type {TrialRecord} from "../../results/schema.js";
import type {ModelJob, TaskPerformance} from "../provider.js";

/** Parent -> child: the one message a model process receives. */
export interface RunMessage {
    type: "run";
    job: Omit<ModelJob, "model"> & {modelPath: string};
}

/** Child -> parent. */
export type ChildMessage =
    | {type: "loaded"; loadMs: number; llamaCpp: string}
    | {type: "trial-start"; instanceId: string; trialId: string}
    | {type: "trial-done"; instanceId: string; record: TrialRecord}
    | {type: "task-done"; instanceId: string; performance: TaskPerformance}
    | {type: "done"; peakRssBytes: number}
    | {type: "fatal"; message: string};
