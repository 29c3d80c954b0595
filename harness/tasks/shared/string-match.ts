/** RULER's prediction post-processing: strip, control characters to newlines, strip. */
export function normalizePrediction(text: string): string {
    return text.trim().replace(/[\x00-\x1f]/g, "\n").trim();
}

/** RULER string_match_all for one sample: share of expected strings found (case-insensitive), x100. */
export function stringMatchAll(prediction: string, expected: string[]): number {
    if (expected.length === 0) throw new Error("string match needs at least one expected string");
    const haystack = normalizePrediction(prediction).toLowerCase();
    const found = expected.filter((reference) => haystack.includes(reference.toLowerCase())).length;
    return (100 * found) / expected.length;
}
