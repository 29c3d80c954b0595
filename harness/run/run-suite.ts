import path from "node:path";
import type {AssetRoots} from "../assets/roots.js";
import type {GpuOptions, Suite, TaskInstance} from "../config/suite.js";
import type {GpuUse, ResolvedModel} from "../providers/provider.js";
import {providerById} from "../providers/registry.js";
import {Journal, RunMeasurements, TrialKey} from "../results/journal.js";
import type {ModelInfo, ResultDocument, TrialRecord} from "../results/schema.js";
import {safeName, writeResultDocument} from "../results/write.js";
import {loadTasks} from "../tasks/registry.js";
import type {TaskPerformance} from "../tasks/trial-loop.js";
import type {PlannedTrial, Task} from "../tasks/types.js";
import {buildDocument, documentFile} from "./documents.js";
import {describeEnv} from "./env.js";
import type {ModelJobOutcome} from "./model-job.js";
import {runModelJob} from "./run-model.js";
import {Progress} from "./progress.js";
import {findReference, withComparison} from "./references.js";
import {resolveModels} from "./resolve-models.js";
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
}

interface InstancePlan {
    instance: TaskInstance;
    task: Task;
    planned: PlannedTrial[];
    records: Map<string, TrialRecord>;
    pending: PlannedTrial[];
    /** Trial ids whose records came from the journal, not from this invocation. */
    resumed: Set<string>;
    performance?: TaskPerformance;
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
    const runDir = path.resolve(options.outDir, runId);
    const failures: string[] = [];
    const documents: ResultDocument[] = [];
    const documentFiles: string[] = [];
    const context = {assetRoots: options.assetRoots};

    const instances: TaskInstance[] = [];
    for (const instance of suite.tasks) {
        if (options.taskFilter && !options.taskFilter.includes(instance.id) && !options.taskFilter.includes(instance.type)) continue;
        try {
            await tasks.get(instance.type)!.validate?.(instance.config, context);
            instances.push(instance);
        } catch (error) {
            failures.push(`task ${instance.id}: ${(error as Error).message}`);
            progress.log(`error: task ${instance.id} cannot run: ${(error as Error).message}`);
        }
    }
    if (options.taskFilter && suite.tasks.every((t) => !options.taskFilter!.includes(t.id) && !options.taskFilter!.includes(t.type)))
        failures.push(`--tasks ${options.taskFilter.join(",")} matches no task of the suite (${suite.tasks.map((t) => t.id).join(", ")})`);

    const {models, unresolved} = await resolveModels(suite.models, {assetRoots: options.assetRoots, ...(options.quiet ? {progress: false} : {})});
    for (const missing of unresolved) {
        failures.push(`model ${missing.source}: ${missing.message}`);
        progress.log(`error: ${missing.message}`);
    }

    // Shards: one journal per shard (journal.shard-1-of-4.jsonl), so each resumes on its own.
    const journal = new Journal(path.join(runDir, `journal${shardSuffix(options.shard)}.jsonl`), {fresh: options.fresh});
    try {
        for (const resolved of models) {
            const model = resolved.info;
            const plans = instances.map((instance) => planInstance(instance, tasks.get(instance.type)!, model, journal, options.shard));
            const pending = plans.filter((plan) => plan.pending.length > 0);
            let outcome: ModelJobOutcome | undefined;
            if (pending.length > 0) outcome = await runModel(resolved, pending, {threads, gpu, options, journal, progress});
            if (outcome?.ok) {
                // A document's trials come from one build: resumed trials another llama.cpp build ran are run again with this one.
                const stale = takeOtherBuilds(plans, journal, model, outcome.llamaCpp);
                if (stale.count > 0) {
                    progress.log(`${model.id}: ${stale.count} resumed trials were run by another build (${stale.builds.join(", ")}): running them again with ${outcome.llamaCpp}`);
                    outcome = await runModel(resolved, stale.plans, {threads, gpu, options, journal, progress});
                }
            }
            if (outcome && !outcome.ok) {
                failures.push(`model ${model.id}: ${outcome.error.message}`);
                progress.log(`error: ${model.id}: ${outcome.error.message}`);
                markUnfinished(plans, outcome, journal, model);
            }
            for (const plan of plans) {
                const measurements = measurementsOf(plan, outcome);
                const key = {instanceId: plan.instance.id, configHash: plan.instance.configHash, modelSha256: model.sha256};
                if (measurements) journal.appendMeasurements(key, measurements);
                const recorded = measurements ?? journal.lastMeasurements(key);
                let document = buildDocument({
                    runId, suite: {name: suite.name, hash: suite.hash}, instance: plan.instance, task: plan.task, model,
                    env: describeEnv(threads, recorded?.llamaCpp ?? outcome?.llamaCpp ?? "unknown (model not loaded)", (recorded?.gpu ?? outcome?.gpu) as GpuUse | undefined),
                    planned: plan.planned, records: plan.records, shard: options.shard,
                    modelError: outcome && !outcome.ok && [...plan.records.values()].some((r) => r.error?.kind === "model-process-aborted" || r.error?.kind === "not-run") ? {
                        message: outcome.error.message,
                        trialId: outcome.error.trialId,
                        exitCode: outcome.error.exitCode,
                        signal: outcome.error.signal
                    } : undefined,
                    performance: recorded?.performance as ResultDocument["performance"]
                });
                // Ladders run their reference first, so its document is here when a quantized file's is built.
                const reference = findReference(document, documents);
                if (reference) document = await withComparison(plan.task, reference, document, context);
                const file = documentFile(runDir, plan.instance.id, model, options.shard);
                await writeResultDocument(file, document);
                documents.push(document);
                documentFiles.push(file);
            }
        }
    } finally {
        journal.close();
        progress.stop();
    }
    const trialErrors = documents.some((doc) => doc.counts.error > 0);
    return {runId, runDir, documents, documentFiles, failures, complete: failures.length === 0 && !trialErrors};
}

/** The trials of a task instance on a model: this shard's slice of the plan, what the journal holds, and what is left to run. */
function planInstance(instance: TaskInstance, task: Task, model: ModelInfo, journal: Journal, shard?: Shard): InstancePlan {
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
        else pending.push(trial);
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

async function runModel(resolved: ResolvedModel, plans: InstancePlan[],
    context: {threads: number; gpu: GpuOptions; options: RunOptions; journal: Journal; progress: Progress}): Promise<ModelJobOutcome> {
    const {threads, gpu, options, journal, progress} = context;
    const model = resolved.info;
    const byId = new Map(plans.map((plan) => [plan.instance.id, plan]));
    const bars = new Map(plans.map((plan) => [plan.instance.id, progress.start(`${model.id} ${plan.instance.id}`, plan.pending.length)]));
    let build: string | undefined;
    const contextSize = Math.min(
        model.contextLength ?? Number.MAX_SAFE_INTEGER,
        Math.max(...plans.map((plan) => plan.task.contextSize?.(plan.instance.config, plan.pending) ?? model.contextLength ?? 2048)));
    const provider = await providerById(model.provider);
    const outcome = await runModelJob(provider, {
        model,
        settings: resolved.settings,
        threads,
        contextSize,
        gpu,
        assetRoots: options.assetRoots,
        tasks: plans.map((plan) => ({instanceId: plan.instance.id, type: plan.instance.type, config: plan.instance.config, trials: plan.pending}))
    }, {
        onLoaded(info) {
            build = info.llamaCpp;
        },
        onTrialDone(instanceId, record) {
            const plan = byId.get(instanceId)!;
            plan.records.set(record.id, record);
            journal.append(keyOf(plan.instance, model, record.id), record, build);
            bars.get(instanceId)!.increment();
        },
        onTaskDone(instanceId, performance) {
            const plan = byId.get(instanceId)!;
            plan.performance = plan.performance ? addPerformance(plan.performance, performance) : performance;
        }
    });
    for (const [instanceId, bar] of bars) {
        const plan = byId.get(instanceId)!;
        const errors = [...plan.records.values()].filter((r) => r.status === "error").length;
        bar.stop(outcome.ok ? (errors ? `${errors} errors` : "done") : "model failed");
    }
    return outcome;
}

/** After a model process died: the trial in flight carries the fault, the rest are recorded as not run. */
function markUnfinished(plans: InstancePlan[], outcome: Extract<ModelJobOutcome, {ok: false}>, journal: Journal, model: ModelInfo) {
    for (const plan of plans) {
        for (const trial of plan.pending) {
            if (plan.records.has(trial.id)) continue;
            const inFlight = outcome.error.trialId === trial.id && outcome.error.instanceId === plan.instance.id;
            const record: TrialRecord = {
                id: trial.id, cell: trial.cell, seed: trial.seed, status: "error", scores: {}, timings: {},
                error: inFlight
                    ? {message: outcome.error.message, kind: "model-process-aborted"}
                    : {message: `not run: the model stopped earlier (${outcome.error.message})`, kind: "not-run"}
            };
            plan.records.set(trial.id, record);
            if (inFlight) journal.append(keyOf(plan.instance, model, trial.id), record);
        }
    }
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
