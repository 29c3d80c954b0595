import {describe, expect, it} from "vitest";
import {stringMatchAll} from "../../harness/tasks/shared/string-match.js";
import {pythonRound, rulerTaskScore} from "../../harness/tasks/shared/ruler/scoring.js";

describe("RULER scoring", () => {
    it("rounds like Python's round(x, 2): the exact binary value, ties to even", () => {
        expect([12.125, 12.375, 0.125, 0.145, 2.675, 99.995, 66.666666, -1.125].map((x) => pythonRound(x, 2)))
            .toEqual([12.12, 12.38, 0.12, 0.14, 2.67, 100, 66.67, -1.12]);
    });

    it("scores a task as RULER: mean of per-sample string_match_all x100, 2 decimals", () => {
        // RULER: sum(found/len(refs)) / samples * 100, rounded.
        const samples = [
            {prediction: " ABCDE FGHIJ klmno", expected: ["abcde", "fghij", "KLMNO", "PQRST"]},
            {prediction: "\u0000nothing\n", expected: ["abcde"]},
            {prediction: "1. farmer 2. age", expected: ["age", "farmer", "reward"]}
        ];
        const perSample = samples.map(({prediction, expected}) => stringMatchAll(prediction, expected));
        expect(perSample).toEqual([75, 0, (100 * 2) / 3]);
        expect(rulerTaskScore(perSample)).toBe(47.22);
        expect(() => rulerTaskScore([])).toThrow(/at least one sample/);
    });
});
