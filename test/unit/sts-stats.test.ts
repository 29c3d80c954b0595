// STS statistics: scipy-equivalent ranks and correlations, the weighted bootstrap, cosine.
import {describe, expect, it} from "vitest";
import {averageRanks, bootstrapCi, bootstrapWeights, cosine, pearson, percentile, ResampledSpearman, spearman} from "../../harness/util/correlation.js";
import {SeededRandom} from "../../harness/util/random.js";

describe("STS statistics", () => {
    it("gives tied values the mean of the ranks they span (scipy rankdata 'average')", () => {
        expect([...averageRanks([10, 20, 20, 30])]).toEqual([1, 2.5, 2.5, 4]);
        expect([...averageRanks([3, 1, 3, 3, 2])]).toEqual([4, 1, 4, 4, 2]);
    });

    it("computes Spearman with ties as the Pearson r of average ranks (hand-computed: 3/sqrt(10))", () => {
        // x ranks [1, 2.5, 2.5, 4], y ranks [1, 3, 2, 4]: deviations (-1.5, 0, 0, 1.5) and (-1.5, .5, -.5, 1.5),
        // sum of products 4.5, sums of squares 4.5 and 5 -> 4.5 / sqrt(22.5) = 3 / sqrt(10).
        expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 14);
        expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 14);
        expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 14);
        // Undefined when one side is constant (scipy gives nan).
        expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
    });

    it("computes Pearson's r (hand-computed: 15/sqrt(228))", () => {
        expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(15 / Math.sqrt(228), 14);
        expect(() => pearson([1, 2], [1])).toThrow(/unequal lengths/);
        expect(() => pearson([1, NaN], [1, 2])).toThrow(/not a finite number/);
    });

    it("ranks a weighted resample exactly as scipy ranks the expanded resample", () => {
        const random = new SeededRandom(7);
        const gold = Array.from({length: 60}, () => random.int(0, 10) / 2); // many ties
        const predA = Array.from({length: 60}, () => random.int(0, 1000) / 1000);
        const predB = Array.from({length: 60}, () => random.int(0, 5));
        const resampled = new ResampledSpearman(gold, predA, predB);
        let checked = 0;
        for (const weights of bootstrapWeights(gold.length, 25, 3)) {
            const index: number[] = [];
            weights.forEach((w, i) => {
                for (let k = 0; k < w; k++) index.push(i);
            });
            const [a, b] = resampled.all(weights);
            expect(a).toBeCloseTo(spearman(index.map((i) => gold[i]!), index.map((i) => predA[i]!))!, 12);
            expect(b).toBeCloseTo(spearman(index.map((i) => gold[i]!), index.map((i) => predB[i]!))!, 12);
            checked++;
        }
        expect(checked).toBe(25);
    });

    it("draws the same resamples from the same seed, and different ones from another", () => {
        const gold = Array.from({length: 200}, (_, i) => (i * 37) % 101);
        const pred = gold.map((g, i) => g + ((i * 13) % 17));
        const resampled = new ResampledSpearman(gold, pred);
        const ci = (seed: number) => bootstrapCi(gold.length, {samples: 200, seed, level: 0.95}, (w) => resampled.of(w));
        const first = ci(42)!;
        expect(ci(42)).toEqual(first);
        expect(ci(43)).not.toEqual(first);
        const rho = spearman(gold, pred)!;
        expect(first[0]).toBeLessThan(rho);
        expect(first[1]).toBeGreaterThan(rho);
    });

    it("interpolates percentiles linearly, as numpy does", () => {
        expect(percentile([4, 1, 3, 2], 25)).toBeCloseTo(1.75, 14);
        expect(percentile([4, 1, 3, 2], 97.5)).toBeCloseTo(3.925, 14);
        expect(percentile([5], 50)).toBe(5);
    });

    it("gives cosine 0 for a zero vector (as sklearn's paired cosine does) and rejects unequal sizes", () => {
        expect(cosine([1, 0], [0, 1])).toBe(0);
        expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 14);
        expect(cosine([0, 0], [1, 2])).toBe(0);
        expect(() => cosine([1], [1, 2])).toThrow(/different sizes/);
    });
});
