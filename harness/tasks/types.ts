import type {z} from "zod";
import type {AssetRoots} from "../assets/roots.js";
import type {ModelInfo, ResultDocument, TrialRecord} from "../results/schema.js";
import type {Capability, OpenModel, Session} from "../session/types.js";

/** One unit of work of a task on one model: planned in the parent, run where the model lives. */
export interface PlannedTrial<Spec = unknown> {
    id: string;
    cell: Record<string, string | number>;
    seed: number;
    spec: Spec;
    /** Set when the trial must not run (e.g. longer than the model's training context). */
    skipReason?: string;
}

/** What a task may use besides its session. */
export interface TaskContext {
    assetRoots: AssetRoots;
    /** Opens another model by reference (an LLM judge); absent where no model can be opened. */
    openModel?: OpenModel;
}

/** Runs a task's trials on an open session; keeps per-model state (haystacks, caches) between trials. */
export interface TaskRunner<Spec = unknown> {
    /** Order trials for the session (e.g. to reuse KV-cache prefixes). Default: as planned. */
    order?(trials: PlannedTrial<Spec>[]): PlannedTrial<Spec>[];
    /**
     * Runs one trial; throwing records the trial as an error and the run goes on. `next` is the
     * trial the loop runs after this one, where it runs them one at a time: a runner may start
     * work for it early (it must give the same record whether or not that trial follows).
     */
    run(trial: PlannedTrial<Spec>, hints?: {next?: PlannedTrial<Spec>}): Promise<Omit<TrialRecord, "id" | "cell" | "seed" | "status">>;
    /** Releases what the runner opened (e.g. a judge's session). */
    dispose?(): Promise<void>;
}

/**
 * A task is one folder under harness/tasks/ whose index.ts default-exports this. The suite
 * loader, the trial loop, the runner and merge learn about it from this object; the site renders
 * its documents through the scores schema in the folder's contract.ts (and an optional view
 * registered in site/src/tasks/).
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
    /**
     * Checks the config against the environment before any model loads (missing files ...). Throws
     * with a clear message; may return warnings (the run prints them and adds them to the task's documents).
     */
    validate?(config: Config, context: TaskContext): Promise<void | {warnings?: string[]}>;
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
     * Warnings the trials imply (collapsed grid cells, unparsed judge replies ...), derived each
     * time a document is built (run and merge), so they never go stale. Pure.
     */
    warnings?(config: Config, trials: TrialRecord[]): string[];
    /** Default equivalence margin of the verdicts against the ladder's reference, in main-score units (the contract's EQUIVALENCE_MARGIN). */
    equivalenceMargin?(config: Config): number;
    /** Aggregates trial records into the document's scores block (must include `main`). Pure. */
    aggregate(config: Config, trials: TrialRecord[]): {main: number | null} & Record<string, unknown>;
    /**
     * Pure: how a file's document differs from its ladder reference's on the same task instance
     * (becomes `scores.vsReference`). `inputs` is what compareInputs loaded, when the task has it.
     */
    compare?(reference: ResultDocument, candidate: ResultDocument, inputs?: unknown): unknown;
    /** Loads what compare needs beyond the two documents (STS: both files' cached vectors). */
    compareInputs?(reference: ResultDocument, candidate: ResultDocument, context: TaskContext): Promise<unknown>;
}
