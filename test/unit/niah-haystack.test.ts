import {describe, expect, it} from "vitest";
import {assembleContext, boundaryForDepth, splitSentences, takeSentences} from "../../harness/tasks/niah/haystack.js";
import {buildNeedleSet} from "../../harness/tasks/niah/needles.js";
import {normalizePrediction, stringMatchAll} from "../../harness/tasks/shared/string-match.js";

describe("haystack sentences", () => {
    it("splits on sentence ends, keeping closing quotes with their sentence", () => {
        expect(splitSentences("It was late.  \"Come in,\" he said.\nShe did! Then? Yes.\u201d Next one."))
            .toEqual(["It was late.", "\"Come in,\" he said.", "She did!", "Then?", "Yes.\u201d", "Next one."]);
    });

    it("wraps round a short text so it repeats, as the original test does", () => {
        expect(takeSentences(["a.", "b.", "c."], 2, 5)).toEqual(["c.", "a.", "b.", "c.", "a."]);
    });
});

describe("needle placement", () => {
    const haystack = {sentences: ["S0.", "S1.", "S2.", "S3."], tokens: [10, 10, 10, 10]};
    const needle = [{text: "NEEDLE.", queried: true}];

    it("puts the needle at the last sentence boundary at or before the depth's token position", () => {
        expect(boundaryForDepth(haystack.tokens, 0)).toBe(0);
        expect(boundaryForDepth(haystack.tokens, 24)).toBe(0); // 9.6 of 40 tokens: S0 (10 tokens) would overshoot
        expect(boundaryForDepth(haystack.tokens, 25)).toBe(1);
        expect(boundaryForDepth(haystack.tokens, 50)).toBe(2);
        expect(boundaryForDepth(haystack.tokens, 99)).toBe(3);
        expect(boundaryForDepth(haystack.tokens, 100)).toBe(4);
    });

    it("inserts between sentences, never inside one", () => {
        expect(assembleContext(haystack, needle, 0)).toBe("NEEDLE. S0. S1. S2. S3.");
        expect(assembleContext(haystack, needle, 50)).toBe("S0. S1. NEEDLE. S2. S3.");
        expect(assembleContext(haystack, needle, 100)).toBe("S0. S1. S2. S3. NEEDLE.");
        expect(assembleContext(haystack, needle, 50, {omitQueried: true})).toBe("S0. S1. S2. S3.");
    });

    it("keeps distractors at their own places whatever the depth, and in the needle-free baseline", () => {
        const needles = [{text: "Q.", queried: true}, {text: "D.", queried: false, fraction: 0.75}];
        expect(assembleContext(haystack, needles, 0)).toBe("Q. S0. S1. S2. D. S3.");
        expect(assembleContext(haystack, needles, 100, {omitQueried: true})).toBe("S0. S1. S2. D. S3.");
    });
});

describe("needles", () => {
    it("classic needle expects 'sandwich' and 'Dolores Park'", () => {
        const set = buildNeedleSet({type: "classic"}, 1);
        expect(set.expected).toEqual(["sandwich", "Dolores Park"]);
        expect(set.needles[0]!.text).toContain("San Francisco");
        expect(set.prompt("CTX").user).toContain("What is the best thing to do in San Francisco?");
    });

    it("RULER kv needles are seeded, singular for one value, with distractor keys", () => {
        const config = {type: "kv" as const, keys: "words" as const, values: "numbers" as const, distractors: 3, valuesPerKey: 1};
        const a = buildNeedleSet(config, 7);
        expect(buildNeedleSet(config, 7)).toMatchObject({expected: a.expected, answer: a.answer});
        expect(buildNeedleSet(config, 8).expected).not.toEqual(a.expected);
        expect(a.needles).toHaveLength(4);
        expect(a.needles.filter((n) => n.queried)).toHaveLength(1);
        expect(a.expected[0]).toMatch(/^\d{7}$/);
        expect(a.needles[0]!.text).toMatch(/^One of the special magic number for [a-z]+-[a-z]+ is: \d{7}\.$/);
        expect(a.prompt("CTX").user).toMatch(/^A special magic number is hidden within the following text\./);
        expect(a.prompt("CTX").answerPrefix).toMatch(/ mentioned in the provided text is$/);
    });

    it("custom needles come from the suite: needle, question, expected strings, teacher-forced answer", () => {
        const set = buildNeedleSet({type: "custom", needle: "The vault code is 4711.", question: "What is the vault code?", answers: ["4711"]}, 1);
        expect(set.needles).toEqual([{text: "The vault code is 4711.", queried: true}]);
        expect(set.expected).toEqual(["4711"]);
        expect(set.answer).toBe(" 4711");
        expect(set.prompt("CTX")).toEqual({user: "CTX\n\nWhat is the vault code?", answerPrefix: "Answer:"});
    });

    it("multivalue kv needles expect every value, plural template", () => {
        const set = buildNeedleSet({type: "kv", keys: "uuids", values: "uuids", distractors: 0, valuesPerKey: 3}, 3);
        expect(set.expected).toHaveLength(3);
        expect(set.expected[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(set.prompt("CTX").user).toMatch(/^Some special magic uuids are hidden/);
    });
});

describe("string match (RULER string_match_all)", () => {
    it("scores the share of expected strings found, case-insensitively, x100", () => {
        expect(stringMatchAll("Eat a SANDWICH in dolores park", ["sandwich", "Dolores Park"])).toBe(100);
        expect(stringMatchAll("a sandwich", ["sandwich", "Dolores Park"])).toBe(50);
        expect(stringMatchAll("nothing", ["1234567"])).toBe(0);
        expect(stringMatchAll("The numbers: 1, 3", ["1", "2", "3"])).toBeCloseTo(66.667, 3);
    });
    it("post-processes like RULER: control characters become newlines, ends stripped", () => {
        expect(normalizePrediction("  a\tb\u0000c  ")).toBe("a\nb\nc");
    });
});
