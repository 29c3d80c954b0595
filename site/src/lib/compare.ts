// A file's change from its ladder's reference: the paired change of the main score with its
// interval (scores.vsReference.mainDelta, or what an older document's view can offer), the
// verdict (harness/util/verdict.ts, the rule `recommend` uses) and how to show it honestly:
// coloured only when the interval excludes zero.
import {mainDeltaSchema, verdictOf, type MainDelta, type VerdictResult} from "../../../harness/util/verdict.ts";
import {fmtDelta, fmtInterval} from "./format.ts";
import type {DocEntry, TaskInfo} from "./types.ts";
import {viewFor} from "./views.ts";

/** The paired change of the main score from the reference, or null when the document has none. */
export function mainDeltaOf(entry: DocEntry | undefined): MainDelta | null {
    if (!entry) return null;
    const recorded = (entry.doc.scores as {vsReference?: {mainDelta?: unknown}}).vsReference?.mainDelta;
    if (recorded !== undefined) return mainDeltaSchema.parse(recorded);
    const view = viewFor(entry);
    return view?.mainDelta?.(view.of(entry)) ?? null;
}

export interface Comparison {
    delta: MainDelta;
    verdict: VerdictResult;
    /** The task's equivalence margin; null when it has none (never "equivalent"). */
    margin: number | null;
    /** The interval excludes zero: the change is real at this level; else it is within noise. */
    excludesZero: boolean;
    /** The change is on the good side (only meaningful when excludesZero). */
    good: boolean;
}

export function comparisonOf(entry: DocEntry | undefined, task: TaskInfo): Comparison | null {
    const delta = mainDeltaOf(entry);
    if (!entry || !delta || delta.delta === null) return null;
    const view = viewFor(entry);
    const margin = view?.equivalenceMargin?.(view.of(entry)) ?? null;
    const verdict = verdictOf(delta, margin ?? 0, task.mainScore.higherIsBetter);
    const excludesZero = delta.ci !== null && (delta.ci[0] > 0 || delta.ci[1] < 0);
    return {delta, verdict, margin, excludesZero, good: (delta.delta > 0) === task.mainScore.higherIsBetter};
}

/** CSS class of a change cell: coloured only when its interval excludes zero. */
export function deltaClass(c: Comparison | null): string {
    if (!c || !c.excludesZero) return "delta-none";
    return c.good ? "delta-pos" : "delta-neg";
}

/** "−2.5 [−25.8, +20]" */
export function deltaText(c: Comparison): {value: string; interval: string} {
    return {value: fmtDelta(c.delta.delta), interval: fmtInterval(c.delta.ci, true)};
}

/** The verdict in words: "worse", "equivalent (±5)", "inconclusive: ~40 more clusters". */
export function verdictText(c: Comparison): string {
    const {verdict, moreUnitsNeeded} = c.verdict;
    if (verdict === "inconclusive") {
        const more = moreUnitsNeeded !== undefined ? ` (about ${moreUnitsNeeded.toLocaleString("en-US")} more ${c.delta.unit} to decide)` : "";
        return `inconclusive${c.excludesZero ? "" : ", within noise"}${more}`;
    }
    if (verdict === "equivalent") return `equivalent (within ±${c.margin})`;
    return verdict;
}
