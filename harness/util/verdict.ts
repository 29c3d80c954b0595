import {z} from "zod";

/**
 * The one rule that turns a paired comparison with a ladder's reference into a verdict, shared by
 * `recommend` and the site. Input: the change of the main score (candidate - reference, in
 * main-score units) over the units both files completed, and its paired 95% interval
 * (`scores.vsReference.mainDelta`). Checked in this order:
 *
 *  - equivalent:   the interval lies inside [-margin, +margin];
 *  - better:       it lies entirely beyond +margin on the good side;
 *  - worse:        it excludes zero on the bad side;
 *  - inconclusive: anything else (or no interval, or fewer than MIN_UNITS independent units), with
 *                  a rough count of the further units that would decide it, from the interval's
 *                  width (it narrows as 1/sqrt(units)).
 *
 * Never "as good as" from overlapping unpaired intervals: two wide intervals overlap even when
 * the paired change is large.
 */

export type Verdict = "equivalent" | "better" | "worse" | "inconclusive";

export const VERDICTS: readonly Verdict[] = ["equivalent", "better", "worse", "inconclusive"];

/** A paired change of the main score (the shape of `vsReference.mainDelta`). */
export interface PairedDelta {
    delta: number | null;
    ci: [number, number] | null;
    /** Independent units the interval rests on (clusters, sentence pairs, chunks); needed for moreUnitsNeeded. */
    units?: number;
}

export interface VerdictResult {
    verdict: Verdict;
    /** Inconclusive only: about how many more units (beyond `units`) would decide it, when that can be estimated. */
    moreUnitsNeeded?: number;
}

/**
 * Fewer independent units than this give no verdict but inconclusive: a bootstrap interval over
 * 2-4 units spans about their minimum to maximum, so four chunks that all moved the same way would
 * read as decisive on evidence a sign test puts at 1 in 16. From 5 units the expanded percentile
 * interval (util/stats.ts) holds its level.
 */
export const MIN_UNITS = 5;

export function verdictOf(paired: PairedDelta, margin: number, higherIsBetter: boolean): VerdictResult {
    if (!(margin >= 0)) throw new Error(`equivalence margin must be a number >= 0, got ${margin}`);
    const {delta, ci} = paired;
    if (paired.units != null && paired.units < MIN_UNITS) return {verdict: "inconclusive", moreUnitsNeeded: MIN_UNITS - paired.units};
    if (delta == null || ci == null || !Number.isFinite(delta) || !ci.every(Number.isFinite)) return {verdict: "inconclusive"};
    const [low, high] = ci;
    if (low >= -margin && high <= margin) return {verdict: "equivalent"};
    // Oriented so that positive is good.
    const [goodLow, goodHigh] = higherIsBetter ? [low, high] : [-high, -low];
    if (goodLow > margin) return {verdict: "better"};
    if (goodHigh < 0) return {verdict: "worse"};
    const more = moreUnitsNeeded(higherIsBetter ? delta : -delta, (high - low) / 2, margin, paired.units);
    return more === undefined ? {verdict: "inconclusive"} : {verdict: "inconclusive", moreUnitsNeeded: more};
}

/**
 * Units to add so that an interval of the same centre, narrowed as 1/sqrt(units), reaches the
 * nearest verdict: inside the margin when the change is smaller than it, beyond it on the good
 * side, or clear of zero on the bad side. Undefined when the change sits exactly on a boundary
 * (no number of units decides it) or the units are unknown.
 */
function moreUnitsNeeded(good: number, halfWidth: number, margin: number, units: number | undefined): number | undefined {
    if (units == null || !(units > 0) || !(halfWidth > 0)) return undefined;
    const target = Math.abs(good) < margin ? margin - Math.abs(good) : good >= margin ? good - margin : -good;
    if (!(target > 0)) return undefined;
    const needed = Math.ceil(units * (halfWidth / target) ** 2);
    return Math.max(1, needed - units);
}

/** A task's margin: one number, or one per main-score name (NIAH: lift in nats, string match in points). */
export type EquivalenceMargins = number | Readonly<Record<string, number>>;

export function marginFor(margins: EquivalenceMargins, mainScoreName: string): number | undefined {
    return typeof margins === "number" ? margins : margins[mainScoreName];
}

/**
 * The verdict in words, for terminals and pages: "worse", "inconclusive (about 12 more clusters
 * would decide it)". `unit` is plural ("clusters", "sentence pairs"); with the units it rests on,
 * an estimate past 100 times them reads as such (the change sits almost on a boundary).
 */
export function describeVerdict(result: VerdictResult, unit = "units", units?: number): string {
    const more = result.moreUnitsNeeded;
    if (result.verdict !== "inconclusive" || more === undefined) return result.verdict;
    if (units !== undefined && units > 0 && more > 100 * units) return `inconclusive (over 100 times as many ${unit} would be needed to decide it)`;
    return `inconclusive (about ${more} more ${more === 1 ? unit.replace(/s\b/, "") : unit} would decide it)`;
}

/** Schema of `scores.vsReference.mainDelta`, the paired change every task's comparison records. */
export const mainDeltaSchema = z.object({
    delta: z.number().finite().nullable().describe("Change of the main score, candidate - reference, in main-score units, over the paired units"),
    ci: z.tuple([z.number(), z.number()]).nullable().describe("Its paired 95% interval"),
    units: z.number().int().nonnegative().describe("Independent units both files completed, which the interval rests on"),
    unit: z.string().describe("What a unit is: \"clusters (length, trial)\", \"sentence pairs\", \"chunks\""),
    method: z.string().describe("How the interval was computed")
});
export type MainDelta = z.infer<typeof mainDeltaSchema>;
