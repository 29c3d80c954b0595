import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {stringMatchAll} from "../../harness/tasks/shared/string-match.js";
import {essayWords, firstWords, splitSentences} from "../../harness/tasks/shared/ruler/essay.js";
import {generateNiah, joinQueries, NIAH_PRESETS, type NiahPresetName} from "../../harness/tasks/shared/ruler/niah.js";
import {fill, NIAH_NEEDLE, NOISE_LINE, singularise, TEMPLATES} from "../../harness/tasks/shared/ruler/templates.js";
import {rulerWords} from "../../harness/tasks/shared/ruler/words.js";
import {SHARED_ASSETS} from "../helpers/assets.js";

const essay = essayWords(readFileSync(path.join(SHARED_ASSETS, "datasets", "haystacks", "pg1342-pride-and-prejudice.txt"), "utf8"));
const PRESETS = Object.keys(NIAH_PRESETS) as NiahPresetName[];
const sizeFor = (name: NiahPresetName) => (NIAH_PRESETS[name].haystack === "essay" ? 600 : 12);
const sample = (name: NiahPresetName, seed = 7, size = sizeFor(name)) => generateNiah(name, {seed, size, essay});

const NUMBER = /^\d{7}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const {adjectives, nouns} = rulerWords();
const isWordKey = (key: string) => {
    const [adjective, noun, ...rest] = key.split("-");
    return rest.length === 0 && adjectives.includes(adjective!) && nouns.includes(noun!);
};
/** Splits a rendered NIAH prompt back into its parts, or fails if it does not follow the template. */
function parse(user: string, answerPrefix: string) {
    const match = /^(Some|A) special magic (\w+) (?:are|is) hidden within the following text\. Make sure to memorize it\. I will quiz you about the \2 afterwards\.\n([\s\S]*)\nWhat (?:are all|is) the special magic \2 for (.+) mentioned in the provided text\?$/.exec(user);
    expect(match, user.slice(0, 200)).not.toBeNull();
    const [, , type, context, query] = match!;
    expect(answerPrefix).toBe(` The special magic ${type} for ${query} mentioned in the provided text ${match![1] === "A" ? "is" : "are"}`);
    return {type: type!, context: context!, query: query!};
}
const NEEDLE = /One of the special magic (numbers|uuids) for (\S+) is: (\S+)\./g;

describe("RULER NIAH presets", () => {
    it("render RULER's template, singular exactly when queries x values = 1 (the needle keeps the plural)", () => {
        for (const name of PRESETS) {
            const preset = NIAH_PRESETS[name];
            const s = sample(name);
            const singular = preset.numQueries * preset.numValues === 1;
            const {type, context, query} = parse(s.prompt.user, s.prompt.answerPrefix);
            expect(type, name).toBe(singular ? preset.values.slice(0, -1) : preset.values);
            const template = singular ? singularise(TEMPLATES.niah.template) : TEMPLATES.niah.template;
            expect(s.prompt.user, name).toBe(fill(template, {type_needle_v: type, context, query}));
            for (const needle of s.needles) expect(needle, name).toMatch(new RegExp(`^One of the special magic ${preset.values} for \\S+ is: \\S+\\.$`));
            expect(s.needles, name).toHaveLength(Math.max(preset.numKeys, preset.numQueries) * preset.numValues);
            for (const needle of s.needles) expect(context.includes(needle), name).toBe(true);
            expect(stringMatchAll(s.answer, s.expected), name).toBe(100);
        }
    });

    it("draw keys and values in RULER's formats: 7-digit numbers, adjective-noun words, version-4 uuids", () => {
        for (const name of ["niah_single_2", "niah_single_3", "niah_multikey_3", "niah_multivalue"] as const) {
            const preset = NIAH_PRESETS[name];
            for (let seed = 0; seed < 20; seed++) {
                for (const [, , key, value] of sample(name, seed).needles.join(" ").matchAll(NEEDLE)) {
                    expect(preset.keys === "uuids" ? UUID.test(key!) : isWordKey(key!), `${name} key ${key}`).toBe(true);
                    expect((preset.values === "uuids" ? UUID : NUMBER).test(value!), `${name} value ${value}`).toBe(true);
                    if (preset.values === "numbers") expect(Number(value)).toBeGreaterThanOrEqual(1_000_000);
                }
            }
        }
    });

    it("join several queried keys as RULER does and expect every value in query order", () => {
        expect(joinQueries(["a"])).toBe("a");
        expect(joinQueries(["a", "b"])).toBe("a, and b");
        expect(joinQueries(["k1", "k2", "k3", "k4"])).toBe("k1, k2, k3, and k4");
        const s = sample("niah_multiquery");
        const {query} = parse(s.prompt.user, s.prompt.answerPrefix);
        const keys = query.split(/, (?:and )?/);
        expect(keys).toHaveLength(4);
        expect(query).toBe(joinQueries(keys));
        const valueOf = new Map([...s.needles.join(" ").matchAll(NEEDLE)].map(([, , key, value]) => [key!, value!]));
        expect(new Set(valueOf.keys())).toEqual(new Set(keys));
        expect(s.expected).toEqual(keys.map((key) => valueOf.get(key)));
    });

    it("multikey asks for one of four keys; multivalue hides four values of one key, all expected", () => {
        const multikey = sample("niah_multikey_1");
        const keys = new Set([...multikey.needles.join(" ").matchAll(NEEDLE)].map(([, , key]) => key));
        expect(keys.size).toBe(4);
        expect(keys.has(parse(multikey.prompt.user, multikey.prompt.answerPrefix).query)).toBe(true);
        expect(multikey.expected).toHaveLength(1);

        const multivalue = sample("niah_multivalue");
        const found = [...multivalue.needles.join(" ").matchAll(NEEDLE)];
        expect(new Set(found.map(([, , key]) => key)).size).toBe(1);
        expect(new Set(multivalue.expected)).toEqual(new Set(found.map(([, , , value]) => value)));
        expect(multivalue.expected).toHaveLength(4);
    });

    it("noise haystack: N noise lines and the needle on a line of its own, never last", () => {
        for (let seed = 0; seed < 30; seed++) {
            const s = sample("niah_single_1", seed, 6);
            const lines = parse(s.prompt.user, s.prompt.answerPrefix).context.split("\n");
            expect(lines).toHaveLength(7);
            expect(lines.filter((line) => line === NOISE_LINE)).toHaveLength(6);
            expect(lines.indexOf(s.needles[0]!)).toBeLessThan(6);
        }
    });

    it("needle haystack: every line is a needle, the distractors with random keys and values of the task's types", () => {
        for (const name of ["niah_multikey_2", "niah_multikey_3"] as const) {
            const s = sample(name, 3, 25);
            const lines = parse(s.prompt.user, s.prompt.answerPrefix).context.split("\n");
            expect(lines, name).toHaveLength(26);
            const keys = new Set<string>();
            for (const line of lines) {
                const [match] = [...line.matchAll(NEEDLE)];
                expect(match?.[0], name).toBe(line);
                expect(match![1]).toBe(NIAH_PRESETS[name].values);
                keys.add(match![2]!);
            }
            expect(keys.size, name).toBe(26);
            expect(lines.filter((line) => line === s.needles[0])).toHaveLength(1);
            expect(lines.at(-1)).not.toBe(s.needles[0]);
        }
    });

    it("essay haystack: the first N words split into sentences, needles between sentences", () => {
        const size = 400;
        const s = sample("niah_multikey_1", 11, size);
        const {context} = parse(s.prompt.user, s.prompt.answerPrefix);
        const sentences = splitSentences(firstWords(essay, size).trim());
        // Taking the needles out gives back the sentences (RULER joins every piece with one space).
        let stripped = context;
        for (const needle of s.needles) stripped = stripped.replace(needle, "\u0000");
        const pieces = stripped.split("\u0000").map((piece) => piece.trim()).filter((piece) => piece !== "");
        expect(pieces.join(" ")).toBe(sentences.join(" "));
        for (const piece of pieces) expect(sentences.some((sentence) => piece.startsWith(sentence)) || piece === "").toBe(true);
        // Cycling: more words than the text holds repeat it.
        expect(firstWords(["a", "b", "c"], 7)).toBe("a b c a b c a");
    });

    it("splits sentences as punkt would in plain prose: after . ? ! and closing quotes, not after titles or initials", () => {
        expect(splitSentences("It is a truth. Mr. Bennet was \u201cso odd.\u201d Said he? Yes! Mrs. Long met J. Smith. (Then) the end"))
            .toEqual(["It is a truth.", "Mr. Bennet was \u201cso odd.\u201d", "Said he?", "Yes!", "Mrs. Long met J. Smith.", "(Then) the end"]);
        const text = firstWords(essay, 5000).trim();
        expect(splitSentences(text).join(" ")).toBe(text);
    });

    it("keeps keys, values and question whatever the size, so a size search compares like with like", () => {
        for (const name of PRESETS) {
            const small = sample(name, 5, sizeFor(name));
            const large = sample(name, 5, sizeFor(name) * 3);
            expect(large.expected, name).toEqual(small.expected);
            expect(large.prompt.answerPrefix, name).toBe(small.prompt.answerPrefix);
            expect(large.prompt.user.length, name).toBeGreaterThan(small.prompt.user.length);
        }
    });

    it("is deterministic in the seed", () => {
        for (const name of PRESETS) {
            expect(sample(name, 9), name).toEqual(sample(name, 9));
            expect(sample(name, 9).prompt.user, name).not.toBe(sample(name, 10).prompt.user);
        }
    });

    it("shares the needle order across samples given RULER's run-level layout seed", () => {
        const order = (seed: number) => {
            const s = generateNiah("niah_multivalue", {seed, size: 300, essay, layoutSeed: 42});
            return s.needles.map((needle) => s.expected.indexOf(/is: (\d+)\./.exec(needle)![1]!));
        };
        expect(order(1)).toEqual(order(2));
        expect(order(1)).toEqual(order(3));
    });

    it("builds the lift baseline without the queried needles and changes nothing else", () => {
        for (const name of PRESETS) {
            const s = sample(name, 4);
            const without = s.withoutPrompt!;
            expect(without.answerPrefix, name).toBe(s.prompt.answerPrefix);
            const queried = s.needles.filter((needle) => s.expected.some((value) => needle.endsWith(`is: ${value}.`)));
            expect(queried.length, name).toBeGreaterThan(0);
            for (const needle of queried) expect(without.user.includes(needle), name).toBe(false);
            for (const needle of s.needles.filter((n) => !queried.includes(n))) expect(without.user.includes(needle), name).toBe(true);
            const separator = NIAH_PRESETS[name].haystack === "essay" ? " " : "\n";
            let rebuilt = s.prompt.user;
            for (const needle of queried) rebuilt = rebuilt.replace(`${needle}${separator}`, "").replace(`${separator}${needle}`, "");
            if (NIAH_PRESETS[name].haystack === "essay") expect(without.user.replace(/ +/g, " "), name).toBe(rebuilt.replace(/ +/g, " "));
            else expect(without.user, name).toBe(rebuilt);
        }
    });

    it("refuses sizes that cannot hold the needles and essay presets without an essay, naming the problem", () => {
        expect(() => generateNiah("niah_multikey_2", {seed: 1, size: 0})).toThrow(/0 lines cannot hold 1 needles/);
        expect(() => generateNiah("niah_single_2", {seed: 1, size: 100})).toThrow(/essay/);
        expect(() => generateNiah("niah_single_9" as NiahPresetName, {seed: 1, size: 5})).toThrow(/unknown NIAH preset "niah_single_9"/);
        expect(fill(NIAH_NEEDLE, {type_needle_v: "numbers", key: "k", value: 1})).toBe("One of the special magic numbers for k is: 1.");
    });
});
