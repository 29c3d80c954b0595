import pLimit from "p-limit";
import type {TrialRecord} from "../results/schema.js";
import type {Session} from "../session/types.js";
import {clipMessage} from "../util/clip.js";
import {checkedRecord} from "./record-checks.js";
import {loadTasks} from "./registry.js";
import {SkipTrial} from "./skip.js";
import type {PlannedTrial, TaskContext} from "./types.js";

/** The pending trials of one task instance on one model. */
export interface TaskJob {
    instanceId: string;
    type: string;
    config: unknown;
    trials: PlannedTrial[];
    /** Ids of trials to run after all the others (they took the model process down before). */
    deferred?: string[];
}

/** What one task instance cost on the session, for the results' performance block. */
export interface TaskPerformance {
    wallMs: number;
    promptTokens: number;
    evaluatedTokens: number;
    generatedTokens: number;
    promptMs: number;
    generateMs: number;
}

export interface TrialLoopEvents {
    onTrialStart(instanceId: string, trialId: string): unknown;
    onTrialDone(instanceId: string, record: TrialRecord): unknown;
    onTaskDone(instanceId: string, performance: TaskPerformance): unknown;
}

/**
 * Runs every pending trial of every task of a job on an open session, reporting each as it
 * starts and finishes: the one trial loop, wherever the session lives. A model process runs it
 * with concurrency 1 (trials in the task's order, for KV-prefix reuse); hosted sessions run
 * several trials at once.
 */
export async function runTasksOnSession(session: Session, tasksToRun: TaskJob[], context: TaskContext,
    events: TrialLoopEvents, options: {concurrency?: number} = {}): Promise<void> {
    const tasks = await loadTasks();
    const limit = pLimit(options.concurrency ?? 1);
    for (const taskJob of tasksToRun) {
        const task = tasks.get(taskJob.type);
        if (!task) throw new Error(`unknown task type ${taskJob.type}`);
        const missing = task.requires
            .filter((need) => ![need].flat().some((capability) => session.capabilities.has(capability)))
            .map((need) => [need].flat().join(" or "));
        const config = task.configSchema.parse(taskJob.config);
        const before = session.counters();
        const started = performance.now();
        let runner;
        try {
            if (missing.length > 0) throw new Error(`the model cannot run ${taskJob.type}: it lacks ${missing.join(", ")}`);
            runner = await task.createRunner(config, session, context);
        } catch (error) {
            for (const trial of taskJob.trials) await events.onTrialDone(taskJob.instanceId, errorRecord(trial, (error as Error).message));
            continue;
        }
        const ordered = lastOf(runner.order ? runner.order(taskJob.trials) : taskJob.trials, new Set(taskJob.deferred ?? []));
        const oneAtATime = (options.concurrency ?? 1) === 1;
        try {
            await Promise.all(ordered.map((trial, index) => limit(async () => {
                await events.onTrialStart(taskJob.instanceId, trial.id);
                let record: TrialRecord;
                try {
                    record = {id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial, {next: oneAtATime ? ordered[index + 1] : undefined}))};
                } catch (error) {
                    record = error instanceof SkipTrial
                        ? {id: trial.id, cell: trial.cell, seed: trial.seed, status: "skipped", skipReason: error.reason, scores: {}, timings: {}}
                        : errorRecord(trial, (error as Error).message);
                }
                await events.onTrialDone(taskJob.instanceId, checkedRecord(record));
            })));
        } finally {
            await runner.dispose?.();
        }
        const after = session.counters();
        await events.onTaskDone(taskJob.instanceId, {
            wallMs: performance.now() - started,
            promptTokens: after.promptTokens - before.promptTokens,
            evaluatedTokens: after.evaluatedTokens - before.evaluatedTokens,
            generatedTokens: after.generatedTokens - before.generatedTokens,
            promptMs: after.promptMs - before.promptMs,
            generateMs: after.generateMs - before.generateMs
        });
    }
}

/** The trials with the `last` ones moved to the end, each group in its order. */
function lastOf(trials: PlannedTrial[], last: ReadonlySet<string>): PlannedTrial[] {
    if (last.size === 0) return trials;
    return [...trials.filter((trial) => !last.has(trial.id)), ...trials.filter((trial) => last.has(trial.id))];
}

export function errorRecord(trial: Pick<PlannedTrial, "id" | "cell" | "seed">, message: string): TrialRecord {
    return {id: trial.id, cell: trial.cell, seed: trial.seed, status: "error", error: {message: clipMessage(message), kind: "trial"}, scores: {}, timings: {}};
}
