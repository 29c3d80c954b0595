import {describe, expect, it} from "vitest";
import {describeVerdict, marginFor, MIN_UNITS, verdictOf} from "../../harness/util/verdict.js";

describe("verdictOf: equivalent, better, worse, inconclusive, in that order", () => {
    it("equivalent when the paired interval lies inside [-margin, +margin], even when it excludes zero", () => {
        expect(verdictOf({delta: -0.2, ci: [-0.5, 0.1]}, 1, true)).toEqual({verdict: "equivalent"});
        expect(verdictOf({delta: -0.3, ci: [-0.5, -0.1]}, 1, true)).toEqual({verdict: "equivalent"});
        expect(verdictOf({delta: 0, ci: [-1, 1]}, 1, true)).toEqual({verdict: "equivalent"});
    });
    it("better when it lies entirely beyond +margin on the good side (lower-is-better scores flip the side)", () => {
        expect(verdictOf({delta: 3, ci: [2, 4]}, 1, true).verdict).toBe("better");
        expect(verdictOf({delta: -3, ci: [-4, -2]}, 1, false).verdict).toBe("better");
        // Beyond the margin on the bad side is not better.
        expect(verdictOf({delta: 3, ci: [2, 4]}, 1, false).verdict).toBe("worse");
    });
    it("worse when it excludes zero on the bad side", () => {
        // The demo's stories260K Q2_K: lift -1.02 vs 1.44 at the reference; paired change about -2.5 nats.
        expect(verdictOf({delta: -2.46, ci: [-3.4, -1.5]}, 0.5, true).verdict).toBe("worse");
        expect(verdictOf({delta: 0.2, ci: [0.05, 0.35]}, 0.01, false).verdict).toBe("worse"); // KLD up
    });
    it("inconclusive otherwise, with the further units that would decide it", () => {
        // Change 0 with half-width 2 over 10 units, margin 1: the half-width must shrink to 1: 40 units, 30 more.
        expect(verdictOf({delta: 0, ci: [-2, 2], units: 10}, 1, true)).toEqual({verdict: "inconclusive", moreUnitsNeeded: 30});
        // Change -3 with half-width 4 over 16 units: to exclude zero the half-width must reach 3: 16 x (4/3)^2 = 28.4 -> 29, 13 more.
        expect(verdictOf({delta: -3, ci: [-7, 1], units: 16}, 1, true)).toEqual({verdict: "inconclusive", moreUnitsNeeded: 13});
        // Change +3 beyond a margin of 1 with half-width 4: to clear the margin the half-width must reach 2: 4 x 16 = 64, 48 more.
        expect(verdictOf({delta: 3, ci: [-1, 7], units: 16}, 1, true)).toEqual({verdict: "inconclusive", moreUnitsNeeded: 48});
        // On a boundary, or without an interval or units, no estimate.
        expect(verdictOf({delta: 1, ci: [-1, 3], units: 8}, 1, true)).toEqual({verdict: "inconclusive"});
        expect(verdictOf({delta: null, ci: null}, 1, true)).toEqual({verdict: "inconclusive"});
        expect(verdictOf({delta: 0.5, ci: [-2, 3]}, 1, true)).toEqual({verdict: "inconclusive"});
    });
    it("margins per main score, words, and bad margins", () => {
        expect(marginFor({lift: 0.5, stringMatch: 5}, "stringMatch")).toBe(5);
        expect(marginFor(1, "spearman")).toBe(1);
        expect(marginFor({lift: 0.5}, "judge")).toBeUndefined();
        expect(describeVerdict({verdict: "inconclusive", moreUnitsNeeded: 12}, "clusters")).toBe("inconclusive (about 12 more clusters would decide it)");
        expect(describeVerdict({verdict: "worse"})).toBe("worse");
        expect(describeVerdict({verdict: "inconclusive", moreUnitsNeeded: 1}, "sentence pairs")).toBe("inconclusive (about 1 more sentence pair would decide it)");
        expect(describeVerdict({verdict: "inconclusive", moreUnitsNeeded: 3_808_098}, "clusters", 4)).toBe("inconclusive (over 100 times as many clusters would be needed to decide it)");
        expect(() => verdictOf({delta: 0, ci: [0, 0]}, -1, true)).toThrow(/margin/);
    });
});

describe("verdictOf (the site's cases)", () => {
    it("checks equivalent, better, worse, then inconclusive, on the score's good side", () => {
        expect(verdictOf({delta: 0.2, ci: [-0.5, 0.8]}, 1, true).verdict).toBe("equivalent");
        expect(verdictOf({delta: 3, ci: [1.5, 4]}, 1, true).verdict).toBe("better");
        expect(verdictOf({delta: -3, ci: [-4, -0.2]}, 1, true).verdict).toBe("worse");
        expect(verdictOf({delta: -1, ci: [-2.5, 0.4]}, 1, true).verdict).toBe("inconclusive");
        // Lower is better (a divergence): a positive change is the bad side.
        expect(verdictOf({delta: 0.3, ci: [0.1, 0.5]}, 0.05, false).verdict).toBe("worse");
        expect(verdictOf({delta: -0.3, ci: [-0.5, -0.1]}, 0.05, false).verdict).toBe("better");
        // Beyond the margin on the good side but not entirely: equivalence fails first, then not better.
        expect(verdictOf({delta: 1, ci: [0.2, 1.8]}, 1, true).verdict).toBe("inconclusive");
        expect(verdictOf({delta: null, ci: null}, 1, true).verdict).toBe("inconclusive");
    });

    it("estimates how many more units an inconclusive change needs", () => {
        const result = verdictOf({delta: 0, ci: [-2, 2], units: 100}, 1, true);
        expect(result.verdict).toBe("inconclusive");
        expect(result.moreUnitsNeeded).toBe(300); // half-width 2 -> 1 needs 4x the units
    });
});

describe("verdictOf: too few independent units", () => {
    it(`gives no verdict on fewer than ${MIN_UNITS} units, however clear the interval, and says how many more are needed`, () => {
        expect(verdictOf({delta: 0.3, ci: [0.25, 0.35], units: 2}, 0.1, true)).toEqual({verdict: "inconclusive", moreUnitsNeeded: MIN_UNITS - 2});
        expect(verdictOf({delta: 0.3, ci: [0.25, 0.35], units: 4}, 0.1, false).verdict).toBe("inconclusive");
        expect(verdictOf({delta: 0.3, ci: [0.25, 0.35], units: MIN_UNITS}, 0.1, true).verdict).toBe("better");
        expect(describeVerdict(verdictOf({delta: 0.3, ci: [0.25, 0.35], units: 2}, 0.1, true), "clusters", 2)).toBe("inconclusive (about 3 more clusters would decide it)");
    });
});
