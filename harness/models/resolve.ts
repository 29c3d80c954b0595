import {existsSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../assets/roots.js";
import {findAsset} from "../assets/roots.js";
import type {ModelInfo} from "../results/schema.js";
import {resolveBuiltinModels} from "./builtin.js";
import {downloadHfModel, findDownloaded} from "./download.js";
import {applyHostedReferences, HostedModelRef, resolveHostedModels} from "./hosted.js";
import {GgufFacts, readGgufFacts} from "./gguf-info.js";
import {groupLadders, ladderDisplayId} from "./ladder.js";
import {Sha256Cache} from "./sha256-cache.js";

/**
 * How a suite names models:
 *  - a path to a `.gguf` file, or to a folder of them (one or more ladders),
 *  - a name relative to the asset roots' `models/` folder ("stories260K"),
 *  - an `hf:` URI (node-llama-cpp syntax), downloaded into the cache when no asset root has it,
 *  - `{asset, download}`: the asset when present, else the download,
 *  - a hosted model: `hf-inference:`, `hf-endpoint:` or `openai:` URI, or `{hosted, ...}` (hosted.ts).
 */
export type ModelRef = string | {asset: string; download?: string} | HostedModelRef;

export interface ResolvedModel {
    source: string;
    path: string;
    fileName: string;
    bytes: number;
    sha256: string;
    facts: GgufFacts;
}

/** A model reference that could not be turned into files; the run reports it and goes on. */
export interface UnresolvedModel {
    source: string;
    message: string;
}

export interface ResolveOptions {
    assetRoots: AssetRoots;
    /** Allow downloads of `hf:` URIs. Default true. */
    allowDownload?: boolean;
    progress?: boolean;
}

function refLabel(ref: ModelRef): string {
    if (typeof ref !== "string" && "hosted" in ref) return ref.hosted;
    return typeof ref === "string" ? ref : `${ref.asset}${ref.download ? ` (or ${ref.download})` : ""}`;
}

function ggufFilesIn(dir: string): string[] {
    return readdirSync(dir)
        .filter((file) => file.toLowerCase().endsWith(".gguf"))
        .sort()
        .map((file) => path.join(dir, file));
}

/** Turns one reference into the `.gguf` paths it stands for. Throws with a message saying what to do. */
async function pathsOf(ref: ModelRef, options: ResolveOptions): Promise<string[]> {
    const {assetRoots} = options;
    if (typeof ref !== "string") {
        if ("hosted" in ref) throw new Error(`${ref.hosted}: hosted models are resolved by hosted.ts`);
        const asset = findAsset(assetRoots, "models", ref.asset);
        if (asset) return pathsOf(asset, options);
        if (ref.download) return pathsOf(ref.download, options);
        throw new Error(`model "${ref.asset}" is in none of the asset roots (${assetRoots.roots.join(", ")}); ` +
            `put it under <root>/models/${ref.asset} or add its root to SLMBENCH_ASSETS`);
    }
    if (ref.startsWith("hf:")) {
        const local = findDownloaded(assetRoots, ref);
        if (local) return [local];
        if (options.allowDownload === false) throw new Error(`${ref} is not downloaded and downloads are off`);
        try {
            return [await downloadHfModel(assetRoots, ref, {progress: options.progress})];
        } catch (error) {
            throw new Error(`download of ${ref} failed: ${(error as Error).message}`);
        }
    }
    const candidate = existsSync(ref) ? ref : findAsset(assetRoots, "models", ref);
    if (!candidate) {
        // An absolute path is a file the user named, not an asset: no "models//abs/path" hint.
        if (path.isAbsolute(ref)) throw new Error(`model path not found: ${ref} (no such file or folder)`);
        throw new Error(`model path not found: ${ref} (looked at ${path.resolve(ref)} and under models/ in ` +
            `${assetRoots.roots.join(", ")}; set SLMBENCH_ASSETS to a folder holding models/${ref})`);
    }
    if (statSync(candidate).isDirectory()) {
        const files = ggufFilesIn(candidate);
        if (files.length === 0) throw new Error(`${candidate}: folder holds no .gguf files`);
        return files;
    }
    return [candidate];
}

/**
 * Resolves every reference into model files with their facts, then groups them into ladders.
 * A reference or file that fails is reported in `unresolved` and the rest go on.
 */
export async function resolveModels(refs: ModelRef[], options: ResolveOptions): Promise<{models: ModelInfo[]; paths: Map<string, string>; unresolved: UnresolvedModel[]}> {
    const sha = new Sha256Cache(options.assetRoots.cacheDir);
    const resolved: ResolvedModel[] = [];
    const unresolved: UnresolvedModel[] = [];
    const seen = new Set<string>();
    const builtin = resolveBuiltinModels(refs); // builtin:* models (no files), see builtin.ts
    const hosted = resolveHostedModels(builtin.rest); // hf-inference:/hf-endpoint:/openai: models, see hosted.ts
    for (const ref of hosted.rest) {
        let files: string[];
        try {
            files = await pathsOf(ref, options);
        } catch (error) {
            unresolved.push({source: refLabel(ref), message: (error as Error).message});
            continue;
        }
        for (const file of files) {
            const absolute = path.resolve(file);
            if (seen.has(absolute)) continue;
            seen.add(absolute);
            try {
                const facts = await readGgufFacts(absolute);
                resolved.push({
                    source: typeof ref === "string" ? ref : refLabel(ref),
                    path: absolute,
                    fileName: path.basename(absolute),
                    bytes: statSync(absolute).size,
                    sha256: await sha.hashFile(absolute),
                    facts
                });
            } catch (error) {
                unresolved.push({source: absolute, message: (error as Error).message});
            }
        }
    }
    const files = toModelInfos(resolved);
    return {models: [...applyHostedReferences(files.models, hosted.models), ...builtin.models], paths: files.paths, unresolved: [...builtin.unresolved, ...hosted.unresolved, ...unresolved]};
}

function toModelInfos(resolved: ResolvedModel[]): {models: ModelInfo[]; paths: Map<string, string>} {
    const models: ModelInfo[] = [];
    const paths = new Map<string, string>();
    for (const ladder of groupLadders(resolved).values()) {
        const reference = ladder[0]!;
        const ladderId = ladderDisplayId(reference);
        for (const file of ladder) {
            const id = `${ladderId}/${file.fileName}`;
            paths.set(id, file.path);
            models.push({
                id,
                provider: "local-gguf",
                source: file.source,
                fileName: file.fileName,
                path: file.path,
                sha256: file.sha256,
                bytes: file.bytes,
                architecture: file.facts.architecture,
                name: file.facts.name,
                parameters: file.facts.parameters,
                contextLength: file.facts.contextLength,
                quantLabel: file.facts.quantLabel,
                tensorTypes: file.facts.tensorTypes,
                bitsPerWeight: file.facts.bitsPerWeight,
                hasChatTemplate: file.facts.hasChatTemplate,
                ...(file.facts.memory ? {memory: file.facts.memory} : {}),
                ladder: {
                    id: ladderId,
                    referenceFile: reference.fileName,
                    referenceSha256: reference.sha256,
                    isReference: file === reference,
                    size: ladder.length
                }
            });
        }
    }
    return {models, paths};
}
