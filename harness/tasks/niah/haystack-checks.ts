import {readFileSync} from "node:fs";
import type {NiahConfig} from "./config.js";
import {contextLengths, depthPercents} from "./grid.js";

/** Characters per token assumed when estimating what fits (English BPE averages about 4; tiny vocabularies spend more tokens). */
const CHARS_PER_TOKEN = 4;

/**
 * A haystack file's text; throws naming the file when it is not text: NUL bytes, bytes that are
 * not UTF-8, or mostly control characters (a binary file would otherwise give one "sentence" of
 * noise, and the same prompt at every depth).
 */
export function readHaystackText(file: string): string {
    const bytes = readFileSync(file);
    if (bytes.includes(0)) throw new Error(`haystack file is not text (it holds NUL bytes: binary data?): ${file}`);
    let text: string;
    try {
        text = new TextDecoder("utf-8", {fatal: true}).decode(bytes);
    } catch {
        throw new Error(`haystack file is not text (not valid UTF-8): ${file}`);
    }
    const control = text.match(/[\u0000-\u0008\u000e-\u001f\u007f]/g)?.length ?? 0;
    if (control > Math.max(8, text.length * 0.01)) throw new Error(`haystack file is not text (${control} control characters): ${file}`);
    return text;
}

/**
 * Throws naming the file when its text has no sentence boundary (one run-on "sentence" without
 * an end mark): needles go between sentences only, so every depth would get the same prompt.
 */
export function checkSentenceBoundaries(file: string, sentences: string[]): void {
    if (sentences.length === 1 && !/[.!?]["'\u201d\u2019)\]]*$/.test(sentences[0]!))
        throw new Error(`no sentence boundary found in haystack file ${file} (a sentence ends with . ! or ? followed by a space and a capital letter or digit): ` +
            "a needle goes between sentences, so every depth would get the same prompt");
}

/**
 * Warnings about a haystack that runs but cannot place needles at every depth apart: fewer
 * sentences than depths, or sentences so long that fewer than that fit in the shortest length.
 * Throws when no sentence fits in even the longest length.
 */
export function haystackWarnings(config: NiahConfig, sentences: string[], name: string): string[] {
    const depths = depthPercents(config).length;
    const lengths = contextLengths(config);
    const shortest = sentences.reduce((min, s) => Math.min(min, s.length), Infinity);
    if (shortest / CHARS_PER_TOKEN > lengths.at(-1)!)
        throw new Error(`no sentence of haystack ${name} fits in the longest length (${lengths.at(-1)} tokens): the shortest has ${shortest} characters`);
    const warnings: string[] = [];
    // RULER's noise haystack is meant to repeat: only a file's count of sentences says something.
    if (config.haystack.type === "files" && sentences.length < depths)
        warnings.push(`haystack ${name} has ${sentences.length} sentence${sentences.length === 1 ? "" : "s"}, fewer than the ${depths} depths asked: ` +
            "it repeats to fill each length, and depths that fall on the same sentence boundary get the same prompt");
    const meanChars = sentences.reduce((sum, s) => sum + s.length + 1, 0) / sentences.length;
    const fit = Math.floor((lengths[0]! * CHARS_PER_TOKEN) / meanChars);
    if (fit + 1 < depths)
        warnings.push(`about ${fit} sentence${fit === 1 ? "" : "s"} of haystack ${name} fit in length ${lengths[0]} (mean ${Math.round(meanChars)} characters each), ` +
            `fewer than the ${depths} depths asked: depths that fall on the same sentence boundary get the same prompt`);
    return warnings;
}
