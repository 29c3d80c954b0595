import {describe, expect, it} from "vitest";
import {stringMatchAll} from "../../harness/tasks/shared/string-match.js";
import {CWE_REGIMES, cweRegime, generateCwe, numberedList} from "../../harness/tasks/shared/ruler/cwe.js";
import {fill, TEMPLATES} from "../../harness/tasks/shared/ruler/templates.js";
import {rulerWords} from "../../harness/tasks/shared/ruler/words.js";

const QUESTION = "\nQuestion: What are the 10 most common words in the above list?";
const HEAD = "Below is a numbered list of words. In these words, some appear more often than others. Memorize the ones that appear most often.\n";

/** Parses "1. w 2. w ..." and checks the numbering runs 1, 2, 3, ... */
function parseList(list: string): string[] {
    const items = [...list.matchAll(/(\d+)\. (\S+)/g)];
    expect(items.map(([, n]) => Number(n))).toEqual(items.map((_, i) => i + 1));
    expect(items.map(([item]) => item).join(" ")).toBe(list);
    return items.map(([, , word]) => word!);
}
const counts = (words: string[]) => words.reduce((map, word) => map.set(word, (map.get(word) ?? 0) + 1), new Map<string, number>());
/** The lists in a cwe prompt: in-context examples with their answers, then the real list. */
function parse(user: string) {
    // Without an example the prompt starts with "\n" + HEAD, leaving an empty first block.
    const blocks = user.split("\n" + HEAD).map((block, i) => (i === 0 ? block.replace(HEAD, "") : block)).filter((block, i) => i > 0 || block !== "");
    return blocks.map((block) => {
        const [list, after] = block.split(QUESTION);
        return {list: parseList(list!), after: after!};
    });
}

describe("RULER common words extraction", () => {
    it("repeats 10 common words 30 times and the others 3 times, after one example of 40 words (10 x 10, 30 x 3)", () => {
        const size = 200;
        const s = generateCwe({seed: 1, size, regime: "standard"});
        const [example, main] = parse(s.prompt.user);
        const exampleCounts = counts(example!.list);
        expect(exampleCounts.size).toBe(40);
        expect([...exampleCounts.values()].sort((a, b) => b - a)).toEqual([...Array(10).fill(10), ...Array(30).fill(3)]);
        const mainCounts = counts(main!.list);
        expect(mainCounts.size).toBe(size);
        expect(main!.list).toHaveLength(10 * 30 + (size - 10) * 3);
        expect(s.listItems).toBe(main!.list.length);
        const common = [...mainCounts].filter(([, n]) => n === 30).map(([word]) => word);
        expect(new Set(common)).toEqual(new Set(s.expected));
        expect([...mainCounts.values()].filter((n) => n !== 30).every((n) => n === 3)).toBe(true);
        // The example's answer lists its 10 most common words, numbered.
        const exampleCommon = [...exampleCounts].filter(([, n]) => n === 10).map(([word]) => word);
        expect(example!.after.startsWith(`${TEMPLATES.cwe.answerPrefix} `)).toBe(true);
        expect(new Set(parseList(example!.after.slice(TEMPLATES.cwe.answerPrefix.length + 1)))).toEqual(new Set(exampleCommon));
        expect(main!.after).toBe("");
    });

    it("switches to RULER's short-context regime below 4,096 tokens: example 20 words (3/1), list 6/1", () => {
        expect([cweRegime(4096), cweRegime(4095), cweRegime(2048)]).toEqual(["standard", "short", "short"]);
        expect(CWE_REGIMES.short).toEqual({example: {words: 20, common: 3, uncommon: 1}, main: {common: 6, uncommon: 1}});
        const s = generateCwe({seed: 2, size: 30, regime: "short"});
        const [example, main] = parse(s.prompt.user);
        expect([...counts(example!.list).values()].sort((a, b) => b - a)).toEqual([...Array(10).fill(3), ...Array(10).fill(1)]);
        expect([...counts(main!.list).values()].sort((a, b) => b - a)).toEqual([...Array(10).fill(6), ...Array(20).fill(1)]);
    });

    it("renders the prompt string for string as RULER: example block, newline, task; answer prefix after", () => {
        const s = generateCwe({seed: 3, size: 40, regime: "standard"});
        const [example, main] = parse(s.prompt.user);
        const exampleCommon = parseList(example!.after.slice(TEMPLATES.cwe.answerPrefix.length + 1));
        const expected = `${fill(TEMPLATES.cwe.template, {context: numberedList(example!.list)})}${TEMPLATES.cwe.answerPrefix} ${numberedList(exampleCommon)}\n` +
            fill(TEMPLATES.cwe.template, {context: numberedList(main!.list)});
        expect(s.prompt.user).toBe(expected);
        expect(s.prompt.answerPrefix).toBe(" Answer: The top 10 words that appear most often in the list are:");
        expect(s.answer).toBe(` ${numberedList(s.expected)}`);
        expect(stringMatchAll(s.answer, s.expected)).toBe(100);
        // Without an example RULER's join leaves a leading newline.
        const alone = generateCwe({seed: 3, size: 40, regime: "standard", fewshot: 0}).prompt.user;
        const [only, ...more] = parse(alone);
        expect(more).toEqual([]);
        expect(alone).toBe(`\n${fill(TEMPLATES.cwe.template, {context: numberedList(only!.list)})}`);
    });

    it("gives every list of a length the same slot order under RULER's run-level layout seed", () => {
        const slots = (seed: number) => {
            const s = generateCwe({seed, size: 50, regime: "standard", fewshot: 0, layoutSeed: 42});
            return parse(s.prompt.user).at(-1)!.list.map((word) => (s.expected.includes(word) ? s.expected.indexOf(word) : -1));
        };
        expect(slots(1)).toEqual(slots(2));
        expect(generateCwe({seed: 1, size: 50, regime: "standard", layoutSeed: 42}).expected)
            .not.toEqual(generateCwe({seed: 2, size: 50, regime: "standard", layoutSeed: 42}).expected);
    });

    it("builds the lift baseline by swapping the common words with 10 others in the same slots", () => {
        const s = generateCwe({seed: 4, size: 60, regime: "standard"});
        const main = parse(s.prompt.user).at(-1)!.list;
        const swapped = parse(s.withoutPrompt!.user).at(-1)!.list;
        expect(swapped).toHaveLength(main.length);
        const swappedCounts = counts(swapped);
        for (const word of s.expected) expect(swappedCounts.get(word)).toBe(3);
        expect([...swappedCounts.values()].filter((n) => n === 30)).toHaveLength(10);
        expect(new Set(swapped)).toEqual(new Set(main));
        // Same example, same question.
        expect(s.withoutPrompt!.user.slice(0, s.withoutPrompt!.user.lastIndexOf(HEAD))).toBe(s.prompt.user.slice(0, s.prompt.user.lastIndexOf(HEAD)));
        expect(generateCwe({seed: 4, size: 19, regime: "standard"}).withoutPrompt).toBeUndefined();
    });

    it("keeps the 10 common words whatever the size, and is deterministic in the seed", () => {
        expect(generateCwe({seed: 6, size: 30, regime: "short"}).expected).toEqual(generateCwe({seed: 6, size: 300, regime: "short"}).expected);
        expect(generateCwe({seed: 6, size: 30, regime: "short"})).toEqual(generateCwe({seed: 6, size: 30, regime: "short"}));
        expect(generateCwe({seed: 6, size: 30, regime: "short"}).expected).not.toEqual(generateCwe({seed: 7, size: 30, regime: "short"}).expected);
    });

    it("draws from the extended list when more words are needed than the common list holds, and says when even that is short", () => {
        const {common, extended} = rulerWords();
        const s = generateCwe({seed: 1, size: common.length + 1, regime: "standard", fewshot: 0});
        expect(counts(parse(s.prompt.user).at(-1)!.list).size).toBe(common.length + 1);
        expect(() => generateCwe({seed: 1, size: extended.length + 1, regime: "standard"})).toThrow(/word list holds/);
        expect(() => generateCwe({seed: 1, size: 9, regime: "standard"})).toThrow(/at least 10 distinct words/);
    });
});
