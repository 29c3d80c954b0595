/**
 * "Fits my machine": from existing result documents, which model files fit a memory budget at a
 * context length, which of them score best, and how each quantized file compares with its
 * ladder's reference (a verdict from the paired comparison in the document, harness/util/verdict.ts).
 * Pure functions on documents, plus one loader.
 */
import {readdir} from "node:fs/promises";
import path from "node:path";
import type {ModelInfo, ResultDocument} from "../results/schema.js";
import {isRunErrorsFile} from "../results/run-errors.js";
import {readResultDocument} from "../results/write.js";
import type {Task} from "../tasks/types.js";
import {comparableKey, datasetHashOf, groupComparable} from "../util/comparable.js";
import {estimateMemoryBytes, formatBytes} from "../util/units.js";
import {describeVerdict, type MainDelta, verdictOf, type VerdictResult} from "../util/verdict.js";

/**
 * Every result document under `dir` (recursively); the newest (createdAt) per model file and
 * comparable task instance (task id, config hash, dataset files): documents of other
 * configurations of a task id are kept, and reported apart.
 */
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
        const key = `${document.model.sha256}/${comparableKey(document)}`;
        const previous = newest.get(key);
        if (!previous || document.createdAt >= previous.createdAt) newest.set(key, document);
    }
    return {documents: [...newest.values()], problems};
}

/** `--margin`: one margin for every task, or one per task id or type. */
export type MarginOption = number | Readonly<Record<string, number>>;

export interface RecommendOptions {
    budgetBytes: number;
    context: number;
    /** Task ids or types; default all. */
    tasks?: string[];
    /** Equivalence margins (main-score units) replacing the tasks' defaults. */
    margin?: MarginOption;
    /** A document's task's default equivalence margin (the contract's EQUIVALENCE_MARGIN); see taskMargins(). */
    defaultMargin?: (document: ResultDocument) => number | undefined;
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
    /** Not every planned trial finished: never ranked beside complete files. */
    partial: boolean;
    /** Labels of the other files of its ladder that hold the same tensors (one data point, shown once). */
    sameAs: string[];
}

export interface MemberVerdict {
    candidate: Candidate;
    /** The paired change against the reference, as the document records it. */
    mainDelta?: MainDelta;
    verdict?: VerdictResult;
    /** Why there is no verdict, or what qualifies it. */
    note?: string;
}

export interface LadderPick {
    ladder: string;
    referenceLabel: string;
    /** The reference's main score, when its document is among the results. */
    referenceScore?: number;
    members: MemberVerdict[];
    /** The file with the least estimated memory that is equivalent to the reference (or better), complete results only. */
    smallestEquivalent?: Candidate;
    /** The best-scoring file of this ladder that fits (complete results; a reference of a score measured against it left out). */
    bestThatFits?: Candidate;
}

export interface TaskRecommendation {
    /** comparableKey of the documents: task id, config hash, dataset files. */
    key: string;
    taskId: string;
    taskType: string;
    configHash: string;
    /** Set when the task id has several configurations (or datasets) in the results: what tells this one apart. */
    variant?: string;
    mainScore: ResultDocument["task"]["mainScore"];
    /** The equivalence margin the verdicts use, in main-score units; undefined when none is known. */
    margin?: number;
    /** The main score is measured against each ladder's own reference (fidelity): references are its zero point, not ranked. */
    againstReference: boolean;
    best?: Candidate;
    /** Not dominated in (memory, score), by increasing memory; complete results only, identical files once. */
    front: Candidate[];
    ladders: LadderPick[];
    /** Files ranked: complete, identical files once, references of a score measured against them left out. */
    ranked: number;
    /** Every file with a score and memory facts (identical files and partial ones included). */
    candidates: Candidate[];
    /** Files whose planned trials did not all finish. */
    partial: Candidate[];
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

function matchesTask(document: ResultDocument, wanted?: string[]): boolean {
    return !wanted || wanted.includes(document.task.id) || wanted.includes(document.task.type);
}

/** The margin for a document's task: --margin (one number, or by task id, then type), else the task's default. */
export function marginOf(document: ResultDocument, options: Pick<RecommendOptions, "margin" | "defaultMargin">): number | undefined {
    const {margin} = options;
    if (typeof margin === "number") return margin;
    if (margin) {
        const given = margin[document.task.id] ?? margin[document.task.type];
        if (given !== undefined) return given;
    }
    return options.defaultMargin?.(document);
}

/** Default margins from the task registry: each task's equivalenceMargin(config). */
export function taskMargins(tasks: ReadonlyMap<string, Task>): (document: ResultDocument) => number | undefined {
    return (document) => {
        const task = tasks.get(document.task.type);
        if (!task?.equivalenceMargin) return undefined;
        const config = task.configSchema.safeParse(document.task.config);
        return config.success ? task.equivalenceMargin(config.data) : undefined;
    };
}

const labelOf = (c: Candidate) => [c.model.quantLabel, ...c.sameAs].join(" = ");

/**
 * Identical files (sameTensorsAs) of a ladder count once: the one with the least memory stands
 * for the others, whose labels it carries.
 */
function collapseIdentical(candidates: Candidate[]): Candidate[] {
    const kept: Candidate[] = [];
    for (const candidate of candidates) {
        const twin = kept.find((other) => other.model.ladder.id === candidate.model.ladder.id && other.partial === candidate.partial &&
            (other.model.sameTensorsAs ?? []).includes(candidate.model.fileName));
        if (twin) twin.sameAs.push(candidate.model.quantLabel);
        else kept.push(candidate);
    }
    return kept;
}

function verdictFor(candidate: Candidate, margin: number | undefined, higherIsBetter: boolean): MemberVerdict {
    const vs = (candidate.document.scores as Record<string, unknown>).vsReference as {mainDelta?: MainDelta; reference?: {sha256?: string}; note?: string} | undefined;
    const mainDelta = vs?.mainDelta;
    if (!mainDelta) return {candidate, note: "no paired comparison with the reference in its document: rerun it with this slmbench"};
    if (vs?.reference?.sha256 && vs.reference.sha256 !== candidate.model.ladder.referenceSha256)
        return {candidate, mainDelta, note: "its comparison is with another file than its ladder's reference"};
    if (margin === undefined) return {candidate, mainDelta, note: "no equivalence margin for this task: pass --margin"};
    return {candidate, mainDelta, verdict: verdictOf(mainDelta, margin, higherIsBetter), ...(vs?.note ? {note: vs.note} : {})};
}

/** Ranks the documents per comparable task instance. Throws when there are none or a wanted task id matches nothing. */
export function recommend(documents: ResultDocument[], options: RecommendOptions): Recommendation {
    if (documents.length === 0) throw new Error("no result documents to recommend from");
    const known = [...new Set(documents.map((d) => d.task.id))].sort();
    for (const wanted of options.tasks ?? [])
        if (!documents.some((d) => matchesTask(d, [wanted])))
            throw new Error(`unknown task "${wanted}": the results have ${known.join(", ")}`);
    const groups = groupComparable(documents.filter((d) => matchesTask(d, options.tasks)));
    const variantsOf = new Map<string, number>();
    for (const docs of groups.values()) variantsOf.set(docs[0]!.task.id, (variantsOf.get(docs[0]!.task.id) ?? 0) + 1);

    const tasks = [...groups.entries()].map(([key, docs]): TaskRecommendation => {
        const {mainScore, type, id: taskId, configHash} = docs[0]!.task;
        const up = mainScore.higherIsBetter;
        const dataset = datasetHashOf(docs[0]!);
        const againstReference = docs.some((d) => typeof (d.scores as Record<string, unknown>).reference === "string");
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
            candidates.push({document, model, score, ci: intervalOf(document, score), memoryBytes, fits: reasons.length === 0,
                ...(reasons.length ? {reason: reasons.join(", ")} : {}), partial: document.partial === true, sameAs: []});
        }
        candidates.sort((a, b) => a.memoryBytes - b.memoryBytes || a.model.id.localeCompare(b.model.id));
        const points = collapseIdentical(candidates);
        // A ladder's reference is the zero point of a score measured against it (fidelity's KLD to itself is 0 by definition).
        const ranked = points.filter((c) => !c.partial && !(againstReference && c.model.ladder.isReference));
        const bestOf = (pool: Candidate[]) => pool.filter((c) => c.fits).reduce<Candidate | undefined>((top, c) => (!top || better(c.score, top.score, up) ? c : top), undefined);
        // A score measured against each ladder's own reference does not compare across ladders: no front or best over several.
        const acrossLadders = !againstReference || new Set(ranked.map((c) => c.model.ladder.id)).size <= 1;
        const front = acrossLadders ? paretoFront(ranked.map((c) => ({memory: c.memoryBytes, score: c.score})), up).map((i) => ranked[i]!) : [];
        const best = acrossLadders ? bestOf(ranked) : undefined;

        const margin = marginOf(docs[0]!, options);
        const ladders: LadderPick[] = [];
        for (const ladder of [...new Set(points.map((c) => c.model.ladder.id))].sort()) {
            const members = points.filter((c) => c.model.ladder.id === ladder && !c.model.ladder.isReference);
            if (members.length === 0) continue;
            const referenceDoc = docs.find((d) => d.model.sha256 === members[0]!.model.ladder.referenceSha256);
            const verdicts = members.map((c) => verdictFor(c, margin, up));
            const bestThatFits = bestOf(ranked.filter((c) => c.model.ladder.id === ladder));
            const smallestEquivalent = verdicts.find((v) => !v.candidate.partial && (v.verdict?.verdict === "equivalent" || v.verdict?.verdict === "better"))?.candidate;
            ladders.push({
                ladder,
                referenceLabel: referenceDoc?.model.quantLabel ?? members[0]!.model.ladder.referenceFile,
                ...(referenceDoc?.scores.main != null ? {referenceScore: referenceDoc.scores.main} : {}),
                members: verdicts,
                ...(smallestEquivalent ? {smallestEquivalent} : {}),
                ...(bestThatFits ? {bestThatFits} : {})
            });
        }
        const variant = (variantsOf.get(taskId) ?? 0) > 1 ? `config ${configHash.slice(0, 8)}${dataset ? `, dataset ${dataset.slice(0, 8)}` : ""}` : undefined;
        return {key, taskId, taskType: type, configHash, ...(variant ? {variant} : {}), mainScore, ...(margin !== undefined ? {margin} : {}),
            againstReference, best, front, ladders, ranked: ranked.length, candidates, partial: points.filter((c) => c.partial), excluded};
    }).sort((a, b) => a.taskId.localeCompare(b.taskId) || a.key.localeCompare(b.key));
    return {options, tasks};
}

const fmtScore = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));
const fmtDelta = (v: number) => `${v >= 0 ? "+" : ""}${fmtScore(v)}`;
const label = (c: Candidate) => `${c.model.id} (${labelOf(c)})`;
const coverageOf = (c: Candidate) => {
    const coverage = c.document.coverage;
    return coverage ? `${coverage.ok + coverage.skipped} of ${coverage.planned} trials` : `${c.document.counts.ok} of ${c.document.counts.planned} trials`;
};

function memberLine(member: MemberVerdict, name: string): string {
    const c = member.candidate;
    const d = member.mainDelta;
    const change = d && d.delta != null
        ? `Δ ${fmtDelta(d.delta)}${d.ci ? ` [${fmtDelta(d.ci[0])}, ${fmtDelta(d.ci[1])}]` : ""} over ${d.units} ${d.unit}${d.ci ? "" : d.units < 2 ? ": no interval (it needs 2 or more)" : ": no interval"}`
        : d ? `no paired ${name} change (${d.units} ${d.unit} in common)` : "";
    const verdict = member.verdict ? describeVerdict(member.verdict, d?.unit.replace(/ \(.*\)$/, "") ?? "units", d?.units) : "no verdict";
    const notes = [c.partial ? `partial: ${coverageOf(c)}, not eligible` : "", member.note ?? ""].filter(Boolean);
    const parts = [`${labelOf(c)}  ${name} ${fmtScore(c.score)}, ~${formatBytes(c.memoryBytes)}`, change, verdict, notes.length ? `(${notes.join("; ")})` : ""];
    return `${c.fits ? "*" : " "} ${parts.filter(Boolean).join("  ")}`;
}

/** The recommendation as text for a terminal. */
export function formatRecommendation(recommendation: Recommendation): string {
    const {budgetBytes, context} = recommendation.options;
    const lines: string[] = [`Budget ${formatBytes(budgetBytes)} at a context of ${context} tokens ` +
        `(estimate: file bytes + KV bytes/token x context + overhead; * = fits)`];
    for (const task of recommendation.tasks) {
        const name = task.mainScore.name;
        const direction = task.mainScore.higherIsBetter ? "higher is better" : "lower is better";
        lines.push("", `${task.taskId}${task.variant ? ` [${task.variant}]` : ""} (${task.taskType}): ${name}, ${direction}`);
        if (task.againstReference)
            lines.push(`  (${name} is measured against each ladder's own reference, which scores 0 by definition and is not ranked: compare files within a ladder)`);
        lines.push(task.best
            ? `  best that fits: ${label(task.best)}  ${name} ${fmtScore(task.best.score)}  ~${formatBytes(task.best.memoryBytes)}`
            : task.ranked === 0 ? "  best that fits: none ranked (no file with complete results and memory facts)"
            : task.againstReference && task.front.length === 0 ? "  best that fits: per ladder, below (no ranking across ladders)"
            : `  best that fits: none of the ${task.ranked} ranked model files fits`);
        if (task.front.length > 0) {
            lines.push("  Pareto front (estimated memory vs score; complete results, identical files once):");
            const rows = task.front.map((c) => [c.fits ? "*" : " ", formatBytes(c.memoryBytes), fmtScore(c.score), label(c), c.reason ? `(${c.reason})` : ""]);
            const widths = [1, ...[1, 2, 3].map((col) => Math.max(...rows.map((row) => row[col]!.length)))];
            for (const row of rows)
                lines.push(`    ${row[0]} ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padStart(widths[2]!)}  ${row[3]!.padEnd(widths[3]!)} ${row[4]}`.trimEnd());
        }
        if (task.ladders.length > 0) {
            lines.push(task.margin !== undefined
                ? `  against each ladder's reference: the paired 95% interval of the ${name} change (this file - reference) over the units both files completed; ` +
                    `equivalent: inside ±${task.margin}; better: beyond +${task.margin} on the good side; worse: excludes 0 on the bad side; else inconclusive`
                : `  against each ladder's reference: no equivalence margin for ${task.taskId} (pass --margin ${task.taskId}=<${name} units>): no verdicts`);
            for (const pick of task.ladders) {
                lines.push(`    ${pick.ladder} (reference ${pick.referenceLabel}${pick.referenceScore !== undefined ? `, ${name} ${fmtScore(pick.referenceScore)}` : ""}):`);
                for (const member of pick.members) lines.push(`      ${memberLine(member, name)}`);
                if (task.againstReference && !task.best && pick.bestThatFits)
                    lines.push(`      best that fits in this ladder: ${labelOf(pick.bestThatFits)}  ${name} ${fmtScore(pick.bestThatFits.score)}  ~${formatBytes(pick.bestThatFits.memoryBytes)}`);
                const s = pick.smallestEquivalent;
                lines.push(s
                    ? `      smallest file equivalent to the reference (or better): ${labelOf(s)}, ~${formatBytes(s.memoryBytes)}${s.fits ? "" : ` (${s.reason})`}`
                    : "      no file of this ladder is shown equivalent to the reference");
            }
        }
        if (task.partial.length > 0)
            lines.push(`  partial (not every planned trial finished; not ranked): ${task.partial.map((c) => `${c.model.id} (${coverageOf(c)})`).join(", ")}`);
        if (task.excluded.length > 0) {
            const reasons = new Map<string, string[]>();
            for (const {model, reason} of task.excluded) reasons.set(reason, [...(reasons.get(reason) ?? []), model]);
            for (const [reason, models] of reasons)
                lines.push(`  not ranked, ${reason}: ${models.length > 3 ? `${models.slice(0, 3).join(", ")} and ${models.length - 3} more` : models.join(", ")}`);
        }
    }
    return lines.join("\n");
}
