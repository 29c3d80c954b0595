/**
 * RULER's scoring (scripts/eval/synthetic/constants.py, scripts/eval/evaluate.py). Per sample,
 * string_match_all is harness/tasks/shared/string-match.ts's stringMatchAll (same post-processing, same
 * case-insensitive substring test, already x100); this module holds the task-level step.
 */

/** The metric of every synthetic task here: share of expected strings found in the prediction. */
export const RULER_METRIC = "string_match_all";

/**
 * Python's round(x, digits) for a float: rounds the exact binary value, ties to even (so 12.125
 * gives 12.12, while 0.145, stored as 0.14499..., gives 0.14).
 */
export function pythonRound(x: number, digits: number): number {
    if (!Number.isFinite(x)) return x;
    const exact = Math.abs(x).toFixed(60);
    const point = exact.indexOf(".");
    const kept = exact.slice(0, point + 1 + digits);
    const rest = exact.slice(point + 1 + digits);
    const lastDigit = Number(kept.at(-1) === "." ? kept.at(-2) : kept.at(-1));
    const tie = /^50*$/.test(rest);
    const up = tie ? lastDigit % 2 === 1 : rest > "5";
    const magnitude = Number(kept) + (up ? 10 ** -digits : 0);
    return Math.sign(x) * Number(magnitude.toFixed(digits));
}

/** RULER's task score: the mean of the per-sample scores (each 0-100), rounded to 2 decimals. */
export function rulerTaskScore(sampleScores: readonly number[]): number {
    if (sampleScores.length === 0) throw new Error("a RULER task score needs at least one sample");
    return pythonRound(sampleScores.reduce((sum, score) => sum + score, 0) / sampleScores.length, 2);
}
