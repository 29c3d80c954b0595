import {existsSync} from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Where models and datasets are looked for, in order. Every root is laid out like
 * `../shared/assets`: a `models/` and a `datasets/` folder.
 *  1. the project's own `./assets` (git-ignored),
 *  2. each folder in env `SLMBENCH_ASSETS` (colon-separated),
 *  3. the download cache (`SLMBENCH_CACHE`, default `~/.cache/slmbench`), where downloads land.
 */
export interface AssetRoots {
    roots: string[];
    cacheDir: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.SLMBENCH_CACHE) return path.resolve(env.SLMBENCH_CACHE);
    const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(xdg, "slmbench");
}

export function resolveAssetRoots(options: {projectDir?: string; extraRoots?: string[]; env?: NodeJS.ProcessEnv} = {}): AssetRoots {
    const env = options.env ?? process.env;
    const projectDir = options.projectDir ?? process.cwd();
    const fromEnv = (env.SLMBENCH_ASSETS ?? "").split(":").filter((entry) => entry.trim() !== "");
    const cacheDir = defaultCacheDir(env);
    const roots = [
        path.join(projectDir, "assets"),
        ...(options.extraRoots ?? []),
        ...fromEnv,
        cacheDir
    ].map((root) => path.resolve(projectDir, root));
    return {roots: [...new Set(roots)], cacheDir};
}

/** First existing `<root>/<kind>/<relative>` over the roots, or undefined. */
export function findAsset(assetRoots: AssetRoots, kind: "models" | "datasets", relative: string): string | undefined {
    for (const root of assetRoots.roots) {
        const candidate = path.join(root, kind, relative);
        if (existsSync(candidate)) return candidate;
    }
    return undefined;
}
