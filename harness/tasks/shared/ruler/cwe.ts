/**
 * RULER's common words extraction (scripts/data/synthetic/common_words_extraction.py; cwe in
 * scripts/synthetic.yaml: freq_cw 30, freq_ucw 3, num_cw 10, one few-shot example): a numbered list
 * where 10 words appear often and the rest rarely; the answer is the 10 frequent words.
 */
import {deriveSeed, SeededRandom} from "../../../util/random.js";
import {sampleItems, shuffle, streams} from "./draws.js";
import type {RulerSample} from "./sample.js";
import {fill, TEMPLATES} from "./templates.js";
import {rulerWords} from "./words.js";

/** The 10 is also literal in RULER's question ("What are the 10 most common words"). */
export const CWE_COMMON_WORDS = 10;

/** How often common and uncommon words repeat, in the example and the real list (RULER switches below 4,096 tokens). */
export const CWE_REGIMES = {
    standard: {example: {words: 40, common: 10, uncommon: 3}, main: {common: 30, uncommon: 3}},
    short: {example: {words: 20, common: 3, uncommon: 1}, main: {common: 6, uncommon: 1}}
} as const;
export type CweRegime = keyof typeof CWE_REGIMES;

/** RULER's choice: the short regime when max_seq_length < 4096. */
export function cweRegime(maxSeqLength: number): CweRegime {
    return maxSeqLength < 4096 ? "short" : "standard";
}

/** RULER's incremental for the distinct-word search. */
export const CWE_INCREMENT = 10;

export interface CweOptions {
    seed: number;
    /** Distinct words in the real list (RULER's num_words), at least 10. */
    size: number;
    regime: CweRegime;
    /** In-context examples (RULER's num_fewshot, default 1; 0 where even the short regime's example cannot fit). */
    fewshot?: number;
    /**
     * Seed of the list shuffles, which RULER draws from a fresh generator seeded with the run's seed
     * (so every list of a given length gets the same order of slots). Pass the run's seed for that;
     * default: derived from the sample's seed.
     */
    layoutSeed?: number;
}

export interface CweSample extends RulerSample {
    /** Items in the real list. */
    listItems: number;
}

/** RULER's list format: "1. w 2. w 3. w ..." on one line. */
export function numberedList(words: readonly string[]): string {
    return words.map((word, i) => `${i + 1}. ${word}`).join(" ");
}

interface WordList {
    /** The shuffled list with repeats. */
    items: string[];
    /** The common words, in draw order. */
    common: string[];
    /** The uncommon words, in draw order. */
    uncommon: string[];
}

/** RULER's get_example: n distinct words, the first 10 repeated `common` times, the rest `uncommon` times, shuffled. */
function drawList(words: number, repeats: {common: number; uncommon: number}, random: SeededRandom, layoutSeed: number): WordList {
    const {common: vocabulary, extended} = rulerWords();
    const pool = words <= vocabulary.length ? vocabulary : extended;
    if (words > pool.length) throw new Error(`cwe asks for ${words} distinct words; the word list holds ${pool.length} (benchmarks/data/ruler-words.json)`);
    const drawn = sampleItems(random, pool, words);
    const common = drawn.slice(0, CWE_COMMON_WORDS);
    const uncommon = drawn.slice(CWE_COMMON_WORDS);
    const items = [
        ...Array.from({length: repeats.common}, () => common).flat(),
        ...Array.from({length: repeats.uncommon}, () => uncommon).flat()
    ];
    return {items: shuffle(new SeededRandom(layoutSeed), items), common, uncommon};
}

/** The list with the roles of `from[i]` and `to[i]` swapped everywhere (same slots, other words frequent). */
function swapWords(items: readonly string[], from: readonly string[], to: readonly string[]): string[] {
    const map = new Map<string, string>();
    from.forEach((word, i) => {
        map.set(word, to[i]!);
        map.set(to[i]!, word);
    });
    return items.map((word) => map.get(word) ?? word);
}

/**
 * One cwe sample. Prompt: the few-shot block(s) (each the filled template, its answer prefix, " ",
 * the example's 10 common words numbered), "\n", the filled template with the real list.
 * `withoutPrompt` (slmbench's lift, not RULER): the same list with the 10 common words and the next
 * 10 drawn words trading places, so the expected words appear only rarely; absent below 20 words.
 */
export function generateCwe(options: CweOptions): CweSample {
    const {seed, size, regime, fewshot = 1} = options;
    if (!Number.isInteger(size) || size < CWE_COMMON_WORDS) throw new Error(`cwe needs at least ${CWE_COMMON_WORDS} distinct words, got ${size}`);
    if (!Number.isInteger(fewshot) || fewshot < 0) throw new Error(`cwe fewshot must be a whole number >= 0, got ${fewshot}`);
    const setup = CWE_REGIMES[regime];
    if (!setup) throw new Error(`unknown cwe regime "${regime}" (known: ${Object.keys(CWE_REGIMES).join(", ")})`);
    const layoutSeed = options.layoutSeed ?? deriveSeed(seed, "ruler", "layout");
    const {words: random} = streams(seed, ["words"]);

    const examples = Array.from({length: fewshot}, () => drawList(setup.example.words, setup.example, random, layoutSeed));
    const main = drawList(size, setup.main, random, layoutSeed);
    const shots = examples.map((example) =>
        `${fill(TEMPLATES.cwe.template, {context: numberedList(example.items)})}${TEMPLATES.cwe.answerPrefix} ${numberedList(example.common)}`);
    // RULER: "\n".join(few_shots) + "\n" + the real prompt (so a leading "\n" when there is no example).
    const user = (items: readonly string[]) => `${shots.join("\n")}\n${fill(TEMPLATES.cwe.template, {context: numberedList(items)})}`;
    const swapped = main.uncommon.length >= CWE_COMMON_WORDS ? swapWords(main.items, main.common, main.uncommon.slice(0, CWE_COMMON_WORDS)) : undefined;
    return {
        prompt: {user: user(main.items), answerPrefix: TEMPLATES.cwe.answerPrefix},
        expected: main.common,
        answer: ` ${numberedList(main.common)}`,
        withoutPrompt: swapped ? {user: user(swapped), answerPrefix: TEMPLATES.cwe.answerPrefix} : undefined,
        listItems: main.items.length
    };
}
