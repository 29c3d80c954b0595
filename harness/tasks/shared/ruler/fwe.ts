/**
 * RULER's frequent words extraction (scripts/data/synthetic/freq_words_extraction.py; fwe in
 * scripts/synthetic.yaml: alpha 2.0): random 6-letter "coded words" repeated with Zipf (zeta)
 * frequencies, the most frequent one replaced by "..." as noise; the answer is ranks 2, 3 and 4.
 */
import {deriveSeed, SeededRandom} from "../../../util/random.js";
import {distinctStrings, LOWERCASE, shuffle, streams} from "./draws.js";
import type {RulerSample} from "./sample.js";
import {fill, TEMPLATES} from "./templates.js";

export const FWE_DEFAULTS = {alpha: 2.0, codedWordLength: 6} as const;
/** The word standing in for rank 1, which the prompt tells the model to ignore (it says '....', four dots). */
export const FWE_NOISE_WORD = "...";

/** RULER's vocabulary size: (max_seq_length - tokens_to_generate) // 50. */
export function fweVocabSize(maxSeqLength: number, tokensToGenerate = 50): number {
    return Math.floor((maxSeqLength - tokensToGenerate) / 50);
}

/** RULER's step for its linear word-count search: (max_seq_length - tokens_to_generate) // 32 words. */
export function fweIncrement(maxSeqLength: number, tokensToGenerate = 50): number {
    return Math.floor((maxSeqLength - tokensToGenerate) / 32);
}

/** Riemann zeta(s) for s > 1 (scipy.special.zeta(s)): direct sum plus the Euler-Maclaurin tail. */
export function zeta(s: number): number {
    if (!(s > 1)) throw new Error(`zeta needs s > 1, got ${s}`);
    if (s === 2) return Math.PI ** 2 / 6;
    const n = 64;
    let sum = 0;
    for (let k = 1; k < n; k++) sum += k ** -s;
    // Tail from n: n^(1-s)/(s-1) + n^-s/2 + s n^(-s-1)/12 - s(s+1)(s+2) n^(-s-3)/720.
    return sum + n ** (1 - s) / (s - 1) + n ** -s / 2 + (s * n ** (-s - 1)) / 12 - (s * (s + 1) * (s + 2) * n ** (-s - 3)) / 720;
}

/** RULER's counts: rank k of `vocabSize` gets floor(words * k^-alpha / zeta(alpha)) copies. */
export function zipfCounts(words: number, vocabSize: number, alpha: number): number[] {
    const z = zeta(alpha);
    return Array.from({length: vocabSize}, (_, i) => Math.floor((words * (i + 1) ** -alpha) / z));
}

/** The fewest nominal words for which ranks 2-4 (the answer) appear at least once. */
export function fweMinimumSize(alpha: number = FWE_DEFAULTS.alpha): number {
    let words = 1;
    while (zipfCounts(words, 4, alpha)[3]! < 1) words++;
    return words;
}

export interface FweOptions {
    seed: number;
    /** Nominal words N (RULER's num_words); the text holds sum(floor(N k^-alpha / zeta)) of them. */
    size: number;
    /** Coded words to draw (RULER: fweVocabSize(max_seq_length)); only the ranks with a count >= 1 appear. */
    vocabSize: number;
    alpha?: number;
    /**
     * Seed of the vocabulary and text shuffles, which RULER draws from a fresh generator seeded with
     * the run's seed (so every text of a given length gets the same slot order). Pass the run's seed
     * for that; default: derived from the sample's seed.
     */
    layoutSeed?: number;
}

export interface FweSample extends RulerSample {
    /** Words in the text ("..." included). */
    textWords: number;
    /** Copies of each rank that appears, most frequent first. */
    counts: number[];
}

/**
 * One fwe sample. `withoutPrompt` (slmbench's lift, not RULER): the same text with the three answer
 * words trading places with the three least frequent words in it, so they appear only rarely;
 * absent when fewer than seven ranks appear.
 */
export function generateFwe(options: FweOptions): FweSample {
    const {seed, size, vocabSize, alpha = FWE_DEFAULTS.alpha} = options;
    const minimum = fweMinimumSize(alpha);
    if (!Number.isInteger(size) || size < minimum) throw new Error(`fwe needs at least ${minimum} nominal words (alpha ${alpha}) for its three answer words to appear, got ${size}`);
    if (!Number.isInteger(vocabSize) || vocabSize < 4) throw new Error(`fwe needs a vocabulary of at least 4 coded words, got ${vocabSize}`);
    const layoutSeed = options.layoutSeed ?? deriveSeed(seed, "ruler", "layout");
    const {vocabulary: random} = streams(seed, ["vocabulary"]);

    // RULER: draw, de-duplicate, sort, shuffle with a fresh generator, then rank 1 becomes the noise word.
    const vocabulary = shuffle(new SeededRandom(layoutSeed), distinctStrings(random, LOWERCASE, FWE_DEFAULTS.codedWordLength, vocabSize).sort());
    vocabulary[0] = FWE_NOISE_WORD;
    const counts = zipfCounts(size, vocabSize, alpha).filter((count) => count > 0);
    const ranked = vocabulary.slice(0, counts.length);
    const slots = shuffle(new SeededRandom(layoutSeed), ranked.flatMap((word, rank) => Array.from({length: counts[rank]!}, () => rank)));
    const text = (words: readonly string[]) => slots.map((rank) => words[rank]).join(" ");
    const prompt = (words: readonly string[]) => ({user: fill(TEMPLATES.fwe.template, {context: text(words)}), answerPrefix: TEMPLATES.fwe.answerPrefix});

    const expected = ranked.slice(1, 4);
    let withoutPrompt;
    if (ranked.length >= 7) {
        const swapped = [...ranked];
        for (let i = 0; i < 3; i++) [swapped[1 + i], swapped[ranked.length - 3 + i]] = [ranked[ranked.length - 3 + i]!, ranked[1 + i]!];
        withoutPrompt = prompt(swapped);
    }
    return {prompt: prompt(ranked), expected, answer: ` ${expected.join(" ")}`, withoutPrompt, textWords: slots.length, counts};
}
