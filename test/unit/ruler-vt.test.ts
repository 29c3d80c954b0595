import {describe, expect, it} from "vitest";
import {stringMatchAll} from "../../harness/tasks/shared/string-match.js";
import {fill, NOISE_LINE, TEMPLATES} from "../../harness/tasks/shared/ruler/templates.js";
import {generateVt, VT_DEFAULTS} from "../../harness/tasks/shared/ruler/vt.js";

const EXAMPLE = {lines: 8, seed: 42};
const TASK_START = "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n";

/** The task's haystack lines (after the example) and the chain read from them. */
function taskLines(user: string): string[] {
    const start = user.lastIndexOf(TASK_START);
    const end = user.lastIndexOf("\nQuestion: Find all variables");
    return user.slice(start + TASK_START.length, end).split("\n");
}

describe("RULER variable tracking", () => {
    it("uses RULER's defaults: one chain, four hops", () => {
        expect(VT_DEFAULTS).toEqual({chains: 1, hops: 4});
    });

    it("writes the chain as RULER does: VAR X = value, then VAR Y = VAR X with a trailing space", () => {
        for (let seed = 0; seed < 40; seed++) {
            const s = generateVt({seed, size: 12, example: null});
            const [v0, v1, v2, v3, v4] = s.names;
            const chain = taskLines(s.prompt.user).filter((line) => line !== NOISE_LINE);
            expect(chain).toEqual([`VAR ${v0} = ${s.value}`, `VAR ${v1} = VAR ${v0} `, `VAR ${v2} = VAR ${v1} `, `VAR ${v3} = VAR ${v2} `, `VAR ${v4} = VAR ${v3} `]);
            for (const name of s.names) expect(name).toMatch(/^[A-Z]{5}$/);
            expect(new Set(s.names).size).toBe(5);
            expect(Number(s.value)).toBeGreaterThanOrEqual(10_000);
            expect(Number(s.value)).toBeLessThanOrEqual(99_998);
            expect(s.value).toMatch(/^\d{5}$/);
        }
    });

    it("hides the chain in N noise lines in order, noise between and after its lines", () => {
        let firstLineSeen = false;
        for (let seed = 0; seed < 60; seed++) {
            const lines = taskLines(generateVt({seed, size: 6, example: null}).prompt.user);
            expect(lines).toHaveLength(11);
            expect(lines.filter((line) => line === NOISE_LINE)).toHaveLength(6);
            const chainAt = lines.flatMap((line, i) => (line.startsWith("VAR ") ? [i] : []));
            for (let j = 1; j < chainAt.length; j++) expect(chainAt[j]! - chainAt[j - 1]!).toBeGreaterThanOrEqual(2);
            expect(chainAt.at(-1)).toBeLessThan(lines.length - 1);
            if (chainAt[0] === 0) firstLineSeen = true;
        }
        expect(firstLineSeen).toBe(true);
    });

    it("asks RULER's question with its answer prefix; expects the five names in chain order", () => {
        const s = generateVt({seed: 3, size: 10, example: null});
        const context = taskLines(s.prompt.user).join("\n");
        expect(s.prompt.user).toBe(fill(TEMPLATES.vt.template, {context, query: s.value}));
        expect(s.prompt.answerPrefix).toBe(` Answer: According to the chain(s) of variable assignment in the text above, 5 variables are assigned the value ${s.value}, they are: `);
        expect(s.expected).toEqual(s.names);
        expect(s.answer).toBe(` ${s.names.join(" ")}`);
        expect(stringMatchAll(s.answer, s.expected)).toBe(100);
    });

    it("puts one in-context example first: 3-letter names, its answer after two spaces, a blank line before the task", () => {
        const s = generateVt({seed: 5, size: 10, example: EXAMPLE});
        const taskStart = s.prompt.user.lastIndexOf(TASK_START);
        expect(s.prompt.user.slice(taskStart - 2, taskStart)).toBe("\n\n");
        const example = s.prompt.user.slice(0, taskStart - 2);
        const match = /^Memorize and track the chain\(s\) of variable assignment hidden in the following text\.\n\n([\s\S]*)\nQuestion: Find all variables that are assigned the value (\d{5}) in the text above\. Answer: According to the chain\(s\) of variable assignment in the text above, 5 variables are assigned the value \2, they are: {2}([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3}) ([A-Z]{3})$/.exec(example!);
        expect(match, example).not.toBeNull();
        const [, context, value, ...names] = match!;
        const chain = context!.split("\n").filter((line) => line !== NOISE_LINE);
        expect(chain).toEqual([`VAR ${names[0]} = ${value}`, ...names.slice(1).map((name, j) => `VAR ${name} = VAR ${names[j]} `)]);
        expect(context!.split("\n").filter((line) => line === NOISE_LINE)).toHaveLength(EXAMPLE.lines);
    });

    it("keeps the example's layout across samples (RULER fixes it per run) and re-draws its names and value", () => {
        const example = (seed: number, layoutSeed = EXAMPLE.seed) => {
            const user = generateVt({seed, size: 10, example: {...EXAMPLE, seed: layoutSeed}}).prompt.user;
            const text = user.slice(0, user.indexOf("\nQuestion:"));
            return {shape: text.split("\n").map((line) => (line.startsWith("VAR ") ? "VAR" : line)), text};
        };
        expect(example(1).shape).toEqual(example(2).shape);
        expect(example(1).text).not.toBe(example(2).text);
        expect(example(1).shape).not.toEqual(example(1, 43).shape);
    });

    it("builds the lift baseline with the same chain holding another value, the question unchanged", () => {
        for (let seed = 0; seed < 20; seed++) {
            const s = generateVt({seed, size: 10, example: EXAMPLE});
            const without = s.withoutPrompt!;
            expect(without.answerPrefix).toBe(s.prompt.answerPrefix);
            const original = s.prompt.user.split("\n");
            const changed = without.user.split("\n");
            expect(changed).toHaveLength(original.length);
            const differing = original.flatMap((line, i) => (line !== changed[i] ? [i] : []));
            expect(differing).toHaveLength(1);
            expect(original[differing[0]!]).toBe(`VAR ${s.names[0]} = ${s.value}`);
            expect(changed[differing[0]!]).toMatch(new RegExp(`^VAR ${s.names[0]} = (?!${s.value}$)\\d{5}$`));
            expect(without.user.endsWith(`assigned the value ${s.value} in the text above.`)).toBe(true);
        }
    });

    it("is deterministic in the seed and refuses a haystack too small for the chain", () => {
        expect(generateVt({seed: 8, size: 20, example: EXAMPLE})).toEqual(generateVt({seed: 8, size: 20, example: EXAMPLE}));
        expect(generateVt({seed: 8, size: 20, example: EXAMPLE}).prompt.user).not.toBe(generateVt({seed: 9, size: 20, example: EXAMPLE}).prompt.user);
        expect(() => generateVt({seed: 1, size: 4, example: null})).toThrow(/at least 5 noise lines/);
        expect(() => generateVt({seed: 1, size: 10, example: {lines: 4, seed: 1}})).toThrow(/example needs at least 5/);
    });
});

