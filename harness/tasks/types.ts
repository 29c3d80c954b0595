import type {z} from "zod";
import type {AssetRoots} from "../assets/roots.js";
import type {Capability, Session} from "../providers/types.js";
import type {ModelInfo, ResultDocument, TrialRecord} from "../results/schema.js";

/** One unit of work of a task on one model: planned in the parent, run where the model lives. */
export interface PlannedTrial<Spec = unknown> {
    id: string;
    cell: Record<string, string | number>;
    seed: number;
    spec: Spec;
    /** Set when the trial must not run (e.g. longer than the model's training context). */
    skipReason?: string;
}

export interface TaskContext {
    assetRoots: AssetRoots;
}

/** Runs a task's trials on an open session; keeps per-model state (haystacks, caches) between trials. */
export interface TaskRunner<Spec = unknown> {
    /** Order trials for the session (e.g. to reuse KV-cache prefixes). Default: as planned. */
    order?(trials: PlannedTrial<Spec>[]): PlannedTrial<Spec>[];
    /** Runs one trial; throwing records the trial as an error and the run goes on. */
    run(trial: PlannedTrial<Spec>): Promise<Omit<TrialRecord, "id" | "cell" | "seed" | "status">>;
}

/**
 * A task is one folder under harness/tasks/ whose index.ts default-exports this.
 * The suite schema, CLI, runner and site learn about it from this metadata.
 */
export interface Task<Config = any, Spec = any> {
    /** Task type as written in suites ("niah"). */
    type: string;
    description: string;
    configSchema: z.ZodType<Config>;
    /** Capabilities a session must offer; an inner list is satisfied by any one of its members. */
    requires: (Capability | Capability[])[];
    /** Describes the main score for a config (its name may depend on the config). */
    mainScore(config: Config): {name: string; higherIsBetter: boolean; description: string};
    /** Pure and deterministic: the same config and model give the same trials. */
    plan(config: Config, model: ModelInfo): PlannedTrial<Spec>[];
    /** Checks the config against the environment before any model loads (missing files ...). Throws with a clear message. */
    validate?(config: Config, context: TaskContext): Promise<void>;
    /** Context size (tokens) the model needs for these trials; default: the model's training context. */
    contextSize?(config: Config, trials: PlannedTrial<Spec>[]): number;
    createRunner(config: Config, session: Session, context: TaskContext): Promise<TaskRunner<Spec>>;
    /**
     * What `--shard i/n` hashes to place a trial (trials with the same key share a shard).
     * Default: the model's sha256 and the trial id. A task whose trials need another file's work
     * from the same run (fidelity: the reference's cached distributions) keys them so they land together.
     */
    shardKey?(trial: PlannedTrial<Spec>, model: ModelInfo): string;
    /**
     * After every model of a run is done: comparisons that need other documents (e.g. the ladder's
     * reference). May update documents and rewrite their files (`files[i]` holds `documents[i]`).
     */
    afterRun?(documents: ResultDocument[], context: TaskContext & {files: string[]}): Promise<unknown>;
    /** Aggregates trial records into the document's scores block (must include `main`). */
    aggregate(config: Config, trials: TrialRecord[]): {main: number | null} & Record<string, unknown>;
}
