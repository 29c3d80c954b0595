import {readFileSync, statSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {describe, expect, it} from "vitest";
import {sampleIndices, sampleItems, shuffle} from "../../harness/tasks/shared/ruler/draws.js";
import {rulerWords} from "../../harness/tasks/shared/ruler/words.js";
import {SeededRandom} from "../../harness/util/random.js";

const FILE = fileURLToPath(new URL("../../benchmarks/data/ruler-words.json", import.meta.url));

describe("RULER word list (benchmarks/data/ruler-words.json)", () => {
    it("holds a few thousand common nouns, adjectives and verbs, lowercase ASCII only, each word in one list", () => {
        const {nouns, adjectives, verbs, common, extended} = rulerWords();
        expect(nouns.length).toBeGreaterThan(2000);
        expect(adjectives.length).toBeGreaterThan(1000);
        expect(verbs.length).toBeGreaterThan(1000);
        expect(common).toHaveLength(nouns.length + adjectives.length + verbs.length);
        expect(extended.length).toBeGreaterThan(3 * common.length);
        for (const word of extended) expect(word).toMatch(/^[a-z]{3,}$/);
        const inExtended = new Set(extended);
        expect(common.every((word) => inExtended.has(word))).toBe(true);
        // Plain, common words; no inflected forms.
        for (const word of ["house", "water", "child"]) expect(nouns).toContain(word);
        for (const word of ["happy", "green"]) expect(adjectives).toContain(word);
        for (const word of ["accept", "walk"]) expect(verbs).toContain(word);
        for (const word of ["abilities", "accepts", "houses"]) expect(common).not.toContain(word);
    });

    it("records its source and stays small", () => {
        const source = JSON.parse(readFileSync(FILE, "utf8"))._source;
        expect(Object.keys(source.packages)).toEqual(["scowl", "wordnet-base"]);
        expect(source.description).toMatch(/build-ruler-words\.ts/);
        expect(statSync(FILE).size).toBeLessThan(210_000);
    });
});

describe("RULER random draws", () => {
    it("sample distinct items whose first draws do not depend on how many are asked for", () => {
        const items = Array.from({length: 50}, (_, i) => i);
        const five = sampleItems(new SeededRandom(3), items, 5);
        const twenty = sampleItems(new SeededRandom(3), items, 20);
        expect(twenty.slice(0, 5)).toEqual(five);
        expect(new Set(twenty).size).toBe(20);
        expect(() => sampleItems(new SeededRandom(3), items, 51)).toThrow(/51 distinct items from 50/);
        for (const [n, k] of [[1000, 5], [10, 9]] as const) {
            const picked = sampleIndices(new SeededRandom(4), n, k);
            expect(new Set(picked).size).toBe(k);
            expect(Math.max(...picked)).toBeLessThan(n);
        }
    });

    it("shuffle a permutation, the same one for the same seed and length (RULER's fresh-generator shuffles)", () => {
        const a = shuffle(new SeededRandom(42), ["a", "b", "c", "d", "e", "f"]);
        expect([...a].sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
        const positions = shuffle(new SeededRandom(42), [0, 1, 2, 3, 4, 5]);
        expect(a).toEqual(positions.map((i) => "abcdef"[i]));
        // Uniform: each of 6 items lands first about 1/6 of the time.
        const first = new Map<number, number>();
        for (let seed = 0; seed < 3000; seed++) {
            const [head] = shuffle(new SeededRandom(seed), [0, 1, 2, 3, 4, 5]);
            first.set(head!, (first.get(head!) ?? 0) + 1);
        }
        for (const count of first.values()) expect(Math.abs(count - 500)).toBeLessThan(100);
    });
});
