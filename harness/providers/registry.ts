import {existsSync, readdirSync} from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";
import hfEndpoint from "./hf-endpoint/index.js";
import hfInference from "./hf-inference/index.js";
import lexical from "./lexical/index.js";
import localGguf from "./local-gguf/index.js";
import openai from "./openai/index.js";
import type {ModelRef, Provider} from "./provider.js";

/**
 * Every provider, one line each, in the order references are matched: prefixed URIs first,
 * local files (paths, asset names, hf: URIs) last. Each index module is light; a provider loads
 * its runtime (node-llama-cpp, the HTTP client) when it opens a model.
 */
const BUILTIN_PROVIDERS: Provider[] = [
    lexical,     // builtin:jaccard
    hfInference, // hf-inference:<org>/<model>[@<provider>]
    hfEndpoint,  // hf-endpoint:<url>[#<model>]
    openai,      // openai:<base url>[#<model>]
    localGguf    // .gguf files, folders of ladders, asset names, hf: URIs
];

/** Extra folders of provider folders, from `SLMBENCH_PROVIDER_DIRS` (colon-separated): how tests and plugins add providers. */
export function providerDirsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
    return (env.SLMBENCH_PROVIDER_DIRS ?? "").split(":").filter((dir) => dir.trim() !== "").map((dir) => path.resolve(dir));
}

const loaded = new Map<string, Promise<Provider[]>>();

/** The providers: those of extra folders (each folder's index.ts default-exports one) before the built-in ones. */
export function loadProviders(extraDirs: string[] = providerDirsFromEnv()): Promise<Provider[]> {
    const key = extraDirs.join("\n");
    let providers = loaded.get(key);
    if (!providers) loaded.set(key, providers = discover(extraDirs));
    return providers;
}

async function discover(dirs: string[]): Promise<Provider[]> {
    const extra: Provider[] = [];
    for (const dir of dirs) {
        if (!existsSync(dir)) throw new Error(`provider folder not found: ${dir}`);
        for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
            const index = path.join(dir, entry.name, "index.ts");
            if (!entry.isDirectory() || !existsSync(index)) continue;
            const provider: Provider = (await import(pathToFileURL(index).href)).default;
            if (!provider?.id || typeof provider.claims !== "function") throw new Error(`${index} does not default-export a provider`);
            extra.push(provider);
        }
    }
    const all = [...extra, ...BUILTIN_PROVIDERS];
    const ids = all.map((provider) => provider.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) throw new Error(`provider id "${twice}" is registered twice`);
    return all;
}

/** The provider a reference belongs to (the first that claims it). */
export function providerOfRef(providers: Provider[], ref: ModelRef): Provider | undefined {
    return providers.find((provider) => provider.claims(ref));
}

export async function providerById(id: string): Promise<Provider> {
    const providers = await loadProviders();
    const provider = providers.find((p) => p.id === id);
    if (!provider) throw new Error(`no provider "${id}" (known: ${providers.map((p) => p.id).join(", ")})`);
    return provider;
}
