/**
 * RULER's needle-in-a-haystack family (scripts/data/synthetic/niah.py, presets from
 * scripts/synthetic.yaml): keys and values, the noise / essay / needle haystacks, multi-key,
 * multi-value and multi-query questions, singularisation.
 */
import {SeededRandom} from "../../../util/random.js";
import {DEPTHS, firstWords, insertIntoSentences, splitSentences} from "./essay.js";
import {sampleIndices, sampleItems, shuffle, streams} from "./draws.js";
import type {RulerSample} from "./sample.js";
import {fill, NIAH_NEEDLE, NOISE_LINE, singularise, TEMPLATES} from "./templates.js";
import {rulerWords} from "./words.js";

export type NeedleKind = "numbers" | "words" | "uuids";
export type HaystackKind = "noise" | "essay" | "needle";

export interface NiahPreset {
    /** noise: RULER's grass/sky/sun line repeated; essay: prose split into sentences; needle: every line a distractor needle. */
    haystack: HaystackKind;
    keys: NeedleKind;
    values: NeedleKind;
    /** Keys hidden (RULER num_needle_k, raised to numQueries when smaller). */
    numKeys: number;
    /** Values hidden per key (num_needle_v). */
    numValues: number;
    /** Keys asked for at once (num_needle_q). */
    numQueries: number;
    note: string;
}

const ESSAY_NOTE = "RULER's essay haystack is Paul Graham's essays (not available here): the caller passes other prose (the Gutenberg books in the asset roots) as `essay`.";

/** RULER's eight NIAH tasks (scripts/synthetic.yaml). */
export const NIAH_PRESETS = {
    niah_single_1: {haystack: "noise", keys: "words", values: "numbers", numKeys: 1, numValues: 1, numQueries: 1,
        note: "Passkey style: one needle in the repeated noise line."},
    niah_single_2: {haystack: "essay", keys: "words", values: "numbers", numKeys: 1, numValues: 1, numQueries: 1, note: ESSAY_NOTE},
    niah_single_3: {haystack: "essay", keys: "words", values: "uuids", numKeys: 1, numValues: 1, numQueries: 1, note: ESSAY_NOTE},
    niah_multikey_1: {haystack: "essay", keys: "words", values: "numbers", numKeys: 4, numValues: 1, numQueries: 1,
        note: `Three distractor needles with other keys. ${ESSAY_NOTE}`},
    niah_multikey_2: {haystack: "needle", keys: "words", values: "numbers", numKeys: 1, numValues: 1, numQueries: 1,
        note: "Every haystack line is a distractor needle with a random key and value."},
    niah_multikey_3: {haystack: "needle", keys: "uuids", values: "uuids", numKeys: 1, numValues: 1, numQueries: 1,
        note: "Every haystack line is a distractor needle with a random uuid key and uuid value."},
    niah_multivalue: {haystack: "essay", keys: "words", values: "numbers", numKeys: 1, numValues: 4, numQueries: 1,
        note: `Four values hidden for one key, all expected. ${ESSAY_NOTE}`},
    niah_multiquery: {haystack: "essay", keys: "words", values: "numbers", numKeys: 1, numValues: 1, numQueries: 4,
        note: `Four keys asked for at once ("k1, k2, k3, and k4"), every value expected. ${ESSAY_NOTE}`}
} as const satisfies Record<string, NiahPreset>;

export type NiahPresetName = keyof typeof NIAH_PRESETS;

export interface NiahOptions {
    /** Seeds this sample's keys, values, haystack and positions. */
    seed: number;
    /** Haystack size: lines for noise and needle haystacks, words for essay (RULER's num_haystack). */
    size: number;
    /** The essay haystack's words (essayWords(text)); required by essay presets. */
    essay?: readonly string[];
    /**
     * Seed of the needle-order shuffle, which RULER draws from a fresh generator seeded with the run's
     * seed (so every sample with as many needles gets the same order). Pass the run's seed for that;
     * default: drawn from the sample's seed.
     */
    layoutSeed?: number;
}

export interface NiahSample extends RulerSample {
    /** The needles in the order they appear in the context. */
    needles: string[];
}

/** RULER's generate_random: 7-digit numbers, "adjective-noun" words, version-4 uuids. */
export function drawNeedleValue(kind: NeedleKind, random: SeededRandom): string {
    if (kind === "numbers") return String(random.int(1_000_000, 9_999_999));
    if (kind === "uuids") return random.uuid();
    const {adjectives, nouns} = rulerWords();
    // Uniform over distinct "adjective-noun" pairs, as RULER's choice from the de-duplicated product list.
    return `${random.pick(adjectives)}-${random.pick(nouns)}`;
}

/** RULER's query join: "k1, k2, k3, and k4" (", and " before the last key, even with two). */
export function joinQueries(queries: readonly string[]): string {
    if (queries.length === 0) throw new Error("a NIAH question needs at least one key");
    return queries.length > 1 ? `${queries.slice(0, -1).join(", ")}, and ${queries.at(-1)}` : queries[0]!;
}

/** The size RULER's binary search starts from and steps by (niah.py's incremental). */
export function niahIncrement(preset: NiahPreset, maxSeqLength: number): number {
    if (preset.haystack === "essay") return 500;
    return maxSeqLength < 4096 ? 5 : 25;
}

export function resolveNiahPreset(preset: NiahPreset | NiahPresetName): NiahPreset {
    if (typeof preset !== "string") return preset;
    const found = NIAH_PRESETS[preset];
    if (!found) throw new Error(`unknown NIAH preset "${preset}" (known: ${Object.keys(NIAH_PRESETS).join(", ")})`);
    return found;
}

/** One NIAH sample of a preset at a haystack size. Deterministic in (preset, options). */
export function generateNiah(presetOrName: NiahPreset | NiahPresetName, options: NiahOptions): NiahSample {
    const preset = resolveNiahPreset(presetOrName);
    const {seed, size} = options;
    if (!Number.isInteger(size) || size < 0) throw new Error(`NIAH haystack size must be a whole number >= 0, got ${size}`);
    const numKeys = Math.max(preset.numKeys, preset.numQueries);
    const draw = streams(seed, ["content", "haystack", "positions", "layout"]);

    // Keys and their values, then the needles in key order.
    const keys: string[] = [];
    const values: string[][] = [];
    const needles: {text: string; keyIndex: number}[] = [];
    for (let k = 0; k < numKeys; k++) {
        keys.push(drawNeedleValue(preset.keys, draw.content));
        values.push([]);
        for (let v = 0; v < preset.numValues; v++) {
            const value = drawNeedleValue(preset.values, draw.content);
            values[k]!.push(value);
            needles.push({text: fill(NIAH_NEEDLE, {type_needle_v: preset.values, key: keys[k]!, value}), keyIndex: k});
        }
    }
    shuffle(options.layoutSeed == null ? draw.layout : new SeededRandom(options.layoutSeed), needles);

    const queryIndices = sampleIndices(draw.content, numKeys, preset.numQueries);
    const queried = new Set(queryIndices);
    const expected = queryIndices.flatMap((k) => values[k]!);
    const placed = buildContext(preset, options, needles.map((n) => n.text), draw);
    const context = placed.render(() => true);
    const contextWithout = placed.render((i) => !queried.has(needles[i]!.keyIndex));

    const singular = preset.numQueries * preset.numValues === 1;
    const template = singular ? singularise(TEMPLATES.niah.template) : TEMPLATES.niah.template;
    const answerPrefix = singular ? singularise(TEMPLATES.niah.answerPrefix) : TEMPLATES.niah.answerPrefix;
    const fields = {type_needle_v: singular ? preset.values.slice(0, -1) : preset.values, query: joinQueries(queryIndices.map((k) => keys[k]!))};
    const prompt = (body: string) => ({user: fill(template, {...fields, context: body}), answerPrefix: fill(answerPrefix, fields)});
    return {
        prompt: prompt(context),
        expected,
        answer: ` ${expected.join(", ")}.`,
        withoutPrompt: prompt(contextWithout),
        needles: placed.order.map((i) => needles[i]!.text)
    };
}

/** The haystack with the needles placed; `render(keep)` writes it with only the needles `keep` accepts. */
function buildContext(preset: NiahPreset, options: NiahOptions, needles: string[], draw: Record<"haystack" | "positions", SeededRandom>) {
    const {size} = options;
    if (preset.haystack === "essay") {
        if (!options.essay) throw new Error("this NIAH preset has an essay haystack: pass `essay` (the haystack text's words)");
        const sentences = splitSentences(firstWords(options.essay, size).trim());
        const depths = sampleItems(draw.positions, DEPTHS, needles.length);
        // The i-th needle goes at the i-th smallest depth.
        const order = needles.map((_, i) => i);
        return {order, render: (keep: (i: number) => boolean) => insertIntoSentences(sentences, needles.map((text, i) => (keep(i) ? text : null)), depths)};
    }
    if (size < needles.length) throw new Error(`a ${preset.haystack} haystack of ${size} lines cannot hold ${needles.length} needles`);
    const lines = preset.haystack === "noise"
        ? Array.from({length: size}, () => NOISE_LINE)
        : Array.from({length: size}, () => fill(NIAH_NEEDLE, {
            type_needle_v: preset.values,
            key: drawNeedleValue(preset.keys, draw.haystack),
            value: drawNeedleValue(preset.values, draw.haystack)
        }));
    // RULER: sorted(random.sample(range(N), len(needles)), reverse=True); needle i inserted at index i.
    const indexes = sampleIndices(draw.positions, size, needles.length).sort((a, b) => b - a);
    const order = needles.map((_, i) => i).sort((a, b) => indexes[a]! - indexes[b]!);
    return {
        order,
        render: (keep: (i: number) => boolean) => {
            const out = [...lines];
            indexes.forEach((index, i) => {
                if (keep(i)) out.splice(index, 0, needles[i]!);
            });
            return out.join("\n");
        }
    };
}
