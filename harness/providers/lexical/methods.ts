import {createHash} from "node:crypto";

/** Lower-cased words: runs of a-z, 0-9 and apostrophes. */
export function wordSet(text: string): Set<string> {
    return new Set(text.toLowerCase().match(/[a-z0-9']+/g) ?? []);
}

/** Jaccard overlap of the two sentences' word sets; 0 when both have no words. */
export function jaccard(a: string, b: string): number {
    const setA = wordSet(a), setB = wordSet(b);
    let shared = 0;
    for (const word of setA) if (setB.has(word)) shared++;
    const union = setA.size + setB.size - shared;
    return union === 0 ? 0 : shared / union;
}

export interface LexicalMethod {
    name: string;
    /** The method in words: its sha256 identifies it like a model file's hash does (change the words when the code changes). */
    definition: string;
    similarity(a: string, b: string): number;
}

/** Built-in lexical "models": baselines that need no weights. */
export const LEXICAL_METHODS: Record<string, LexicalMethod> = {
    jaccard: {
        name: "jaccard",
        definition: "slmbench lexical jaccard v1: words = matches of /[a-z0-9']+/g in the lower-cased sentence, as sets; " +
            "similarity = |A and B| / |A or B|, 0 when both sets are empty",
        similarity: jaccard
    }
};

export function methodSha256(method: LexicalMethod): string {
    return createHash("sha256").update(method.definition).digest("hex");
}
