import path from "node:path";
import type {AssetRoots} from "../assets/roots.js";
import type {GpuOptions, Suite, TaskInstance} from "../config/suite.js";
import type {GpuUse, ResolvedModel} from "../providers/provider.js";
import {providerById} from "../providers/registry.js";
import {Journal, RunMeasurements, TrialKey} from "../results/journal.js";
import type {ModelInfo, ResultDocument, TrialRecord} from "../results/schema.js";
import {safeName, writeResultDocument} from "../results/write.js";
import {writeRunErrors} from "../results/run-errors.js";
import {loadTasks} from "../tasks/registry.js";
import {checkedRecord} from "../tasks/record-checks.js";
import type {TaskPerformance} from "../tasks/trial-loop.js";
import type {PlannedTrial, Task} from "../tasks/types.js";
import {clipMessage} from "../util/clip.js";
import {buildDocument, documentFile} from "./documents.js";
import {describeEnv} from "./env.js";
import {AttemptJob, DEFAULT_MAX_CRASH_ATTEMPTS, InstancePlan, isFinalCrash, modelErrorOf, recordedCrash, runWithRestarts} from "./model-attempts.js";
import type {ModelJobOutcome} from "./model-job.js";
import {acquireRunLock} from "./lock.js";
import {runModelJob} from "./run-model.js";
import {interruption, registerRun} from "./signals.js";
import {Progress} from "./progress.js";
import {findReference, withComparison} from "./references.js";
import {resolveModels} from "./resolve-models.js";
import {runFolder} from "./run-folder.js";
import {inShard, Shard, shardSuffix} from "./shards.js";

export interface RunOptions {
    outDir: string;
    assetRoots: AssetRoots;
    /** llama.cpp threads per model process; overrides the suite's. */
    threads?: number;
    /** Ignore the journal and run every trial again. */
    fresh?: boolean;
    /** Run only these task ids or types. */
    taskFilter?: string[];
    quiet?: boolean;
    /** Run only this deterministic slice of the trials (--shard i/n); merge.ts combines the shards' documents. */
    shard?: Shard;
    /** GPU offload of local models; overrides the suite's (default the CPU). */
    gpu?: GpuOptions;
}

export interface RunReport {
    runId: string;
    runDir: string;
    documents: ResultDocument[];
    documentFiles: string[];
    /** Problems that stopped a model or task from running (each also in the results where it belongs). */
    failures: string[];
    /** True when every planned trial ran (skipped cells are not failures). */
    complete: boolean;
    /** `<run folder>/errors.json`, when models or tasks could not start (unresolvable models, invalid inputs). */
    errorsFile?: string;
}

export function runIdOf(suite: Suite): string {
    return `${safeName(suite.name)}-${suite.hash}`;
}

/**
 * Runs a suite: resolves models, plans each task on each model, skips what the journal already
 * holds, runs the rest one model at a time (each opened once, local files in a process of their
 * own), journals every finished trial, and writes one result document per (model, task) as soon
 * as that model is done, compared with its ladder reference's (which runs first). One model's
 * failure is recorded and the run goes on.
 */
export async function runSuite(suite: Suite, options: RunOptions): Promise<RunReport> {
    const progress = new Progress(options.quiet);
    const tasks = await loadTasks();
    const threads = options.threads ?? suite.threads;
    const gpu = options.gpu ?? suite.gpu;
    const runId = runIdOf(suite);
    const runDir = runFolder(options.outDir, runId);
    const maxCrashAttempts = suite.maxCrashAttempts ?? DEFAULT_MAX_CRASH_ATTEMPTS;
    const failures: string[] = [];
    const documents: ResultDocument[] = [];
    const documentFiles: string[] = [];
    const context = {assetRoots: options.assetRoots};

    // One run at a time per run folder (and shard): a second one would run and journal every trial twice.
    const lock = acquireRunLock(runDir, `run${shardSuffix(options.shard)}.lock`);
    if (lock.tookOver) progress.log(`warning: took over the lock ${lock.file}: its run (${lock.tookOver})`);
    let journal: Journal | undefined;
    const unregister = registerRun({
        savedTrials: () => journal?.finishedCount() ?? 0,
        close() {
            progress.stop();
            journal?.close();
            lock.release();
        }
    });
    try {
        const instances: TaskInstance[] = [];
        const taskErrors: {id: string; message: string}[] = [];
        const notes = new Map<string, string[]>();
        for (const instance of suite.tasks) {
            if (options.taskFilter && !options.taskFilter.includes(instance.id) && !options.taskFilter.includes(instance.type)) continue;
            try {
                const checked = await tasks.get(instance.type)!.validate?.(instance.config, context);
                instances.push(instance);
                for (const warning of checked?.warnings ?? []) progress.log(`warning: task ${instance.id}: ${clipMessage(warning)}`);
                if (checked?.warnings?.length) notes.set(instance.id, checked.warnings);
            } catch (error) {
                const message = clipMessage((error as Error).message);
                failures.push(`task ${instance.id}: ${message}`);
                taskErrors.push({id: instance.id, message});
                progress.log(`error: task ${instance.id} cannot run: ${message}`);
            }
        }
        const other: string[] = [];
        if (options.taskFilter && suite.tasks.every((t) => !options.taskFilter!.includes(t.id) && !options.taskFilter!.includes(t.type))) {
            other.push(`--tasks ${options.taskFilter.join(",")} matches no task of the suite (${suite.tasks.map((t) => t.id).join(", ")})`);
            failures.push(other.at(-1)!);
        }

        const {models, unresolved} = await resolveModels(suite.models, {assetRoots: options.assetRoots, ...(options.quiet ? {progress: false} : {})});
        for (const missing of unresolved) {
            missing.message = clipMessage(missing.message);
            failures.push(`model ${missing.source}: ${missing.message}`);
            progress.log(`error: ${missing.message}`);
        }
        // Models that never resolved and tasks that never started have no document: they are named here.
        const errorsFile = await writeRunErrors(runDir, {runId, suite: {name: suite.name, hash: suite.hash}, models: unresolved, tasks: taskErrors, other});

        // Shards: one journal per shard (journal.shard-1-of-4.jsonl), so each resumes on its own.
        journal = new Journal(path.join(runDir, `journal${shardSuffix(options.shard)}.jsonl`), {fresh: options.fresh});
        for (const resolved of models) {
            if (interruption()) break;
            const model = resolved.info;
            const plans = instances.map((instance) => planInstance(instance, tasks.get(instance.type)!, model, journal!, maxCrashAttempts, options.shard));
            const attemptContext = {
                model: model.id,
                maxCrashAttempts,
                journal,
                keyOf: (plan: InstancePlan, trialId: string) => keyOf(plan.instance, model, trialId),
                runOnce: (jobs: AttemptJob[]) => runModel(resolved, jobs, {threads, gpu, options, journal: journal!, progress}),
                log: (line: string) => progress.log(line),
                interrupted: () => interruption() != null
            };
            let attempts = await runWithRestarts(plans, attemptContext);
            if (attempts.outcome?.ok) {
                // A document's trials come from one build: resumed trials another llama.cpp build ran are run again with this one.
                const stale = takeOtherBuilds(plans, journal, model, attempts.outcome.llamaCpp);
                if (stale.count > 0) {
                    progress.log(`${model.id}: ${stale.count} resumed trials were run by another build (${stale.builds.join(", ")}): running them again with ${attempts.outcome.llamaCpp}`);
                    const again = await runWithRestarts(stale.plans, attemptContext);
                    attempts = {outcome: again.outcome ?? attempts.outcome, failures: [...attempts.failures, ...again.failures]};
                }
            }
            if (interruption()) break;
            for (const failure of attempts.failures) {
                failures.push(`model ${model.id}: ${failure.message}`);
                // A crash was logged as it happened (model-attempts.ts); a model that never ran is said here.
                if (!failure.trialId) progress.log(`error: ${model.id}: ${failure.message}`);
            }
            const outcome = attempts.outcome;
            for (const plan of plans) {
                const measurements = measurementsOf(plan, outcome);
                const key = {instanceId: plan.instance.id, configHash: plan.instance.configHash, modelSha256: model.sha256};
                if (measurements) journal.appendMeasurements(key, measurements);
                const recorded = measurements ?? journal.lastMeasurements(key);
                const {file, note} = distinctFile(documentFile(runDir, plan.instance.id, model, options.shard), model, documentFiles);
                let document = buildDocument({
                    runId, suite: {name: suite.name, hash: suite.hash}, instance: plan.instance, task: plan.task, model,
                    env: describeEnv(threads, recorded?.llamaCpp ?? outcome?.llamaCpp ?? "unknown (model not loaded)", (recorded?.gpu ?? outcome?.gpu) as GpuUse | undefined),
                    planned: plan.planned, records: plan.records, shard: options.shard,
                    modelError: modelErrorOf(plan, attempts),
                    performance: recorded?.performance as ResultDocument["performance"],
                    configWarnings: notes.get(plan.instance.id),
                    notes: note ? [note] : []
                });
                // Ladders run their reference first, so its document is here when a quantized file's is built.
                const reference = findReference(document, documents);
                if (reference) document = await withComparison(plan.task, reference, document, context);
                try {
                    await writeResultDocument(file, document);
                } catch (error) {
                    // A document the schema rejects is this document's failure, never the run's end.
                    failures.push(`${plan.instance.id} on ${model.id}: result document not written: ${clipMessage((error as Error).message)}`);
                    progress.log(`error: ${failures.at(-1)}`);
                    continue;
                }
                documents.push(document);
                documentFiles.push(file);
            }
        }
        const trialErrors = documents.some((doc) => doc.counts.error > 0);
        return {runId, runDir, documents, documentFiles, failures, complete: failures.length === 0 && !trialErrors, errorsFile};
    } finally {
        unregister();
        journal?.close();
        progress.stop();
        lock.release();
    }
}

/**
 * The document's file, never one this run already wrote: two files of one ladder with the same name
 * in different folders (or names that differ only in case, on a case-insensitive file system) would
 * share it, so the later one is named after its sha256 as well, and says so.
 */
function distinctFile(file: string, model: ModelInfo, written: string[]): {file: string; note?: string} {
    const taken = (candidate: string) => written.some((other) => other.toLowerCase() === candidate.toLowerCase());
    if (!taken(file)) return {file};
    const renamed = file.replace(/\.json$/, `~${model.sha256.slice(0, 12)}.json`);
    return {file: renamed, note: `another document of this run is named ${path.basename(file)}: this one is named after its file's sha256 too (${path.basename(renamed)})`};
}

/** The trials of a task instance on a model: this shard's slice of the plan, what the journal holds, and what is left to run. */
function planInstance(instance: TaskInstance, task: Task, model: ModelInfo, journal: Journal, maxCrashAttempts: number, shard?: Shard): InstancePlan {
    const shardKey = task.shardKey ?? ((trial: PlannedTrial, model: ModelInfo) => `${model.sha256}|${trial.id}`);
    const planned = task.plan(instance.config, model).filter((trial) => !shard || inShard(shard, instance.id, shardKey(trial, model)));
    const records = new Map<string, TrialRecord>();
    const pending: PlannedTrial[] = [];
    const resumed = new Set<string>();
    for (const trial of planned) {
        const done = journal.completed(keyOf(instance, model, trial.id));
        if (done) {
            records.set(trial.id, done);
            resumed.add(trial.id);
        }
        else if (trial.skipReason)
            records.set(trial.id, {id: trial.id, cell: trial.cell, seed: trial.seed, status: "skipped", skipReason: trial.skipReason, scores: {}, timings: {}});
        else {
            // A trial that took the model process down: runs again after the others, until maxCrashAttempts.
            const crash = recordedCrash(journal.get(keyOf(instance, model, trial.id)));
            if (crash) records.set(trial.id, crash);
            if (!isFinalCrash(crash, maxCrashAttempts)) pending.push(trial);
        }
    }
    return {instance, task, planned, records, pending, resumed};
}

/**
 * After a model ran some trials with `build`: the plans that ran, reduced to their resumed trials
 * that another (or an unrecorded) build computed, which must run again so no document mixes
 * builds. Their old records are dropped; plans whose trials all came from the journal keep them
 * (one build throughout, the one their recorded measurements name).
 */
function takeOtherBuilds(plans: InstancePlan[], journal: Journal, model: ModelInfo, build: string): {plans: InstancePlan[]; count: number; builds: string[]} {
    const stalePlans: InstancePlan[] = [];
    const builds = new Set<string>();
    let count = 0;
    for (const plan of plans) {
        if (plan.pending.length === 0) continue;
        const stale = plan.planned.filter((trial) => {
            if (!plan.resumed.has(trial.id)) return false;
            const recorded = journal.buildOf(keyOf(plan.instance, model, trial.id));
            if (recorded === build) return false;
            builds.add(recorded ?? "unrecorded");
            return true;
        });
        if (stale.length === 0) continue;
        for (const trial of stale) {
            plan.records.delete(trial.id);
            plan.resumed.delete(trial.id);
        }
        plan.pending = stale;
        stalePlans.push(plan);
        count += stale.length;
    }
    return {plans: stalePlans, count, builds: [...builds].sort()};
}

function keyOf(instance: TaskInstance, model: ModelInfo, trialId: string): TrialKey {
    return {instanceId: instance.id, configHash: instance.configHash, modelSha256: model.sha256, trialId};
}

/** One start of the model's process (or in-process session) on these jobs; every finished trial is journaled as it arrives. */
async function runModel(resolved: ResolvedModel, jobs: AttemptJob[],
    context: {threads: number; gpu: GpuOptions; options: RunOptions; journal: Journal; progress: Progress}): Promise<ModelJobOutcome> {
    const {threads, gpu, options, journal, progress} = context;
    const model = resolved.info;
    const byId = new Map(jobs.map(({plan}) => [plan.instance.id, plan]));
    const bars = new Map(jobs.map(({plan, trials}) => [plan.instance.id, progress.start(`${model.id} ${plan.instance.id}`, trials.length)]));
    let build: string | undefined;
    const contextSize = Math.min(
        model.contextLength ?? Number.MAX_SAFE_INTEGER,
        Math.max(...jobs.map(({plan, trials}) => plan.task.contextSize?.(plan.instance.config, trials) ?? model.contextLength ?? 2048)));
    const provider = await providerById(model.provider);
    const outcome = await runModelJob(provider, {
        model,
        settings: resolved.settings,
        threads,
        contextSize,
        gpu,
        assetRoots: options.assetRoots,
        tasks: jobs.map(({plan, trials, deferred}) => ({instanceId: plan.instance.id, type: plan.instance.type, config: plan.instance.config, trials, deferred: [...deferred]}))
    }, {
        onLoaded(info) {
            build = info.llamaCpp;
        },
        onTrialDone(instanceId, received) {
            const plan = byId.get(instanceId)!;
            const record = checkedRecord(received);
            plan.records.set(record.id, record);
            journal.append(keyOf(plan.instance, model, record.id), record, build);
            bars.get(instanceId)!.increment();
        },
        onTaskDone(instanceId, performance) {
            const plan = byId.get(instanceId)!;
            plan.performance = plan.performance ? addPerformance(plan.performance, performance) : performance;
        }
    });
    for (const {plan, trials} of jobs) {
        const records = trials.map((trial) => plan.records.get(trial.id));
        const finished = records.every((record) => record && record.error?.kind !== "model-process-aborted");
        const errors = records.filter((record) => record?.status === "error");
        const first = errors[0]?.error?.message;
        bars.get(plan.instance.id)!.stop(!finished ? "stopped: the model process ended first"
            : errors.length ? `${errors.length} errors, first: ${clipMessage(first ?? "", 160)}` : "done");
    }
    return outcome;
}

function addPerformance(a: TaskPerformance, b: TaskPerformance): TaskPerformance {
    return {
        wallMs: a.wallMs + b.wallMs, promptTokens: a.promptTokens + b.promptTokens, evaluatedTokens: a.evaluatedTokens + b.evaluatedTokens,
        generatedTokens: a.generatedTokens + b.generatedTokens, promptMs: a.promptMs + b.promptMs, generateMs: a.generateMs + b.generateMs
    };
}

/** The performance block of this invocation's run of the model, if it ran this task. */
function measurementsOf(plan: InstancePlan, outcome: ModelJobOutcome | undefined): RunMeasurements | undefined {
    const perf = plan.performance;
    if (!perf || !outcome) return undefined;
    const seconds = (ms: number) => ms / 1000;
    return {
        llamaCpp: outcome.llamaCpp ?? "unknown",
        ...(outcome.gpu ? {gpu: outcome.gpu} : {}),
        performance: {
            loadMs: outcome.loadMs,
            wallMs: perf.wallMs,
            promptTokens: perf.promptTokens,
            evaluatedTokens: perf.evaluatedTokens,
            generatedTokens: perf.generatedTokens,
            promptTokensPerSecond: perf.promptMs > 0 ? Math.max(0, perf.evaluatedTokens - perf.generatedTokens) / seconds(perf.promptMs) : null,
            generationTokensPerSecond: perf.generateMs > 0 ? perf.generatedTokens / seconds(perf.generateMs) : null,
            peakRssBytes: outcome.peakRssBytes ?? null
        }
    };
}
