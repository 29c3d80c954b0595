import {describe, expect, it} from "vitest";
import {bootstrapMeanCi, meanOrNull, quantileSorted} from "../../harness/util/stats.js";

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
});
