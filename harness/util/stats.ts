import {SeededRandom} from "./random.js";

/** Mean of the finite values, or null when there are none. */
export function meanOrNull(values: (number | null | undefined)[]): number | null {
    const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return finite.length === 0 ? null : finite.reduce((sum, v) => sum + v, 0) / finite.length;
}

/** Linear-interpolated quantile (numpy's default, and llama.cpp's KLD percentiles) of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
    if (sorted.length === 0) throw new Error("quantile of no values");
    const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
    const lower = Math.floor(position);
    const fraction = position - lower;
    return sorted[lower]! + (lower + 1 < sorted.length ? fraction * (sorted[lower + 1]! - sorted[lower]!) : 0);
}

/**
 * Percentile bootstrap confidence interval of the mean: resample with replacement `resamples`
 * times from a seeded generator (so the interval is reproducible), take the central `level`.
 * Null for fewer than two values.
 */
export function bootstrapMeanCi(values: number[], options: {resamples?: number; seed?: number; level?: number} = {}): [number, number] | null {
    if (values.length < 2) return null;
    const {resamples = 1000, seed = 1, level = 0.95} = options;
    const random = new SeededRandom(seed);
    const means: number[] = [];
    for (let r = 0; r < resamples; r++) {
        let sum = 0;
        for (let i = 0; i < values.length; i++) sum += values[random.int(0, values.length - 1)]!;
        means.push(sum / values.length);
    }
    means.sort((a, b) => a - b);
    return [quantileSorted(means, (1 - level) / 2), quantileSorted(means, 1 - (1 - level) / 2)];
}
