/**
 * Ladders built on demand: `{quantize: {from, types, imatrix?, tokenEmbeddingType?}}` names one
 * F32/F16/BF16 GGUF file and the levels wanted from it. Each level is, in this order:
 *  1. a file beside the source with the ladder's name for that level (`stories260K-F32.gguf` ->
 *     `stories260K-Q4_K_M.gguf`), when the entry asks for llama.cpp's defaults (no imatrix, no
 *     token-embedding type) and the file is that level of the same model (its label is the type;
 *     architecture, name and parameter count match the source's): an existing ladder is used as is;
 *  2. a file made earlier in the cache, `<cache>/quantized/<source sha256>-<llama.cpp build>[-<options>]/`;
 *  3. else made now with the project's quantizer (one child process per type) into that folder.
 * The source is the ladder's reference; the levels must lie below it.
 */
import {existsSync, statSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {GgufFacts, readGgufFacts} from "../../models/gguf-info.js";
import {ladderKey, precisionRank} from "../../models/ladder.js";
import {sha256OfFile, Sha256Cache} from "../../models/sha256-cache.js";
import {ladderFileName} from "./quantize/quantize.js";
import {parseQuantTypes, parseTensorType, QuantType, SOURCE_TENSOR_TYPES} from "./quantize/types.js";

export interface QuantizeSpec {
    /** The source file: a path, an asset name, an hf: URI, or {asset, download}. */
    from: string | {asset: string; download?: string};
    /** Levels to build ("Q8_0", "Q4_K_M", ...), as `npm run quantize --types` takes them. */
    types: string[];
    /** Importance matrix file (GGUF or legacy .dat). */
    imatrix?: string;
    /** ggml type forced on token_embd.weight, or "match" (each level's base type). */
    tokenEmbeddingType?: string;
}

export interface QuantizedLadder {
    source: string;
    /** Level files in the order of `types` (levels that could not be made are left out). */
    levels: {type: string; path: string; origin: "beside the source" | "cache" | "made"}[];
    /** Levels that could not be made, with llama.cpp's reason. */
    failures: {type: string; message: string}[];
}

/** Checks a spec's types against the source's precision (its label, which readGgufFacts takes from the tensors when the file has none): the source stays the reference. Throws naming the type. */
export function checkLevels(types: QuantType[], source: {quantLabel: string; fileName: string}): void {
    for (const type of types)
        if (precisionRank(type.name) <= precisionRank(source.quantLabel))
            throw new Error(`quantize.types: ${type.name} is not below the source's precision (${source.fileName} is ${source.quantLabel}); ` +
                "the source is the ladder's reference, so every level must be a lower precision");
}

/** The llama.cpp build a quantized file depends on: the bundled libllama's release (or "custom-<sha>" for SLMBENCH_LIBLLAMA). */
async function llamaCppBuild(): Promise<string> {
    const {findLibllama} = await import("./quantize/ffi.js");
    const found = findLibllama();
    if (process.env.SLMBENCH_LIBLLAMA) return `custom-${(await sha256OfFile(found.libllama)).slice(0, 12)}`;
    return found.release ?? "unknown";
}

/** `<cache>/quantized/<source sha256 (16)>-<build>[-imatrix-<sha (12)>][-embd-<type>]`: one folder per source, build and options. */
async function cacheFolder(assetRoots: AssetRoots, sourceSha256: string, spec: QuantizeSpec): Promise<string> {
    const parts = [sourceSha256.slice(0, 16), await llamaCppBuild()];
    if (spec.imatrix) parts.push(`imatrix-${(await sha256OfFile(spec.imatrix)).slice(0, 12)}`);
    if (spec.tokenEmbeddingType) parts.push(`embd-${spec.tokenEmbeddingType.trim().toUpperCase()}`);
    return path.join(assetRoots.cacheDir, "quantized", parts.join("-").replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** An existing file that holds this level of the source's model, judged by its header. */
async function holdsLevel(file: string, type: QuantType, sourceFacts: GgufFacts): Promise<boolean> {
    if (!existsSync(file) || !statSync(file).isFile()) return false;
    try {
        const facts = await readGgufFacts(file);
        return facts.quantLabel.toUpperCase() === type.name && ladderKey(facts) === ladderKey(sourceFacts);
    } catch {
        return false;
    }
}

/**
 * The levels of a spec for one source file: found beside it, found in the cache, or made now.
 * Messages about what is made go to `log` (stderr in a run).
 */
export async function quantizedLadder(source: string, spec: QuantizeSpec, context: {assetRoots: AssetRoots; log?: (line: string) => void}): Promise<QuantizedLadder> {
    const types = parseQuantTypes(spec.types);
    if (spec.tokenEmbeddingType && spec.tokenEmbeddingType.trim().toLowerCase() !== "match") parseTensorType(spec.tokenEmbeddingType);
    const sourceFacts = await readGgufFacts(source);
    const fileName = path.basename(source);
    const quantized = Object.keys(sourceFacts.tensorTypes).filter((type) => !SOURCE_TENSOR_TYPES.has(type));
    if (quantized.length > 0)
        throw new Error(`quantize.from: ${source} is already quantized (${quantized.join(", ")} tensors): a ladder is made from an F32, F16 or BF16 file`);
    checkLevels(types, {quantLabel: sourceFacts.quantLabel, fileName});
    const defaults = !spec.imatrix && !spec.tokenEmbeddingType;
    const sourceSha256 = await new Sha256Cache(context.assetRoots.cacheDir).hashFile(source);
    const folder = await cacheFolder(context.assetRoots, sourceSha256, spec);

    const levels: QuantizedLadder["levels"] = [];
    const missing: QuantType[] = [];
    for (const type of types) {
        const beside = path.join(path.dirname(source), ladderFileName(fileName, type.name));
        const cached = path.join(folder, ladderFileName(fileName, type.name));
        if (defaults && beside !== source && await holdsLevel(beside, type, sourceFacts)) levels.push({type: type.name, path: beside, origin: "beside the source"});
        else if (await holdsLevel(cached, type, sourceFacts)) levels.push({type: type.name, path: cached, origin: "cache"});
        else missing.push(type);
    }
    const failures: QuantizedLadder["failures"] = [];
    if (missing.length > 0) {
        const {quantizeLadder} = await import("./quantize/quantize.js");
        context.log?.(`quantizing ${fileName} to ${missing.map((t) => t.name).join(", ")} into ${folder}`);
        // force: a level another process finished meanwhile is replaced by an identical file (renamed into place whole).
        const {results} = await quantizeLadder({
            input: source, types: missing.map((t) => t.name), outDir: folder, imatrix: spec.imatrix,
            tokenEmbeddingType: spec.tokenEmbeddingType, force: true
        });
        for (const result of results) {
            if (result.ok) {
                levels.push({type: result.type, path: result.output, origin: "made"});
                context.log?.(`  ${result.type}: ${result.bitsPerWeight!.toFixed(2)} bits per weight, ${(result.quantizeMs! / 1000).toFixed(1)} s`);
            } else {
                failures.push({type: result.type, message: result.error ?? "failed"});
                context.log?.(`  ${result.type}: failed: ${result.error}`);
            }
        }
    }
    const order = new Map(types.map((type, index) => [type.name, index]));
    levels.sort((a, b) => order.get(a.type)! - order.get(b.type)!);
    return {source, levels, failures};
}
