import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {findAsset} from "../../assets/roots.js";
import {asciiSafe} from "../shared/ascii-safe.js";
import {essayWords} from "../shared/ruler/essay.js";

export function resolveEssayFile(file: string, assetRoots: AssetRoots): string {
    if (existsSync(file)) return path.resolve(file);
    const found = findAsset(assetRoots, "datasets", file);
    if (!found) throw new Error(`essay file not found: ${file} (looked at ${path.resolve(file)} and under datasets/ in ${assetRoots.roots.join(", ")})`);
    return found;
}

/**
 * The essay haystack's words: the files joined, made ascii-safe (characters some tokenizers abort
 * on become spaces, so every model reads the same text), split on whitespace as RULER splits its
 * essays. Throws naming a missing or empty file.
 */
export function loadEssayWords(files: readonly string[], assetRoots: AssetRoots): string[] {
    const texts = files.map((file) => {
        const resolved = resolveEssayFile(file, assetRoots);
        const text = readFileSync(resolved, "utf8");
        if (text.trim() === "") throw new Error(`essay file is empty: ${resolved}`);
        return text;
    });
    const cleaned = asciiSafe(texts.join("\n\n")).trim();
    if (cleaned === "") throw new Error(`the essay haystack has no ascii-safe text: ${files.join(", ")}`);
    return essayWords(cleaned);
}
