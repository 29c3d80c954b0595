import {existsSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {findAsset} from "../../assets/roots.js";
import {downloadHfModel, findDownloaded} from "../../models/download.js";
import {GgufFacts, readGgufFacts} from "../../models/gguf-info.js";
import {groupLadders, ladderDisplayId} from "../../models/ladder.js";
import {labelCheck, sameTensorGroups} from "../../models/labels.js";
import {Sha256Cache} from "../../models/sha256-cache.js";
import type {ModelInfo} from "../../results/schema.js";
import type {ResolveContext, ResolvedModel, UnresolvedModel} from "../provider.js";
import {QuantizeSpec, quantizedLadder} from "./quantized-ladder.js";

/**
 * How a suite names local GGUF models:
 *  - a path to a `.gguf` file, or to a folder of them (one or more ladders),
 *  - a name relative to the asset roots' `models/` folder ("stories260K"),
 *  - an `hf:` URI (node-llama-cpp syntax), downloaded into the cache when no asset root has it,
 *  - `{asset, download}`: the asset when present, else the download,
 *  - `{quantize: {from, types, imatrix?, tokenEmbeddingType?}}`: a ladder built on demand from one
 *    F32/F16/BF16 file (quantized-ladder.ts).
 */
export type AssetRef = {asset: string; download?: string};
export type LocalModelRef = string | AssetRef | {quantize: QuantizeSpec};

/** What opening a local model needs: where its weights are. */
export interface LocalSettings {
    path: string;
}

interface LocalFile {
    source: string;
    path: string;
    fileName: string;
    bytes: number;
    sha256: string;
    facts: GgufFacts;
}

function refLabel(ref: LocalModelRef): string {
    if (typeof ref === "string") return ref;
    if ("quantize" in ref) return `${refLabel(ref.quantize.from)} quantized to ${ref.quantize.types.join(", ")}`;
    return `${ref.asset}${ref.download ? ` (or ${ref.download})` : ""}`;
}

function ggufFilesIn(dir: string): string[] {
    return readdirSync(dir)
        .filter((file) => file.toLowerCase().endsWith(".gguf"))
        .sort()
        .map((file) => path.join(dir, file));
}

/** Turns one reference into the `.gguf` paths it stands for. Throws with a message saying what to do. */
async function pathsOf(ref: string | AssetRef, options: ResolveContext): Promise<string[]> {
    const {assetRoots} = options;
    if (typeof ref !== "string") {
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

/** A quantize reference's files: its source, then every level found or made; levels that failed are reported apart. */
async function quantizedPaths(spec: QuantizeSpec, options: ResolveContext): Promise<{files: string[]; failures: UnresolvedModel[]}> {
    const sources = await pathsOf(spec.from, options);
    if (sources.length !== 1)
        throw new Error(`quantize.from must name one GGUF file; ${refLabel(spec.from)} holds ${sources.length} (name the F32/F16/BF16 file itself)`);
    const log = options.progress === false ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const ladder = await quantizedLadder(sources[0]!, spec, {assetRoots: options.assetRoots, log});
    return {
        files: [ladder.source, ...ladder.levels.map((level) => level.path)],
        failures: ladder.failures.map((failure) => ({source: `${refLabel(spec.from)} (${failure.type})`, message: `quantizing to ${failure.type} failed: ${failure.message}`}))
    };
}

/**
 * Resolves every reference into model files with their facts, then groups them into ladders
 * (files of several references can form one ladder), each ladder reference first. A reference or
 * file that fails is reported in `unresolved` and the rest go on.
 */
export async function resolveLocalModels(refs: LocalModelRef[], options: ResolveContext): Promise<{models: ResolvedModel<LocalSettings>[]; unresolved: UnresolvedModel[]}> {
    const sha = new Sha256Cache(options.assetRoots.cacheDir);
    const resolved: LocalFile[] = [];
    const unresolved: UnresolvedModel[] = [];
    const seen = new Set<string>();
    for (const ref of refs) {
        let files: string[];
        try {
            if (typeof ref !== "string" && "quantize" in ref) {
                const quantized = await quantizedPaths(ref.quantize, options);
                files = quantized.files;
                unresolved.push(...quantized.failures);
            } else {
                files = await pathsOf(ref, options);
            }
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
                    source: refLabel(ref),
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
    return {models: toModels(resolved), unresolved};
}

function toModels(resolved: LocalFile[]): ResolvedModel<LocalSettings>[] {
    const models: ResolvedModel<LocalSettings>[] = [];
    for (const ladder of groupLadders(resolved).values()) {
        const reference = ladder[0]!;
        const ladderId = ladderDisplayId(reference);
        const same = sameTensorGroups(ladder.map((file) => ({file, fileName: file.fileName, tensorSignature: file.facts.tensorSignature})));
        const sameAs = new Map([...same].map(([entry, names]) => [entry.file, names]));
        for (const file of ladder) {
            const info: ModelInfo = {
                id: `${ladderId}/${file.fileName}`,
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
                ...labelCheck(file.facts.quantLabel, file.facts.tensorTypes),
                ...(sameAs.get(file)!.length > 0 ? {sameTensorsAs: sameAs.get(file)!} : {}),
                hasChatTemplate: file.facts.hasChatTemplate,
                ...(file.facts.memory ? {memory: file.facts.memory} : {}),
                ladder: {
                    id: ladderId,
                    referenceFile: reference.fileName,
                    referenceSha256: reference.sha256,
                    isReference: file === reference,
                    size: ladder.length
                }
            };
            models.push({info, settings: {path: file.path}});
        }
    }
    return models;
}
