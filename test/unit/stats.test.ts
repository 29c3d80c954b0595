import {describe, expect, it} from "vitest";
import {bootstrapMeanCi, expandedPercentileLevels, meanOrNull, quantileSorted} from "../../harness/util/stats.js";

describe("statistics", () => {
    it("means skip non-finite values", () => {
        expect(meanOrNull([1, 2, null, Number.NaN, 3])).toBe(2);
        expect(meanOrNull([])).toBeNull();
    });
    it("quantiles interpolate linearly like numpy", () => {
        expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
        expect(quantileSorted([0, 10], 0.975)).toBe(9.75);
    });
    it("bootstrap intervals are reproducible, contain the mean, narrow with more data, and collapse for constant data", () => {
        const values = Array.from({length: 40}, (_, i) => (i % 7) - 2);
        const ci = bootstrapMeanCi(values)!;
        expect(bootstrapMeanCi(values)).toEqual(ci);
        const mean = meanOrNull(values)!;
        expect(ci[0]).toBeLessThan(mean);
        expect(ci[1]).toBeGreaterThan(mean);
        const wide = bootstrapMeanCi(values.slice(0, 10))!;
        expect(wide[1] - wide[0]).toBeGreaterThan(ci[1] - ci[0]);
        expect(bootstrapMeanCi([3, 3, 3])).toEqual([3, 3]);
        expect(bootstrapMeanCi([1])).toBeNull();
    });
    it("widens small-sample intervals as Student's t does (Hesterberg's expanded percentile), and leaves large ones alone", () => {
        // Tail probability Φ(−√(n/(n−1))·t(0.975, n−1)): 1e-4 at 4 units, 0.0024 at 6, ≈ 0.023 at 100 (0.025 plain).
        expect(expandedPercentileLevels(4, 0.95)[0]).toBeCloseTo(1.19e-4, 6);
        expect(expandedPercentileLevels(6, 0.95)[0]).toBeCloseTo(0.00243, 5);
        expect(expandedPercentileLevels(100, 0.95)[0]).toBeCloseTo(0.0231, 3);
        // Six values: the interval is wider than the plain percentile bootstrap's, and still inside the data's range.
        const values = [0.1, 0.3, -0.2, 0.4, 0.25, 0.05];
        const [low, high] = bootstrapMeanCi(values)!;
        const plain = normalInterval(values);
        expect(low).toBeLessThan(plain[0]);
        expect(high).toBeGreaterThan(plain[1]);
        expect(low).toBeGreaterThanOrEqual(Math.min(...values));
    });
});

/** What a plain percentile bootstrap of the mean approximates: mean ± 1.96·s/√n with the biased s. */
function normalInterval(values: number[]): [number, number] {
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    return [mean - (1.96 * sd) / Math.sqrt(n), mean + (1.96 * sd) / Math.sqrt(n)];
}
