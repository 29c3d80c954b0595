import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../assets/roots.js";
import type {ResultDocument, TrialRecord} from "../results/schema.js";
import {resultDocumentSchema} from "../results/schema.js";
import {writeResultDocument} from "../results/write.js";
import {loadTasks} from "../tasks/registry.js";
import {buildDocument, documentFile} from "./documents.js";
import {withComparisons} from "./references.js";
import {runFolder} from "./run-folder.js";

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
 * have written: per (run, task instance, model) the union of the trials in plan order, built by
 * the same document builder as a run (scores re-aggregated by the task), compared with their
 * ladder references, and written to <out>/<runId>/<task>/<ladder>/<model>.json.
 */
export async function mergeRuns(dirs: string[], outDir: string, context: {assetRoots: AssetRoots}): Promise<MergeReport> {
    const tasks = await loadTasks();
    const groups = new Map<string, ResultDocument[]>();
    for (const dir of dirs) {
        for (const {document} of documentsUnder(dir)) {
            const key = `${document.runId}|${document.task.id}|${document.task.configHash}|${document.model.sha256}|${document.model.id}`;
            groups.set(key, [...(groups.get(key) ?? []), document]);
        }
    }
    if (groups.size === 0) throw new Error(`no result documents under ${dirs.join(", ")}`);
    const incomplete: string[] = [];
    const merged: ResultDocument[] = [];
    for (const shards of groups.values()) {
        const first = shards[0]!;
        const task = tasks.get(first.task.type);
        if (!task) throw new Error(`unknown task type ${first.task.type} in run ${first.runId}`);
        const config = task.configSchema.parse(first.task.config);
        const records = new Map<string, TrialRecord>();
        for (const document of shards)
            for (const trial of document.trials) records.set(trial.id, records.has(trial.id) ? better(records.get(trial.id)!, trial) : trial);
        const planned = task.plan(config, first.model);
        const missing = planned.filter((t) => !records.has(t.id)).length;
        if (missing > 0) incomplete.push(`${first.task.id} on ${first.model.id}: ${missing} trials missing`);
        merged.push(buildDocument({
            runId: first.runId, suite: first.suite, createdAt: shards.map((d) => d.createdAt).sort().at(-1)!,
            instance: {...first.task, config}, task, model: first.model, env: first.env, planned, records,
            modelError: shards.find((d) => d.modelError)?.modelError,
            performance: mergePerformance(shards.map((d) => d.performance).filter((p): p is NonNullable<typeof p> => p != null)),
            configWarnings: first.task.configWarnings,
            notes: missing > 0 ? [`merge: ${missing} of ${planned.length} planned trials are in none of the merged documents`] : []
        }));
    }
    // As a run does: each file compared with its ladder reference, now on the merged documents.
    const documents = await withComparisons(merged, tasks, context);
    const documentFiles: string[] = [];
    for (const document of documents) {
        const file = documentFile(runFolder(outDir, document.runId), document.task.id, document.model);
        await writeResultDocument(file, document);
        documentFiles.push(file);
    }
    return {documents, documentFiles, incomplete};
}
