import {createHash} from "node:crypto";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import type {ModelInfo, ResultDocument, TrialRecord} from "../results/schema.js";
import {resultDocumentSchema} from "../results/schema.js";
import {writeResultDocument} from "../results/write.js";
import {loadTasks} from "../tasks/registry.js";

/** A deterministic slice of a suite's trials: shard `index` (1-based) of `count`. */
export interface Shard {
    index: number;
    count: number;
}

export function parseShard(value: string): Shard {
    const match = /^(\d+)\/(\d+)$/.exec(value.trim());
    const index = Number(match?.[1]);
    const count = Number(match?.[2]);
    if (!match || count < 1 || index < 1 || index > count) throw new Error(`--shard wants i/n with 1 <= i <= n (e.g. 2/4), not "${value}"`);
    return {index, count};
}

export const shardSuffix = (shard?: Shard) => (shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : "");

/** Whether a trial belongs to a shard: by hash of the task instance and the trial key (Task.shardKey), so every trial is in exactly one shard. */
export function inShard(shard: Shard, instanceId: string, trialKey: string): boolean {
    if (shard.count <= 1) return true;
    const digest = createHash("sha256").update(`${instanceId}|${trialKey}`).digest();
    return digest.readUInt32BE(0) % shard.count === shard.index - 1;
}

const SHARD_WARNING = /^shard \d+\/\d+: /;
const ALL_SKIPPED_WARNING = /^every cell of /;

function documentsUnder(dir: string): {file: string; document: ResultDocument}[] {
    const out: {file: string; document: ResultDocument}[] = [];
    for (const entry of readdirSync(dir, {recursive: true, encoding: "utf8"})) {
        if (!entry.endsWith(".json")) continue;
        const file = path.join(dir, entry);
        let raw: unknown;
        try {
            raw = JSON.parse(readFileSync(file, "utf8"));
        } catch {
            continue;
        }
        if ((raw as {kind?: unknown})?.kind !== "slmbench.result") continue;
        const parsed = resultDocumentSchema.safeParse(raw);
        if (!parsed.success) throw new Error(`${file}: not a valid result document (${parsed.error.issues[0]?.message})`);
        out.push({file, document: parsed.data});
    }
    return out;
}

/** Which of two records of one trial to keep: a finished one over an error, else the later. */
function better(a: TrialRecord, b: TrialRecord): TrialRecord {
    if (a.status === "error" && b.status !== "error") return b;
    if (b.status === "error" && a.status !== "error") return a;
    return b;
}

/** Sums the shards' performance blocks: tokens and wall time add up, rates are recomputed from them, peak memory is the largest. */
function mergePerformance(blocks: NonNullable<ResultDocument["performance"]>[]): ResultDocument["performance"] {
    if (blocks.length === 0) return undefined;
    const sum = (pick: (b: NonNullable<ResultDocument["performance"]>) => number) => blocks.reduce((total, b) => total + pick(b), 0);
    const rate = (tokens: (b: NonNullable<ResultDocument["performance"]>) => number, perSecond: (b: NonNullable<ResultDocument["performance"]>) => number | null) => {
        const timed = blocks.filter((b) => perSecond(b) != null && perSecond(b)! > 0);
        const seconds = timed.reduce((total, b) => total + tokens(b) / perSecond(b)!, 0);
        return seconds > 0 ? timed.reduce((total, b) => total + tokens(b), 0) / seconds : null;
    };
    const peaks = blocks.map((b) => b.peakRssBytes).filter((p): p is number => p != null);
    const loads = blocks.map((b) => b.loadMs).filter((p): p is number => p != null);
    return {
        ...(loads.length ? {loadMs: Math.max(...loads)} : {}),
        wallMs: sum((b) => b.wallMs),
        promptTokens: sum((b) => b.promptTokens),
        evaluatedTokens: sum((b) => b.evaluatedTokens),
        generatedTokens: sum((b) => b.generatedTokens),
        promptTokensPerSecond: rate((b) => Math.max(0, b.evaluatedTokens - b.generatedTokens), (b) => b.promptTokensPerSecond),
        generationTokensPerSecond: rate((b) => b.generatedTokens, (b) => b.generationTokensPerSecond),
        peakRssBytes: peaks.length ? Math.max(...peaks) : null
    };
}

export interface MergeReport {
    documents: ResultDocument[];
    documentFiles: string[];
    /** Merged documents missing planned trials (a shard not given, or not finished). */
    incomplete: string[];
}

/**
 * Combines shard outputs (or any run outputs of the same suite) into the documents one run would
 * have written: per (run, task instance, model) the union of the trials in plan order, counts and
 * scores re-aggregated with the task's own aggregate, written to <out>/<runId>/<task>/<ladder>/<model>.json.
 */
export async function mergeRuns(dirs: string[], outDir: string): Promise<MergeReport> {
    const tasks = await loadTasks();
    const groups = new Map<string, ResultDocument[]>();
    for (const dir of dirs) {
        for (const {document} of documentsUnder(dir)) {
            const key = `${document.runId}|${document.task.id}|${document.task.configHash}|${document.model.sha256}|${document.model.id}`;
            groups.set(key, [...(groups.get(key) ?? []), document]);
        }
    }
    if (groups.size === 0) throw new Error(`no result documents under ${dirs.join(", ")}`);
    const {documentFile} = await import("./run-suite.js");
    const report: MergeReport = {documents: [], documentFiles: [], incomplete: []};
    for (const shards of groups.values()) {
        const first = shards[0]!;
        const task = tasks.get(first.task.type);
        if (!task) throw new Error(`unknown task type ${first.task.type} in run ${first.runId}`);
        const config = task.configSchema.parse(first.task.config);
        const model: ModelInfo = first.model;
        const byId = new Map<string, TrialRecord>();
        for (const document of shards)
            for (const trial of document.trials) byId.set(trial.id, byId.has(trial.id) ? better(byId.get(trial.id)!, trial) : trial);
        const planned = task.plan(config, model);
        const plannedIds = new Set(planned.map((t) => t.id));
        const trials = [...planned.map((t) => byId.get(t.id)).filter((r): r is TrialRecord => r != null),
            ...[...byId.values()].filter((r) => !plannedIds.has(r.id))];
        const count = (status: TrialRecord["status"]) => trials.filter((r) => r.status === status).length;
        const warnings = [...new Set(shards.flatMap((d) => d.warnings).filter((w) => !SHARD_WARNING.test(w) && !ALL_SKIPPED_WARNING.test(w)))];
        if (planned.length > 0 && planned.every((t) => t.skipReason))
            warnings.push(`every cell of ${first.task.id} was skipped for ${model.id}: ${planned[0]!.skipReason}`);
        const missing = planned.filter((t) => !byId.has(t.id)).length;
        if (missing > 0) {
            warnings.push(`merge: ${missing} of ${planned.length} planned trials are in none of the merged documents`);
            report.incomplete.push(`${first.task.id} on ${model.id}: ${missing} trials missing`);
        }
        const merged: ResultDocument = {
            ...first,
            createdAt: shards.map((d) => d.createdAt).sort().at(-1)!,
            scores: task.aggregate(config, trials),
            counts: {planned: planned.length, ok: count("ok"), error: count("error"), skipped: count("skipped")},
            modelError: shards.find((d) => d.modelError)?.modelError,
            warnings,
            performance: mergePerformance(shards.map((d) => d.performance).filter((p): p is NonNullable<typeof p> => p != null)),
            trials
        };
        const file = documentFile(path.resolve(outDir, first.runId), first.task.id, model);
        await writeResultDocument(file, merged);
        report.documents.push(merged);
        report.documentFiles.push(file);
    }
    // As a run does at its end: comparisons across documents (e.g. STS against the ladder's reference), now on the merged ones.
    const {resolveAssetRoots} = await import("../assets/roots.js");
    for (const type of new Set(report.documents.map((d) => d.task.type)))
        await tasks.get(type)!.afterRun?.(report.documents, {assetRoots: resolveAssetRoots(), files: report.documentFiles});
    return report;
}
