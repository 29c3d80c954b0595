import {existsSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import type {AssetRoots} from "../../harness/assets/roots.js";
import {resolveAssetRoots} from "../../harness/assets/roots.js";

export const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The shared asset root tests run against (SLMBENCH_ASSETS, else ../shared/assets beside the project). */
export const SHARED_ASSETS = path.resolve(PROJECT_DIR, process.env.SLMBENCH_ASSETS?.split(":")[0] || "../shared/assets");
if (!existsSync(path.join(SHARED_ASSETS, "models")))
    throw new Error(`tests need the tiny models: no models/ folder in ${SHARED_ASSETS} (set SLMBENCH_ASSETS)`);

export const MODELS = path.join(SHARED_ASSETS, "models");
export const tinyStories = (quant: string) => path.join(MODELS, "tinystories-656k", `TinyStories-656K-${quant}.gguf`);
export const stories260K = (quant: string) => path.join(MODELS, "stories260K", `stories260K-${quant}.gguf`);

/** Asset roots for a test: the shared assets plus a private cache directory. */
export function testAssetRoots(cacheDir: string): AssetRoots {
    return resolveAssetRoots({projectDir: PROJECT_DIR, env: {SLMBENCH_ASSETS: SHARED_ASSETS, SLMBENCH_CACHE: cacheDir}});
}
