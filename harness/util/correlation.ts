import {SeededRandom} from "./random.js";
import {quantileSorted} from "./stats.js";

/**
 * Correlations as scipy computes them: Pearson's r, and Spearman's rho as the Pearson r of
 * average ranks (ties share the mean of the ranks they span, scipy.stats.rankdata "average").
 * The bootstrap resamples pairs with replacement; a resample is kept as per-pair multiplicities
 * (weights), so its ranks come from one pre-sorted order in O(n) instead of a sort per resample,
 * and equal exactly what scipy gives on the resampled arrays (duplicates are ties).
 */

/** 1-based average ranks (scipy.stats.rankdata, method "average"). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
    const n = values.length;
    const order = sortedOrder(values);
    const ranks = new Float64Array(n);
    for (let start = 0; start < n;) {
        let end = start + 1;
        while (end < n && values[order[end]!] === values[order[start]!]) end++;
        const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
        for (let k = start; k < end; k++) ranks[order[k]!] = rank;
        start = end;
    }
    return ranks;
}

function sortedOrder(values: ArrayLike<number>): Uint32Array {
    const order = new Uint32Array(values.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => values[a]! - values[b]! || a - b);
}

function checkPaired(x: ArrayLike<number>, y: ArrayLike<number>) {
    if (x.length !== y.length) throw new Error(`correlation of unequal lengths (${x.length} vs ${y.length})`);
    for (let i = 0; i < x.length; i++)
        if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new Error(`correlation input ${i} is not a finite number`);
}

/** Weighted Pearson r (weights are multiplicities); null when either side is constant or there are < 2 items. */
function weightedPearson(x: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): number | null {
    let total = 0, sx = 0, sy = 0;
    for (let i = 0; i < x.length; i++) {
        const w = weights ? weights[i]! : 1;
        total += w;
        sx += w * x[i]!;
        sy += w * y[i]!;
    }
    if (total < 2) return null;
    const mx = sx / total, my = sy / total;
    let sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < x.length; i++) {
        const w = weights ? weights[i]! : 1;
        const dx = x[i]! - mx, dy = y[i]! - my;
        sxx += w * dx * dx;
        syy += w * dy * dy;
        sxy += w * dx * dy;
    }
    if (sxx === 0 || syy === 0) return null;
    return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Pearson's r; null when undefined (fewer than 2 pairs or a constant side). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
    checkPaired(x, y);
    return weightedPearson(x, y);
}

/** Spearman's rho with average ranks for ties (= scipy.stats.spearmanr); null when undefined. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
    checkPaired(x, y);
    return weightedPearson(averageRanks(x), averageRanks(y));
}

/** Pre-sorted tie groups of one variable, for ranking resamples in O(n). */
class TieGroups {
    readonly order: Uint32Array;
    /** Start index (in `order`) of each group of equal values, plus n at the end. */
    readonly starts: number[];

    constructor(values: ArrayLike<number>) {
        this.order = sortedOrder(values);
        this.starts = [];
        for (let k = 0; k < this.order.length; k++)
            if (k === 0 || values[this.order[k]!] !== values[this.order[k - 1]!]) this.starts.push(k);
        this.starts.push(this.order.length);
    }

    /** Average ranks of every item in the resample with these multiplicities (items of weight 0 get any value). */
    ranks(weights: ArrayLike<number>, out: Float64Array): Float64Array {
        let before = 0;
        for (let g = 0; g + 1 < this.starts.length; g++) {
            let groupWeight = 0;
            for (let k = this.starts[g]!; k < this.starts[g + 1]!; k++) groupWeight += weights[this.order[k]!]!;
            if (groupWeight === 0) continue;
            const rank = before + (groupWeight + 1) / 2;
            for (let k = this.starts[g]!; k < this.starts[g + 1]!; k++) out[this.order[k]!] = rank;
            before += groupWeight;
        }
        return out;
    }
}

/**
 * Spearman's rho of many resamples of the same pairs, each given as per-pair multiplicities:
 * one gold variable against one or more predictions (ranked once per resample, shared).
 */
export class ResampledSpearman {
    private readonly goldGroups: TieGroups;
    private readonly predictionGroups: TieGroups[];
    private readonly goldRanks: Float64Array;
    private readonly predictionRanks: Float64Array;

    constructor(gold: ArrayLike<number>, ...predictions: ArrayLike<number>[]) {
        if (predictions.length === 0) throw new Error("ResampledSpearman needs at least one prediction");
        for (const prediction of predictions) checkPaired(gold, prediction);
        this.goldGroups = new TieGroups(gold);
        this.predictionGroups = predictions.map((prediction) => new TieGroups(prediction));
        this.goldRanks = new Float64Array(gold.length);
        this.predictionRanks = new Float64Array(gold.length);
    }

    /** Rho of the first prediction. */
    of(weights: ArrayLike<number>): number | null {
        return this.all(weights)[0]!;
    }

    /** Rho of every prediction, in order. */
    all(weights: ArrayLike<number>): (number | null)[] {
        const gold = this.goldGroups.ranks(weights, this.goldRanks);
        return this.predictionGroups.map((groups) => weightedPearson(gold, groups.ranks(weights, this.predictionRanks), weights));
    }
}

/** Multiplicities of `samples` resamples of n items with replacement, drawn from a seeded pure-rand stream. */
export function* bootstrapWeights(n: number, samples: number, seed: number): Generator<Uint32Array> {
    const random = new SeededRandom(seed);
    const weights = new Uint32Array(n);
    for (let s = 0; s < samples; s++) {
        weights.fill(0);
        for (let i = 0; i < n; i++) weights[random.int(0, n - 1)]!++;
        yield weights;
    }
}

/** numpy.percentile with linear interpolation, q in [0, 100], of finite values (sorted here). */
export function percentile(values: number[], q: number): number {
    return quantileSorted([...values].sort((a, b) => a - b), q / 100);
}

export interface BootstrapSettings {
    samples: number;
    seed: number;
    /** Confidence level, e.g. 0.95. */
    level: number;
}

/** Percentile-bootstrap confidence interval of a statistic of resampled pairs; null when no resample gives a value. */
export function bootstrapCi(n: number, settings: BootstrapSettings, statistic: (weights: Uint32Array) => number | null): [number, number] | null {
    const values: number[] = [];
    for (const weights of bootstrapWeights(n, settings.samples, settings.seed)) {
        const value = statistic(weights);
        if (value != null && Number.isFinite(value)) values.push(value);
    }
    if (values.length === 0) return null;
    const tail = ((1 - settings.level) / 2) * 100;
    return [percentile(values, tail), percentile(values, 100 - tail)];
}

/** Cosine similarity; 0 when either vector is all zeros (as sklearn's paired cosine distance gives). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
    if (a.length !== b.length) throw new Error(`cosine of vectors of different sizes (${a.length} vs ${b.length})`);
    let dot = 0, aa = 0, bb = 0;
    for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        aa += a[i]! * a[i]!;
        bb += b[i]! * b[i]!;
    }
    if (aa === 0 || bb === 0) return 0;
    return dot / Math.sqrt(aa * bb);
}
