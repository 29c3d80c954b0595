/**
 * One verdict for a paired change from the reference, shared by `recommend` and the site (never
 * stored in documents). Checked in this order: equivalent (the interval lies inside ±margin),
 * better (entirely beyond +margin on the good side), worse (excludes zero on the bad side),
 * inconclusive (anything else).
 */
import {z} from "zod";

export type Verdict = "equivalent" | "better" | "worse" | "inconclusive";

/** A paired change of the main score from the reference (scores.vsReference.mainDelta). */
export const mainDeltaSchema = z.object({
    delta: z.number().finite().nullable().describe("candidate - reference over the paired units, in main-score units"),
    ci: z.tuple([z.number(), z.number()]).nullable().describe("Paired 95% interval of delta"),
    units: z.number().int().nonnegative().describe("Independent units the interval rests on"),
    unit: z.string().describe('What the units are: "clusters (length, trial)", "sentence pairs", "chunks"'),
    method: z.string()
});
export type MainDelta = z.infer<typeof mainDeltaSchema>;

export interface VerdictResult {
    verdict: Verdict;
    /** Inconclusive: roughly how many more units would make the interval narrow enough to decide (1/sqrt(n) scaling). */
    moreUnitsNeeded?: number;
}

export function verdictOf(change: {delta: number | null; ci: [number, number] | null; units?: number}, margin: number, higherIsBetter: boolean): VerdictResult {
    const {delta, ci} = change;
    if (delta === null || ci === null) return {verdict: "inconclusive"};
    // Work on the "good" side: positive means better.
    const sign = higherIsBetter ? 1 : -1;
    const [lo, hi] = sign > 0 ? ci : [-ci[1], -ci[0]];
    if (lo >= -margin && hi <= margin) return {verdict: "equivalent"};
    if (lo > margin) return {verdict: "better"};
    if (hi < 0) return {verdict: "worse"};
    const result: VerdictResult = {verdict: "inconclusive"};
    const halfWidth = (hi - lo) / 2;
    if (change.units && change.units > 0 && margin > 0 && halfWidth > 0) {
        // Width needed to fit inside ±margin around the point estimate; scale n by (width ratio)^2.
        const room = margin - Math.abs(sign * delta);
        if (room > 0) result.moreUnitsNeeded = Math.max(0, Math.ceil(change.units * (halfWidth / room) ** 2) - change.units);
    }
    return result;
}
