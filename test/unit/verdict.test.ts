// The one verdict rule for a paired change (recommend and the site): equivalent, better, worse, inconclusive, in that order.
import {describe, expect, it} from "vitest";
import {verdictOf} from "../../harness/util/verdict.ts";

describe("verdictOf", () => {
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
