/**
 * Sizing a prompt to a length in the model's own tokens: the largest haystack size (lines, words,
 * sentences) whose rendered prompt, tokenized exactly, stays within a token budget.
 */

export interface Measured<T> {
    tokens: number;
    /** What the measurement built (the prompt, a sample), returned with the size that fits. */
    value: T;
}

export interface FitOptions<T> {
    /** The smallest size the generator accepts. */
    min: number;
    /** Tokens the prompt may take. */
    budget: number;
    /** Renders the prompt at a size and counts its tokens. */
    measure(size: number): Promise<Measured<T>>;
    /** The second size tried (default: min + 1); later ones follow from the measurements. */
    probe?: number;
    /** Measurements at most (default 40); the best size found so far is returned when they run out. */
    maxMeasurements?: number;
}

export type FitResult<T> =
    | {size: number; tokens: number; value: T; measurements: number}
    /** Even the smallest size is over the budget. */
    | {size: null; tokens: number; measurements: number};

/**
 * The largest size whose prompt fits the budget. Tokens grow about linearly with the size, so
 * each step is a secant from the last two measurements (for a linear count it lands on the answer);
 * once a size over the budget is known, every third step bisects the bracket, so uneven growth
 * (tokens merging differently inside a text than alone) still converges. It ends when the best
 * fitting size and the smallest failing one are neighbours. Deterministic: the same measurements
 * give the same size whatever was sized before, so resumed and sharded runs build the same prompts.
 */
export async function largestFittingSize<T>(options: FitOptions<T>): Promise<FitResult<T>> {
    const {min, budget, measure} = options;
    const maxMeasurements = options.maxMeasurements ?? 40;
    if (!Number.isInteger(min) || min < 0) throw new Error(`the smallest size must be a whole number >= 0, got ${min}`);
    const first = await measure(min);
    let measurements = 1;
    if (first.tokens > budget) return {size: null, tokens: first.tokens, measurements};
    let best = {size: min, ...first};
    let over = Number.POSITIVE_INFINITY;
    let previous = {size: min, tokens: first.tokens};
    let next = Math.max(min + 1, Math.round(options.probe ?? min + 1));
    while (over - best.size > 1 && measurements < maxMeasurements) {
        const size = Math.min(Math.max(next, best.size + 1), over - 1);
        const measured = await measure(size);
        measurements++;
        if (measured.tokens <= budget) best = {size, ...measured};
        else over = size;
        // Secant through this measurement and the previous one (tokens per unit, at least a small positive slope).
        const slope = Math.max(1e-3, (measured.tokens - previous.tokens) / (size - previous.size || 1));
        next = size + Math.floor((budget - measured.tokens) / slope);
        if (measured.tokens <= budget && next <= size) next = size + 1;
        if (Number.isFinite(over) && measurements % 3 === 0) next = Math.floor((best.size + over) / 2);
        previous = {size, tokens: measured.tokens};
    }
    return {size: best.size, tokens: best.tokens, value: best.value, measurements};
}
