import {existsSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {findAsset} from "../../assets/roots.js";
import type {NiahConfig} from "./config.js";
import {checkSentenceBoundaries, readHaystackText} from "./haystack-checks.js";
import type {PlacedNeedle} from "./needles.js";

/** RULER's noise haystack sentence group, repeated as often as needed. */
export const NOISE_TEXT = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

/** Splits text into sentences: the units a haystack is built from and the only places a needle goes. */
export function splitSentences(text: string): string[] {
    return text
        .replace(/\s+/g, " ")
        .split(/(?<=[.!?]["'\u201d\u2019)\]]*)\s+(?=["'\u201c\u2018(\[]*[A-Z0-9])/)
        .map((sentence) => sentence.trim())
        .filter((sentence) => sentence.length > 0);
}

export function resolveHaystackFile(file: string, assetRoots: AssetRoots): string {
    if (existsSync(file)) return path.resolve(file);
    const found = findAsset(assetRoots, "datasets", file);
    if (!found) throw new Error(`haystack file not found: ${file} (looked at ${path.resolve(file)} and under datasets/ in ${assetRoots.roots.join(", ")})`);
    return found;
}

/** The sentences of the configured haystack; throws naming the file when one is missing or empty. */
export function loadHaystackSentences(haystack: NiahConfig["haystack"], assetRoots: AssetRoots): string[] {
    if (haystack.type === "noise") return splitSentences(NOISE_TEXT);
    const sentences: string[] = [];
    for (const file of haystack.files) {
        const resolved = resolveHaystackFile(file, assetRoots);
        const fileSentences = splitSentences(readHaystackText(resolved));
        if (fileSentences.length === 0) throw new Error(`haystack file is empty: ${resolved}`);
        checkSentenceBoundaries(resolved, fileSentences);
        sentences.push(...fileSentences);
    }
    return sentences;
}

/** A sized haystack: `count` sentences from `offset` (wrapping round, so short texts repeat) with their token counts. */
export interface SizedHaystack {
    sentences: string[];
    /** Token count of each sentence, for placing needles by token depth. */
    tokens: number[];
}

/**
 * Where the depth-following needle goes: the last sentence boundary at or before depth% of the
 * haystack's tokens (the original test walks back to a sentence end the same way).
 */
export function boundaryForDepth(tokens: number[], depth: number): number {
    if (depth >= 100) return tokens.length;
    const total = tokens.reduce((sum, n) => sum + n, 0);
    const target = (total * depth) / 100;
    let cumulative = 0;
    for (let i = 0; i < tokens.length; i++) {
        if (cumulative + tokens[i]! > target) return i;
        cumulative += tokens[i]!;
    }
    return tokens.length;
}

/** Joins haystack sentences with the needles placed: the first queried needle at `depth`, the others at their fractions. */
export function assembleContext(haystack: SizedHaystack, needles: PlacedNeedle[], depth: number, options: {omitQueried?: boolean} = {}): string {
    return placeNeedles(haystack, needles, depth, options).text;
}

/**
 * The context with its needles, and where the depth-following needle landed: the sentence
 * boundary, the character offset in the context and the haystack tokens before it.
 */
export function placeNeedles(haystack: SizedHaystack, needles: PlacedNeedle[], depth: number, options: {omitQueried?: boolean} = {}) {
    const n = haystack.sentences.length;
    const at: string[][] = Array.from({length: n + 1}, () => []);
    const depthBoundary = boundaryForDepth(haystack.tokens, depth);
    let depthNeedle: string | undefined;
    let depthNeedlePlaced = false;
    for (const needle of needles) {
        const followsDepth = needle.fraction == null && !depthNeedlePlaced;
        if (followsDepth) depthNeedlePlaced = true;
        if (options.omitQueried && needle.queried) continue;
        const boundary = followsDepth ? depthBoundary : Math.round((needle.fraction ?? 0) * n);
        if (followsDepth) depthNeedle = needle.text;
        at[boundary]!.push(needle.text);
    }
    const pieces: string[] = [];
    let needleAt = -1;
    let chars = 0;
    for (let i = 0; i <= n; i++) {
        for (const text of at[i]!) {
            if (text === depthNeedle && i === depthBoundary && needleAt < 0) needleAt = chars + (pieces.length > 0 ? 1 : 0);
            chars += (pieces.length > 0 ? 1 : 0) + text.length;
            pieces.push(text);
        }
        if (i < n) {
            chars += (pieces.length > 0 ? 1 : 0) + haystack.sentences[i]!.length;
            pieces.push(haystack.sentences[i]!);
        }
    }
    const tokensBefore = haystack.tokens.slice(0, depthBoundary).reduce((sum, t) => sum + t, 0);
    const totalTokens = haystack.tokens.reduce((sum, t) => sum + t, 0);
    return {text: pieces.join(" "), boundary: depthBoundary, needleAt: needleAt < 0 ? null : needleAt, tokensBefore, totalTokens};
}

/** Sentences from `offset`, wrapping round. */
export function takeSentences(all: string[], offset: number, count: number): string[] {
    return Array.from({length: count}, (_, i) => all[(offset + i) % all.length]!);
}
