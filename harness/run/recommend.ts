/**
 * "Fits my machine": from existing result documents, which model files fit a memory budget at a
 * context length, and which of them score best. Pure functions on documents, plus one loader.
 */
import {readdir} from "node:fs/promises";
import path from "node:path";
import type {ModelInfo, ResultDocument} from "../results/schema.js";
import {isRunErrorsFile} from "../results/run-errors.js";
import {readResultDocument} from "../results/write.js";
import {estimateMemoryBytes, formatBytes} from "../util/units.js";

/** Every result document under `dir` (recursively); the newest (createdAt) per (model sha256, task id). */
export async function loadLatestDocuments(dir: string): Promise<{documents: ResultDocument[]; problems: string[]}> {
    let entries: string[];
    try {
        entries = await readdir(dir, {recursive: true, encoding: "utf8"});
    } catch (error) {
        throw new Error(`cannot read results folder ${dir}: ${(error as Error).message}`);
    }
    const problems: string[] = [];
    const newest = new Map<string, ResultDocument>();
    for (const file of entries.filter((entry) => entry.endsWith(".json")).sort()) {
        let document: ResultDocument;
        try {
            document = await readResultDocument(path.join(dir, file));
        } catch (error) {
            // A run folder's errors.json sits beside the documents: not one of them, and no problem.
            if (!isRunErrorsFile(path.join(dir, file))) problems.push((error as Error).message);
            continue;
        }
        const key = `${document.model.sha256}/${document.task.id}`;
        const previous = newest.get(key);
        if (!previous || document.createdAt >= previous.createdAt) newest.set(key, document);
    }
    return {documents: [...newest.values()], problems};
}

export interface RecommendOptions {
    budgetBytes: number;
    context: number;
    /** Task ids or types; default all. */
    tasks?: string[];
    /** Absolute delta in main-score units for "as good as the reference"; default: confidence-interval overlap. */
    within?: number;
}

export interface Candidate {
    document: ResultDocument;
    model: ModelInfo;
    score: number;
    /** Interval of the main score: scores.mainCi, else main +- 1.96 x scores.<mainScore>Error, else [main, main]. */
    ci: [number, number];
    memoryBytes: number;
    fits: boolean;
    /** Why it does not fit (over budget, context beyond the trained one). */
    reason?: string;
}

export interface LadderPick {
    ladder: string;
    reference: Candidate;
    /** Smallest file of the ladder as good as its reference; the reference itself when none smaller is. */
    smallest: Candidate;
}

export interface TaskRecommendation {
    taskId: string;
    taskType: string;
    mainScore: ResultDocument["task"]["mainScore"];
    best?: Candidate;
    /** Not dominated in (memory, score), by increasing memory. */
    front: Candidate[];
    ladders: LadderPick[];
    candidates: Candidate[];
    /** Documents left out of the ranking, with why. */
    excluded: {model: string; reason: string}[];
}

export interface Recommendation {
    options: RecommendOptions;
    tasks: TaskRecommendation[];
}

const better = (a: number, b: number, higherIsBetter: boolean) => (higherIsBetter ? a > b : a < b);

function intervalOf(document: ResultDocument, score: number): [number, number] {
    const scores = document.scores as Record<string, unknown>;
    const ci = scores.mainCi;
    if (Array.isArray(ci) && ci.length === 2 && ci.every((v) => typeof v === "number" && Number.isFinite(v))) return [ci[0], ci[1]];
    const error = scores[`${document.task.mainScore.name}Error`];
    if (typeof error === "number" && Number.isFinite(error)) return [score - 1.96 * error, score + 1.96 * error];
    return [score, score];
}

/** Indices of the points no other point dominates (no more memory and at least as good, better in one), by increasing memory. */
export function paretoFront(points: {memory: number; score: number}[], higherIsBetter: boolean): number[] {
    const order = points.map((_, i) => i).sort((a, b) =>
        points[a]!.memory - points[b]!.memory || (higherIsBetter ? points[b]!.score - points[a]!.score : points[a]!.score - points[b]!.score));
    const front: number[] = [];
    let bestSoFar: number | undefined;
    for (const i of order) {
        const {score} = points[i]!;
        if (bestSoFar === undefined || better(score, bestSoFar, higherIsBetter)) {
            front.push(i);
            bestSoFar = score;
        }
    }
    return front;
}

/** Whether `candidate` is as good as `reference`: within the absolute delta, else not significantly worse (intervals overlap or it is better). */
export function asGoodAs(candidate: Candidate, reference: Candidate, higherIsBetter: boolean, within?: number): boolean {
    if (within !== undefined)
        return higherIsBetter ? candidate.score >= reference.score - within : candidate.score <= reference.score + within;
    return higherIsBetter ? candidate.ci[1] >= reference.ci[0] : candidate.ci[0] <= reference.ci[1];
}

function matchesTask(document: ResultDocument, wanted?: string[]): boolean {
    return !wanted || wanted.includes(document.task.id) || wanted.includes(document.task.type);
}

/** Ranks the documents per task. Throws when there are none or a wanted task id matches nothing. */
export function recommend(documents: ResultDocument[], options: RecommendOptions): Recommendation {
    if (documents.length === 0) throw new Error("no result documents to recommend from");
    const known = [...new Set(documents.map((d) => d.task.id))].sort();
    for (const wanted of options.tasks ?? [])
        if (!documents.some((d) => matchesTask(d, [wanted])))
            throw new Error(`unknown task "${wanted}": the results have ${known.join(", ")}`);
    const byTask = new Map<string, ResultDocument[]>();
    for (const document of documents.filter((d) => matchesTask(d, options.tasks)))
        byTask.set(document.task.id, [...(byTask.get(document.task.id) ?? []), document]);

    const tasks = [...byTask.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([taskId, docs]): TaskRecommendation => {
        const {mainScore, type} = docs[0]!.task;
        const up = mainScore.higherIsBetter;
        const candidates: Candidate[] = [];
        const excluded: TaskRecommendation["excluded"] = [];
        for (const document of docs) {
            const model = document.model;
            const score = document.scores.main;
            if (score === null || score === undefined) {
                excluded.push({model: model.id, reason: "no main score"});
                continue;
            }
            if (model.bytes <= 0) {
                excluded.push({model: model.id, reason: "no local weights (hosted or built-in): memory not estimated"});
                continue;
            }
            const memoryBytes = estimateMemoryBytes(model, options.context);
            if (memoryBytes === undefined) {
                excluded.push({model: model.id, reason: "no memory facts in its result document (re-run it with this slmbench)"});
                continue;
            }
            const reasons: string[] = [];
            if (memoryBytes > options.budgetBytes) reasons.push("over budget");
            if (model.contextLength !== undefined && model.contextLength < options.context) reasons.push(`trained context ${model.contextLength}`);
            candidates.push({document, model, score, ci: intervalOf(document, score), memoryBytes, fits: reasons.length === 0, ...(reasons.length ? {reason: reasons.join(", ")} : {})});
        }
        candidates.sort((a, b) => a.memoryBytes - b.memoryBytes || a.model.id.localeCompare(b.model.id));
        const front = paretoFront(candidates.map((c) => ({memory: c.memoryBytes, score: c.score})), up).map((i) => candidates[i]!);
        const best = candidates.filter((c) => c.fits)
            .reduce<Candidate | undefined>((top, c) => (!top || better(c.score, top.score, up) ? c : top), undefined);

        const ladders: LadderPick[] = [];
        const ladderIds = [...new Set(candidates.map((c) => c.model.ladder.id))].sort();
        for (const ladder of ladderIds) {
            const members = candidates.filter((c) => c.model.ladder.id === ladder);
            const reference = members.find((c) => c.model.sha256 === c.model.ladder.referenceSha256);
            if (!reference) continue; // the reference was not run on this task (or has no memory facts)
            // members are sorted by memory: the first one as good as the reference is the smallest.
            const smallest = members.find((c) => asGoodAs(c, reference, up, options.within)) ?? reference;
            ladders.push({ladder, reference, smallest});
        }
        return {taskId, taskType: type, mainScore, best, front, ladders, candidates, excluded};
    });
    return {options, tasks};
}

const fmtScore = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
const label = (c: Candidate) => `${c.model.id} (${c.model.quantLabel})`;

/** The recommendation as text for a terminal. */
export function formatRecommendation(recommendation: Recommendation): string {
    const {budgetBytes, context, within} = recommendation.options;
    const lines: string[] = [`Budget ${formatBytes(budgetBytes)} at a context of ${context} tokens ` +
        `(estimate: file bytes + KV bytes/token x context + overhead; * = fits)`];
    for (const task of recommendation.tasks) {
        const name = task.mainScore.name;
        const direction = task.mainScore.higherIsBetter ? "higher is better" : "lower is better";
        lines.push("", `${task.taskId} (${task.taskType}): ${name}, ${direction}`);
        if (task.candidates.some((c) => typeof (c.document.scores as Record<string, unknown>).reference === "string"))
            lines.push(`  (${name} is measured against each ladder's own reference: compare files within a ladder, not across ladders)`);
        lines.push(task.best
            ? `  best that fits: ${label(task.best)}  ${name} ${fmtScore(task.best.score)}  ~${formatBytes(task.best.memoryBytes)}`
            : `  best that fits: none of the ${task.candidates.length} ranked model files fits`);
        if (task.front.length > 0) {
            lines.push("  Pareto front (estimated memory vs score):");
            const rows = task.front.map((c) => [c.fits ? "*" : " ", formatBytes(c.memoryBytes), fmtScore(c.score), label(c), c.reason ? `(${c.reason})` : ""]);
            const widths = [1, ...[1, 2, 3].map((col) => Math.max(...rows.map((row) => row[col]!.length)))];
            for (const row of rows)
                lines.push(`    ${row[0]} ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padStart(widths[2]!)}  ${row[3]!.padEnd(widths[3]!)} ${row[4]}`.trimEnd());
        }
        if (task.ladders.length > 0) {
            lines.push(`  smallest quant as good as its ladder's reference (${within !== undefined ? `${name} within ${within}` : "95% intervals overlap, or better"}):`);
            for (const pick of task.ladders) {
                const {smallest: s, reference: r} = pick;
                const same = s === r;
                lines.push(`    ${s.fits ? "*" : " "} ${pick.ladder}: ${s.model.quantLabel} ${name} ${fmtScore(s.score)}` +
                    `${same ? " (the reference; no smaller file is as good)" : ` vs ${r.model.quantLabel} ${fmtScore(r.score)}`}` +
                    `, ~${formatBytes(s.memoryBytes)}${s.reason ? ` (${s.reason})` : ""}`);
            }
        }
        if (task.excluded.length > 0) {
            const reasons = new Map<string, string[]>();
            for (const {model, reason} of task.excluded) reasons.set(reason, [...(reasons.get(reason) ?? []), model]);
            for (const [reason, models] of reasons)
                lines.push(`  not ranked, ${reason}: ${models.length > 3 ? `${models.slice(0, 3).join(", ")} and ${models.length - 3} more` : models.join(", ")}`);
        }
    }
    return lines.join("\n");
}
