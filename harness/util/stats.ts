import jstat from "jstat";
import {SeededRandom} from "./random.js";

const {jStat} = jstat;

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
 * The quantiles of the bootstrap distribution an interval at `level` takes from `n` independent
 * units: Hesterberg's expanded percentile interval ("What Teachers Should Know About the
 * Bootstrap", 2015). A plain percentile interval of a mean is too narrow for few units (it
 * behaves like mean ± z·s/√n with the biased s); this one widens it to act like Student's t with
 * n − 1 degrees of freedom: the tail probability is Φ(−√(n/(n−1)) · t(1 − α/2, n − 1)). For
 * hundreds of units it is the plain percentile interval.
 */
export function expandedPercentileLevels(n: number, level: number): [number, number] {
    if (n < 2) throw new Error(`an interval needs 2 or more units, got ${n}`);
    const tail = jStat.normal.cdf(-Math.sqrt(n / (n - 1)) * jStat.studentt.inv(1 - (1 - level) / 2, n - 1), 0, 1);
    return [tail, 1 - tail];
}

function expandedInterval(sorted: number[], n: number, level: number): [number, number] {
    const [low, high] = expandedPercentileLevels(n, level);
    return [quantileSorted(sorted, low), quantileSorted(sorted, high)];
}

/**
 * Bootstrap confidence interval of the mean: resample with replacement `resamples` times from a
 * seeded generator (so the interval is reproducible), take the central `level` as the expanded
 * percentile interval (expandedPercentileLevels). Null for fewer than two values.
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
    return expandedInterval(means, values.length, level);
}

/**
 * Bootstrap interval (expanded percentile) of a mean over items that come in clusters (the depths of one NIAH
 * (length, trial) group share its haystack, needles and baseline, so they are not independent):
 * each resample draws whole clusters with replacement and takes the mean over every item they
 * hold. The interval rests on the number of clusters, not of items. Null for fewer than two clusters.
 */
export function clusterBootstrapMeanCi(clusters: number[][], options: {resamples?: number; seed?: number; level?: number} = {}): [number, number] | null {
    const kept = clusters.filter((c) => c.length > 0);
    return clusterBootstrapRatioCi(kept.map((c) => c.reduce((a, b) => a + b, 0)), kept.map((c) => c.length), options);
}

/**
 * The same bootstrap from each cluster's sum and item count (the mean over items is the sum of
 * the drawn sums over the sum of their counts): fidelity's chunks, whose mean KLD weighs each
 * chunk by its scored tokens. Null for fewer than two clusters.
 */
export function clusterBootstrapRatioCi(sums: number[], counts: number[], options: {resamples?: number; seed?: number; level?: number} = {}): [number, number] | null {
    if (sums.length !== counts.length) throw new Error(`clusterBootstrapRatioCi: ${sums.length} sums but ${counts.length} counts`);
    if (sums.length < 2) return null;
    const {resamples = 1000, seed = 1, level = 0.95} = options;
    const random = new SeededRandom(seed);
    const means: number[] = [];
    for (let r = 0; r < resamples; r++) {
        let sum = 0;
        let count = 0;
        for (let i = 0; i < sums.length; i++) {
            const pick = random.int(0, sums.length - 1);
            sum += sums[pick]!;
            count += counts[pick]!;
        }
        means.push(sum / count);
    }
    means.sort((a, b) => a - b);
    return expandedInterval(means, sums.length, level);
}

/** Above this many clusters with a non-zero difference, the sign-flip test samples instead of enumerating. */
const EXACT_SIGN_FLIP_LIMIT = 16;

/**
 * Paired sign-flip (randomization) test at the cluster level: each cluster contributes the sum of
 * its paired differences (e.g. right-at-the-quant minus right-at-the-reference over its trials);
 * under "no change" the two files' labels are exchangeable within a cluster, so each cluster's
 * sign is equally likely flipped. Two-sided p-value of |sum| at least the observed. Exact for up
 * to 16 non-zero clusters, else 20,000 seeded random flips ((hits + 1) / (draws + 1)). With one
 * trial per cluster and 0/1 outcomes it equals McNemar's exact test.
 */
export function signFlipTestP(clusterDifferences: number[], options: {resamples?: number; seed?: number} = {}): number {
    const values = clusterDifferences.filter((d) => d !== 0);
    if (values.length === 0) return 1;
    const observed = Math.abs(values.reduce((a, b) => a + b, 0));
    // Integer differences compare exactly; a relative tolerance keeps float sums from missing ties.
    const atLeast = (sum: number) => Math.abs(sum) >= observed - 1e-9 * Math.max(1, observed);
    if (values.length <= EXACT_SIGN_FLIP_LIMIT) {
        let hits = 0;
        const total = 2 ** values.length;
        for (let mask = 0; mask < total; mask++) {
            let sum = 0;
            for (let i = 0; i < values.length; i++) sum += mask & (1 << i) ? -values[i]! : values[i]!;
            if (atLeast(sum)) hits++;
        }
        return hits / total;
    }
    const {resamples = 20_000, seed = 1} = options;
    const random = new SeededRandom(seed);
    let hits = 0;
    for (let r = 0; r < resamples; r++) {
        let sum = 0;
        for (const v of values) sum += random.int(0, 1) ? -v : v;
        if (atLeast(sum)) hits++;
    }
    return (hits + 1) / (resamples + 1);
}
