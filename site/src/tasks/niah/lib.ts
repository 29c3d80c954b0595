// NIAH views: length x depth grids for a model's scores and their difference from the
// ladder's reference file on the same task id.
import type {NiahScores} from "../../../../harness/tasks/niah/contract.ts";
import type {HeatmapCell, HeatmapSpec} from "../../lib/charts.ts";
import {fmt} from "../../lib/format.ts";

export type NiahMetric = "stringMatch" | "lift" | "judge";
type Cell = NiahScores["cells"][number];

export const METRICS: Record<NiahMetric, {label: string; scale: "seq" | "div"}> = {
    stringMatch: {label: "string match (0-100)", scale: "seq"},
    lift: {label: "lift (nats)", scale: "div"},
    judge: {label: "judge score (1-10)", scale: "seq"}
};

/** Whether a document's trials were graded by an LLM judge (its scores then carry `judge`). */
export const isJudged = (scores: NiahScores) => scores.judge !== undefined;

const key = (c: {length: number; depth: number}) => `${c.length}|${c.depth}`;

export function axes(...blocks: (NiahScores | undefined)[]): {lengths: number[]; depths: number[]} {
    const cells = blocks.flatMap((b) => b?.cells ?? []);
    return {
        lengths: [...new Set(cells.map((c) => c.length))].sort((a, b) => a - b),
        depths: [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b)
    };
}

/** Why a cell has no value, or undefined when it has one. */
export function cellNote(cell: Cell | undefined, metric: NiahMetric): string | undefined {
    if (!cell) return "no data";
    // Its prompts are another depth's (a short haystack): that depth's cell has the scores.
    if (cell.trials === 0 && cell.sameAsDepth !== undefined) return `= depth ${cell.sameAsDepth}`;
    if (cell.trials === 0 && cell.skipped > 0) return "skipped";
    if (cell.trials === 0 && cell.errors > 0) return "error";
    return cell[metric] == null ? "n/a" : undefined;
}

export function cellIndex(scores: NiahScores | undefined): Map<string, Cell> {
    return new Map((scores?.cells ?? []).map((c) => [key(c), c]));
}

export function lookup(index: Map<string, Cell>, length: number, depth: number): Cell | undefined {
    return index.get(key({length, depth}));
}

/** The difference model - reference per cell; null where either side has no value. */
export function cellDelta(cell: Cell | undefined, ref: Cell | undefined, metric: NiahMetric): number | null {
    const a = cell?.[metric];
    const b = ref?.[metric];
    return typeof a === "number" && typeof b === "number" ? a - b : null;
}

function spec(label: string, scale: "seq" | "div", lengths: number[], depths: number[], value: (l: number, d: number) => {v: number | null; note?: string}, fixed?: [number, number]): HeatmapSpec {
    const cells: HeatmapCell[] = lengths.flatMap((l) => depths.map((d) => ({x: String(l), y: String(d), ...value(l, d)})));
    const values = cells.map((c) => c.v).filter((v): v is number => v !== null);
    const [min, max] = fixed ?? [Math.min(0, ...values), Math.max(0, ...values)];
    return {xLabel: "context length (tokens)", yLabel: "needle depth (%)", xs: lengths.map(String), ys: depths.map(String), cells, scale, min, max, label};
}

export function metricHeatmap(scores: NiahScores, metric: NiahMetric): HeatmapSpec {
    const {lengths, depths} = axes(scores);
    const index = cellIndex(scores);
    return spec(METRICS[metric].label, METRICS[metric].scale, lengths, depths, (l, d) => {
        const cell = lookup(index, l, d);
        const note = cellNote(cell, metric);
        return note ? {v: null, note} : {v: cell![metric] ?? null};
    }, metric === "stringMatch" ? [0, 100] : metric === "judge" ? [1, 10] : undefined);
}

export function deltaHeatmap(scores: NiahScores, reference: NiahScores, metric: NiahMetric): HeatmapSpec {
    const {lengths, depths} = axes(scores, reference);
    const mine = cellIndex(scores);
    const theirs = cellIndex(reference);
    return spec(`${METRICS[metric].label}, minus reference`, "div", lengths, depths, (l, d) => {
        const a = lookup(mine, l, d);
        const b = lookup(theirs, l, d);
        const note = cellNote(a, metric) ?? (cellNote(b, metric) ? `ref ${cellNote(b, metric)}` : undefined);
        return note ? {v: null, note} : {v: cellDelta(a, b, metric)};
    });
}

type EffectiveContext = NonNullable<NiahScores["effectiveContext"]>;
type Flips = NonNullable<NiahScores["vsReference"]>["flips"];

/** Shortest context length the task tried (from byLength, else cells); null with no lengths. */
export function shortestLength(scores: NiahScores): number | null {
    const lengths = [...scores.byLength.map((b) => b.length), ...scores.cells.map((c) => c.length)];
    return lengths.length ? Math.min(...lengths) : null;
}

/**
 * The effective context length as text: "1,024", or "< 256" when even the shortest length does not
 * score above the threshold; null when the document has none (older results).
 */
export function effectiveContextText(scores: NiahScores): string | null {
    const ec = scores.effectiveContext;
    if (!ec) return null;
    if (ec.length !== null) return ec.length.toLocaleString("en-US");
    const shortest = shortestLength(scores);
    return shortest === null ? "< shortest" : `< ${shortest.toLocaleString("en-US")}`;
}

/** Sort value for an effective context: the length, 0 for "< shortest", "" when absent. */
export function effectiveContextValue(scores: NiahScores | undefined): string {
    const ec = scores?.effectiveContext;
    return ec ? String(ec.length ?? 0) : "";
}

/** The rule in words: "lift > 1", "stringMatch > 85.6". */
export function effectiveRule(ec: Pick<EffectiveContext, "score" | "threshold">): string {
    return `${ec.score} > ${ec.threshold}`;
}

/** The rules used by a set of documents (usually one): for headers and captions. */
export function effectiveRules(blocks: (NiahScores | undefined)[]): string[] {
    return [...new Set(blocks.flatMap((b) => (b?.effectiveContext ? [effectiveRule(b.effectiveContext)] : [])))].sort();
}

/** McNemar p-value, readable at both ends: "1", "0.0312", "< 0.001". */
export function fmtP(p: number | null | undefined): string {
    if (p === null || p === undefined || !Number.isFinite(p)) return "—";
    if (p < 0.001) return "< 0.001";
    return fmt(p);
}

/** The flip test's p-value: the cluster-level test, or McNemar's in older documents. */
export const flipsP = (f: Flips): number | undefined => f.p ?? f.mcnemarP;

/** "3 right→wrong, 1 wrong→right of 40 paired trials in 8 groups (p = 0.62)": right-to-wrong first, the flips quantization caused. */
export function flipsText(f: Flips): string {
    const groups = f.clusters != null ? ` in ${f.clusters} (length, trial) groups` : "";
    return `${f.rightToWrong} right→wrong, ${f.wrongToRight} wrong→right of ${f.pairs} paired trials${groups} (${f.p != null ? "p" : "McNemar p"} = ${fmtP(flipsP(f))})`;
}

/** A plain reading of the flips: only a small p says the file differs from the reference. */
export function flipsVerdict(f: Flips): string {
    if (f.pairs === 0) return "no paired trials";
    if (f.rightToWrong === 0 && f.wrongToRight === 0) return "no flips";
    const p = flipsP(f);
    if (p == null || p >= 0.05) return "no clear change";
    return f.rightToWrong > f.wrongToRight ? "worse than the reference" : "better than the reference";
}
