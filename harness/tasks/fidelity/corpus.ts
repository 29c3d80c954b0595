import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {findAsset} from "../../assets/roots.js";
import type {Session} from "../../session/types.js";
import {asciiSafe} from "../shared/ascii-safe.js";
import type {CorpusConfig} from "./config.js";

const NOT_ASCII = /[^\x00-\x7f]/g;

export function resolveCorpusFile(file: string, assetRoots: AssetRoots): string {
    if (existsSync(file)) return path.resolve(file);
    const found = findAsset(assetRoots, "datasets", file);
    if (!found) throw new Error(`corpus file not found: ${file} (looked at ${path.resolve(file)} and under datasets/ in ${assetRoots.roots.join(", ")})`);
    return found;
}

/** Applies the charset, then the whitespace rule (so characters replaced by spaces collapse too). */
export function prepareText(text: string, options: Pick<CorpusConfig, "charset" | "whitespace">): string {
    let out = text;
    if (options.charset === "ascii-safe") out = asciiSafe(out);
    else if (options.charset === "ascii") out = out.replace(NOT_ASCII, " ");
    if (options.whitespace === "collapse") out = out.replace(/\s+/g, " ").trim();
    return out;
}

/** The corpus as the models read it: the files joined by a blank line, prepared. Throws naming a missing or empty file. */
export function loadCorpusText(corpus: CorpusConfig, assetRoots: AssetRoots): string {
    const texts = corpus.files.map((file) => {
        const resolved = resolveCorpusFile(file, assetRoots);
        const text = readFileSync(resolved, "utf8");
        if (text.trim() === "") throw new Error(`corpus file is empty: ${resolved}`);
        return text;
    });
    const prepared = prepareText(texts.join("\n\n"), corpus);
    if (prepared === "") throw new Error(`the corpus is empty after preparing it (charset ${corpus.charset})`);
    return prepared;
}

export function sha256Hex(data: string | Uint8Array): string {
    return createHash("sha256").update(data).digest("hex");
}

export function tokensSha256(tokens: ArrayLike<number>): string {
    return sha256Hex(new Uint8Array(Uint32Array.from(tokens).buffer));
}

/** Tokens dropped at the end of a tokenized prefix: where the text was cut, tokens may merge differently than in the whole text. */
const CUT_MARGIN = 16;

/**
 * The token stream of the corpus: BOS (when the model adds one) and the text's tokens, `maxTokens`
 * in all, as llama-perplexity tokenizes its input. Only a prefix of the text is tokenized (cut at
 * whitespace, grown until it gives enough tokens), so a large corpus costs nothing beyond what is used.
 * Fewer tokens come back when the whole corpus is shorter.
 */
export async function tokenStream(session: Required<Pick<Session, "tokenizeText">>, text: string, maxTokens: number): Promise<{stream: number[]; bos: number | null}> {
    let chars = maxTokens * 6 + 256;
    for (; ;) {
        let end = text.length;
        if (chars < text.length) {
            const space = Math.max(text.lastIndexOf(" ", chars), text.lastIndexOf("\n", chars));
            end = space > chars / 2 ? space : chars;
            if (/[\ud800-\udbff]/.test(text[end - 1]!)) end--; // never split a surrogate pair
        }
        const {tokens, bos} = await session.tokenizeText(text.slice(0, end));
        const wanted = maxTokens - (bos == null ? 0 : 1);
        if (end === text.length || tokens.length >= wanted + CUT_MARGIN)
            return {stream: [...(bos == null ? [] : [bos]), ...tokens.slice(0, wanted)], bos};
        chars *= 2;
    }
}
