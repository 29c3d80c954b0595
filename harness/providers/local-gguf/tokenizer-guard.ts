import {writeSync} from "node:fs";
import {unsafeTextLine} from "../../util/tokenizer-hints.js";

/**
 * Which characters a GGUF's tokenizer cannot encode, where the vocabulary says so: a
 * SentencePiece-style ("llama") tokenizer encodes a character it has no token for through byte
 * tokens (<0xNN>), and llama.cpp aborts the whole process (std::out_of_range) when those are
 * missing too (TinyStories-656K: no byte tokens at all). Other tokenizer types (byte-level BPE,
 * WordPiece with [UNK]) encode anything: no check.
 */
export function unsafeCharacterCheck(metadata: unknown): ((text: string) => string[]) | undefined {
    const ggml = (metadata as {tokenizer?: {ggml?: {model?: unknown; tokens?: unknown}}})?.tokenizer?.ggml;
    if (ggml?.model !== "llama" || !Array.isArray(ggml.tokens)) return undefined;
    const singles = new Set<string>();
    const bytes = new Set<number>();
    for (const token of ggml.tokens as string[]) {
        if (typeof token !== "string") continue;
        const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
        if (byte) bytes.add(parseInt(byte[1]!, 16));
        else if ([...token].length === 1) singles.add(token === "\u2581" ? " " : token);
    }
    if (bytes.size === 256) return undefined;
    const known = new Map<string, boolean>();
    const safe = (char: string) => {
        let ok = known.get(char);
        if (ok === undefined) {
            ok = singles.has(char) || [...Buffer.from(char, "utf8")].every((b) => bytes.has(b));
            known.set(char, ok);
        }
        return ok;
    };
    return (text) => {
        const found: string[] = [];
        for (const char of text) if (!safe(char) && !found.includes(char)) found.push(char);
        return found;
    };
}

/**
 * Before texts go to the tokenizer: when one holds characters the tokenizer cannot encode, one
 * stderr line says so (written synchronously, so it is out before a native abort), for the run
 * to name them if the process dies. Nothing is written for texts the tokenizer can encode.
 */
export class TokenizerGuard {
    private readonly check: ((text: string) => string[]) | undefined;

    constructor(metadata: unknown, private readonly fd = 2) {
        this.check = unsafeCharacterCheck(metadata);
    }

    note(texts: readonly string[]): void {
        if (!this.check) return;
        for (const text of texts) {
            const chars = this.check(text);
            if (chars.length === 0) continue;
            writeSync(this.fd, unsafeTextLine({chars, text}));
            return;
        }
    }
}
