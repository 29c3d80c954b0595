import {describe, expect, it} from "vitest";
import {stringMatchAll} from "../../harness/tasks/shared/string-match.js";
import {FWE_NOISE_WORD, fweMinimumSize, fweVocabSize, generateFwe, zeta, zipfCounts} from "../../harness/tasks/shared/ruler/fwe.js";
import {fill, TEMPLATES} from "../../harness/tasks/shared/ruler/templates.js";

const HEAD = "Read the following coded text and track the frequency of each coded word. Find the three most frequently appeared coded words. ";
const TAIL = "\nQuestion: Do not provide any explanation. Please ignore the dots '....'. What are the three most frequently appeared words in the above coded text?";
function textOf(user: string): string[] {
    expect(user.startsWith(HEAD)).toBe(true);
    expect(user.endsWith(TAIL)).toBe(true);
    return user.slice(HEAD.length, -TAIL.length).split(" ");
}
const ranked = (words: string[]) => [...words.reduce((map, word) => map.set(word, (map.get(word) ?? 0) + 1), new Map<string, number>())]
    .sort((a, b) => b[1] - a[1]);

describe("RULER frequent words extraction", () => {
    it("uses zeta(alpha) and RULER's vocabulary size rule", () => {
        expect(zeta(2)).toBe(Math.PI ** 2 / 6);
        expect(zeta(3)).toBeCloseTo(1.2020569031595942, 12);
        expect(zeta(1.5)).toBeCloseTo(2.612375348685488, 10);
        expect([fweVocabSize(4096), fweVocabSize(131072), fweVocabSize(512)]).toEqual([80, 2620, 9]);
    });

    it("repeats rank k floor(N k^-2 / zeta(2)) times: a Zipf text whose top word is '...'", () => {
        const size = 2000;
        const s = generateFwe({seed: 1, size, vocabSize: 80});
        const words = textOf(s.prompt.user);
        const observed = ranked(words);
        expect(observed.map(([, n]) => n)).toEqual(s.counts);
        expect(s.counts).toEqual(zipfCounts(size, 80, 2).filter((n) => n > 0));
        expect(s.counts.slice(0, 5)).toEqual([1215, 303, 135, 75, 48]);
        expect(observed[0]![0]).toBe(FWE_NOISE_WORD);
        for (const [word] of observed.slice(1)) expect(word).toMatch(/^[a-z]{6}$/);
        // Zipf shape: count x k^2 stays near the top count.
        s.counts.slice(0, 10).forEach((n, i) => expect(Math.abs(n * (i + 1) ** 2 - s.counts[0]!)).toBeLessThanOrEqual((i + 1) ** 2));
        expect(words).toHaveLength(s.textWords);
    });

    it("expects ranks 2-4, most frequent first, with RULER's template and answer prefix", () => {
        const s = generateFwe({seed: 2, size: 600, vocabSize: 40});
        const words = textOf(s.prompt.user);
        expect(s.expected).toEqual(ranked(words).slice(1, 4).map(([word]) => word));
        expect(s.prompt.user).toBe(fill(TEMPLATES.fwe.template, {context: words.join(" ")}));
        expect(s.prompt.answerPrefix).toBe(" Answer: According to the coded text above, the three most frequently appeared words are:");
        expect(stringMatchAll(s.answer, s.expected)).toBe(100);
    });

    it("shares the slot order of every text of a size under RULER's run-level layout seed", () => {
        const ranks = (seed: number) => {
            const s = generateFwe({seed, size: 300, vocabSize: 20, layoutSeed: 42});
            const order = ranked(textOf(s.prompt.user)).map(([word]) => word);
            return textOf(s.prompt.user).map((word) => order.indexOf(word));
        };
        expect(ranks(1)).toEqual(ranks(2));
        expect(generateFwe({seed: 1, size: 300, vocabSize: 20, layoutSeed: 42}).expected).not.toEqual(generateFwe({seed: 2, size: 300, vocabSize: 20, layoutSeed: 42}).expected);
    });

    it("builds the lift baseline by swapping the answer words with the three rarest, slots unchanged", () => {
        const s = generateFwe({seed: 3, size: 500, vocabSize: 40});
        const original = textOf(s.prompt.user);
        const swapped = textOf(s.withoutPrompt!.user);
        expect(swapped).toHaveLength(original.length);
        const swappedRanks = ranked(swapped).map(([word]) => word);
        expect(swappedRanks.slice(1, 4).some((word) => s.expected.includes(word))).toBe(false);
        const swappedCount = new Map(ranked(swapped));
        expect(s.expected.map((word) => swappedCount.get(word))).toEqual(s.counts.slice(-3));
        expect(s.withoutPrompt!.answerPrefix).toBe(s.prompt.answerPrefix);
        // Fewer than seven ranks in the text: no baseline.
        expect(generateFwe({seed: 3, size: 40, vocabSize: 40}).withoutPrompt).toBeUndefined();
    });

    it("is deterministic, keeps its answer across sizes, and refuses texts too short to hold the answer", () => {
        expect(generateFwe({seed: 5, size: 300, vocabSize: 30})).toEqual(generateFwe({seed: 5, size: 300, vocabSize: 30}));
        expect(generateFwe({seed: 5, size: 300, vocabSize: 30}).expected).toEqual(generateFwe({seed: 5, size: 900, vocabSize: 30}).expected);
        expect(fweMinimumSize()).toBe(27);
        expect(() => generateFwe({seed: 5, size: 26, vocabSize: 30})).toThrow(/at least 27 nominal words/);
        expect(() => generateFwe({seed: 5, size: 100, vocabSize: 3})).toThrow(/at least 4 coded words/);
    });
});
