/**
 * What happens when a model process dies during a trial (a native abort, e.g. a tokenizer that
 * throws from C++): the trial in flight is blamed and journaled with how often it has done so, the
 * model process starts again with the other tasks first and the blamed trials last, and a trial
 * that has taken the process down `maxCrashAttempts` times is recorded as an error for good
 * instead of blocking every resume.
 */
import type {TaskInstance} from "../config/suite.js";
import type {Journal, TrialKey} from "../results/journal.js";
import type {TrialRecord} from "../results/schema.js";
import type {TaskPerformance} from "../tasks/trial-loop.js";
import type {PlannedTrial, Task} from "../tasks/types.js";
import {clipMessage} from "../util/clip.js";
import type {ModelJobOutcome} from "./model-job.js";

/** Default of the suite option `maxCrashAttempts`. */
export const DEFAULT_MAX_CRASH_ATTEMPTS = 2;

/** The trials of a task instance on one model: the plan, what is recorded, and what is left to run. */
export interface InstancePlan {
    instance: TaskInstance;
    task: Task;
    planned: PlannedTrial[];
    records: Map<string, TrialRecord>;
    pending: PlannedTrial[];
    /** Trial ids whose records came from the journal, not from this invocation. */
    resumed: Set<string>;
    performance?: TaskPerformance;
}

/** One start of the model process: each instance's trials to run, those that crashed before going last. */
export interface AttemptJob {
    plan: InstancePlan;
    trials: PlannedTrial[];
    deferred: Set<string>;
}

export type ModelFailure = Extract<ModelJobOutcome, {ok: false}>["error"];

const isCrash = (record: TrialRecord | undefined): record is TrialRecord =>
    record?.status === "error" && record.error?.kind === "model-process-aborted";

/** How many times a recorded trial has taken the model process down (0 when it has not). */
export function crashAttempts(record: TrialRecord | undefined): number {
    return isCrash(record) ? record.error!.attempts ?? 1 : 0;
}

/** The journaled crash of a trial, if its last record is one. */
export function recordedCrash(record: TrialRecord | undefined): TrialRecord | undefined {
    return isCrash(record) ? record : undefined;
}

/** Whether a crashed trial has used up its attempts: it stays an error and is not run again. */
export function isFinalCrash(record: TrialRecord | undefined, maxCrashAttempts: number): boolean {
    return crashAttempts(record) >= maxCrashAttempts;
}

export interface AttemptContext {
    /** The model's id, for messages. */
    model: string;
    maxCrashAttempts: number;
    journal: Journal;
    keyOf(plan: InstancePlan, trialId: string): TrialKey;
    /** Starts the model process on these jobs (in this order) and reports as run-suite does. */
    runOnce(jobs: AttemptJob[]): Promise<ModelJobOutcome>;
    log(line: string): void;
    /** True once the run is being interrupted: a process killed for that is no crash. */
    interrupted(): boolean;
}

export interface AttemptsResult {
    /** The last start's outcome, with load facts from any start that loaded the model (undefined: nothing ran). */
    outcome?: ModelJobOutcome;
    /** Every crash and failure of this invocation, for the run's failure list. */
    failures: ModelFailure[];
}

/**
 * Runs the plans' pending trials, starting the model process again after a crash that names a
 * trial: the crashed trial is journaled (error kind "model-process-aborted", with its attempt
 * count), tasks without crashed trials go first, crashed trials last, and a task instance that
 * crashes `maxCrashAttempts` times in this invocation runs no further this time (its trials left
 * are "not-run", tried again on the next run). A failure that names no trial (the model does not
 * load) ends the model's work. Trials never reached are recorded as not-run (not journaled).
 */
export async function runWithRestarts(plans: InstancePlan[], context: AttemptContext): Promise<AttemptsResult> {
    const {maxCrashAttempts, journal} = context;
    const crashesNow = new Map<string, number>();
    const lastCrash = new Map<string, ModelFailure>();
    const failures: ModelFailure[] = [];
    let outcome: ModelJobOutcome | undefined;
    let loaded: {loadMs?: number; llamaCpp?: string; gpu?: ModelJobOutcome["gpu"]} = {};
    let stopped: ModelFailure | undefined;

    const remaining = (plan: InstancePlan) => plan.pending.filter((trial) => {
        const record = plan.records.get(trial.id);
        return !record || (isCrash(record) && !isFinalCrash(record, maxCrashAttempts));
    });

    for (;;) {
        const jobs = plans
            .filter((plan) => (crashesNow.get(plan.instance.id) ?? 0) < maxCrashAttempts)
            .map((plan) => {
                const trials = remaining(plan);
                return {plan, trials, deferred: new Set(trials.filter((trial) => isCrash(plan.records.get(trial.id))).map((trial) => trial.id))};
            })
            .filter((job) => job.trials.length > 0);
        if (jobs.length === 0) break;
        // Instances without crashed trials first (stable otherwise): a crash in one task never holds the others back.
        jobs.sort((a, b) => Number(a.deferred.size > 0) - Number(b.deferred.size > 0));
        outcome = await context.runOnce(jobs);
        if (outcome.loadMs != null) loaded = {loadMs: outcome.loadMs, llamaCpp: outcome.llamaCpp, gpu: outcome.gpu};
        if (outcome.ok || context.interrupted()) break;
        const {error} = outcome;
        failures.push(error);
        const plan = plans.find((p) => p.instance.id === error.instanceId);
        const trial = plan?.pending.find((t) => t.id === error.trialId);
        if (!plan || !trial) {
            stopped = error;
            break;
        }
        const attempts = crashAttempts(plan.records.get(trial.id)) + 1;
        const record: TrialRecord = {
            id: trial.id, cell: trial.cell, seed: trial.seed, status: "error", scores: {}, timings: {},
            error: {message: error.message, kind: "model-process-aborted", attempts, exitCode: error.exitCode ?? null, signal: error.signal ?? null}
        };
        plan.records.set(trial.id, record);
        journal.append(context.keyOf(plan, trial.id), record);
        crashesNow.set(plan.instance.id, (crashesNow.get(plan.instance.id) ?? 0) + 1);
        lastCrash.set(plan.instance.id, error);
        context.log(`error: ${context.model}: ${clipMessage(error.message, 600)}`);
        context.log(attempts >= maxCrashAttempts
            ? `  trial ${trial.id} of ${plan.instance.id} took the model process down ${attempts} times: recorded as an error (maxCrashAttempts ${maxCrashAttempts})`
            : `  trial ${trial.id} of ${plan.instance.id} took the model process down (attempt ${attempts} of ${maxCrashAttempts}): starting the model again, other tasks first`);
    }

    for (const plan of plans) {
        const crash = lastCrash.get(plan.instance.id);
        const gaveUp = (crashesNow.get(plan.instance.id) ?? 0) >= maxCrashAttempts;
        for (const trial of plan.pending) {
            if (plan.records.has(trial.id)) continue;
            const why = gaveUp && crash
                ? `the model process crashed ${maxCrashAttempts} times on ${plan.instance.id} in this run (last: ${crash.message}); run again to retry`
                : `the model stopped earlier (${(stopped ?? crash ?? failures.at(-1))?.message ?? "interrupted"})`;
            plan.records.set(trial.id, {id: trial.id, cell: trial.cell, seed: trial.seed, status: "error", scores: {}, timings: {},
                error: {message: `not run: ${why}`, kind: "not-run"}});
        }
    }
    if (outcome && !outcome.ok && loaded.loadMs != null)
        outcome = {...outcome, loadMs: outcome.loadMs ?? loaded.loadMs, llamaCpp: outcome.llamaCpp ?? loaded.llamaCpp, gpu: outcome.gpu ?? loaded.gpu};
    return {outcome, failures};
}

/**
 * The document's modelError: the plan's latest recorded crash (with its process exit), else the
 * failure that left its trials not run.
 */
export function modelErrorOf(plan: InstancePlan, result: AttemptsResult) {
    const crashes = plan.planned.map((trial) => plan.records.get(trial.id)).filter(isCrash);
    const crash = crashes.at(-1);
    if (crash) return {message: crash.error!.message, trialId: crash.id, exitCode: crash.error!.exitCode, signal: crash.error!.signal};
    const notRun = [...plan.records.values()].some((r) => r.error?.kind === "not-run");
    const failure = result.failures.at(-1);
    if (notRun && failure) return {message: failure.message, trialId: failure.trialId, exitCode: failure.exitCode, signal: failure.signal};
    return undefined;
}
