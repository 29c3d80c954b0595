/**
 * The word lists that stand in for RULER's (wonderwords nouns/adjectives/verbs and english_words.json):
 * benchmarks/data/ruler-words.json, built by benchmarks/data/build-ruler-words.ts.
 */
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {z} from "zod";

const WORDS_FILE = fileURLToPath(new URL("../../../../benchmarks/data/ruler-words.json", import.meta.url));

const wordList = z.array(z.string().regex(/^[a-z]+$/, "words must be lowercase ASCII letters (non-ASCII text aborts some tokenizers)")).nonempty();
const wordsSchema = z.object({nouns: wordList, adjectives: wordList, verbs: wordList, extended: wordList});

export interface RulerWords {
    nouns: readonly string[];
    adjectives: readonly string[];
    verbs: readonly string[];
    /** cwe's word list: nouns, adjectives and verbs de-duplicated and sorted (RULER then shuffles it once per run). */
    common: readonly string[];
    /** cwe's bigger list for prompts that need more distinct words than `common` holds (RULER's english_words.json). */
    extended: readonly string[];
}

let cached: RulerWords | undefined;

/** Loads and checks the lists once; a broken file is an error naming it. */
export function rulerWords(): RulerWords {
    if (cached) return cached;
    const parsed = wordsSchema.safeParse(JSON.parse(readFileSync(WORDS_FILE, "utf8")));
    if (!parsed.success) throw new Error(`${WORDS_FILE}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    const {nouns, adjectives, verbs, extended} = parsed.data;
    const common = [...new Set([...nouns, ...adjectives, ...verbs])].sort();
    cached = {nouns, adjectives, verbs, common, extended: [...new Set([...common, ...extended])].sort()};
    return cached;
}
