import {existsSync, readdirSync} from "node:fs";
import path from "node:path";
import {createModelDownloader} from "node-llama-cpp";
import type {AssetRoots} from "../assets/roots.js";
import {assertInside, pathInside, pathSegment} from "../util/paths.js";

/** Parsed `hf:` URI in node-llama-cpp's syntax: `hf:<user>/<repo>/<file path>#<branch>` or `hf:<user>/<repo>:<quant>`. */
export interface HfUri {
    uri: string;
    repo: string;
    branch: string;
    filePath?: string;
    quant?: string;
}

export function parseHfUri(uri: string): HfUri {
    const branch = uri.match(/#(.+)$/)?.[1] ?? "main";
    const body = uri.replace(/^hf:/, "").replace(/#.*$/, "");
    const [withoutQuant, quant] = body.split(":");
    const parts = withoutQuant!.split("/");
    if (parts.length < 2 || parts.some((part) => part === ""))
        throw new Error(`${uri}: not a Hugging Face URI (expected hf:<user>/<repo>/<file.gguf> or hf:<user>/<repo>:<quant>)`);
    return {
        uri,
        repo: parts.slice(0, 2).join("/"),
        branch,
        filePath: parts.length > 2 ? parts.slice(2).join("/") : undefined,
        quant
    };
}

/**
 * Where a download of this URI lands inside an asset root: repo, branch and folders kept, so two
 * URIs never share a file; each part encoded as one path segment (util/paths.ts), so a URI with
 * "../" segments stays inside <root>/models/hf.
 */
export function hfDir(root: string, hf: HfUri): string {
    const folders = hf.filePath ? path.posix.dirname(hf.filePath).split("/").filter((part) => part !== ".") : [];
    return pathInside(path.join(root, "models", "hf"), ...[...hf.repo.split("/"), hf.branch, ...folders].map(pathSegment));
}

/** The file name a download of this URI is saved under (its own name, encoded), when the URI names a file. */
export function hfFileName(hf: HfUri): string | undefined {
    return hf.filePath ? pathSegment(path.posix.basename(hf.filePath)) : undefined;
}

/** A copy of the URI's file already present in any asset root (or the cache), without touching the network. */
export function findDownloaded(assetRoots: AssetRoots, uri: string): string | undefined {
    const hf = parseHfUri(uri);
    for (const root of assetRoots.roots) {
        const dir = hfDir(root, hf);
        if (!existsSync(dir)) continue;
        if (hf.filePath) {
            const candidate = pathInside(dir, hfFileName(hf)!);
            if (existsSync(candidate)) return candidate;
        } else if (hf.quant) {
            const match = readdirSync(dir).find((file) => file.endsWith(".gguf") && file.toUpperCase().includes(hf.quant!.toUpperCase()));
            if (match) return path.join(dir, match);
        }
    }
    return undefined;
}

/** Seconds a download may go without receiving data before it is given up (SLMBENCH_DOWNLOAD_STALL_S). */
function stallSeconds(): number {
    const value = Number(process.env.SLMBENCH_DOWNLOAD_STALL_S);
    return Number.isFinite(value) && value > 0 ? value : 60;
}

/**
 * Fails fast when the Hub cannot be reached at all (offline machine, wrong HF_ENDPOINT): the
 * downloader itself retries connection errors for many minutes.
 */
async function assertReachable(endpoint: string): Promise<void> {
    try {
        await fetch(endpoint, {method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(15_000)});
    } catch (error) {
        const cause = (error as {cause?: {code?: string; message?: string}}).cause;
        throw new Error(`cannot reach ${endpoint} (${cause?.code ?? cause?.message ?? (error as Error).message}): offline? ` +
            "Put the model under <asset root>/models/ or set HF_ENDPOINT to a reachable mirror");
    }
}

/** The Hub node-llama-cpp's downloader will ask: MODEL_ENDPOINT, then HF_ENDPOINT, then huggingface.co (its own order). */
function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
    return env.MODEL_ENDPOINT || env.HF_ENDPOINT || "https://huggingface.co/";
}

/**
 * Downloads an `hf:` URI into the cache through node-llama-cpp's downloader (which honors
 * `HF_ENDPOINT`), with a progress bar on a terminal. Returns the downloaded file's path.
 * A download that receives nothing for SLMBENCH_DOWNLOAD_STALL_S seconds (default 60) is
 * cancelled: the downloader would otherwise retry a failing Hub for many minutes.
 */
export async function downloadHfModel(assetRoots: AssetRoots, uri: string, options: {progress?: boolean} = {}): Promise<string> {
    const hf = parseHfUri(uri);
    const dir = hfDir(assetRoots.cacheDir, hf);
    await assertReachable(hubEndpoint());
    const stallMs = stallSeconds() * 1000;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let giveUp: (error: Error) => void = () => {};
    const stalled = new Promise<never>((_resolve, reject) => (giveUp = reject));
    /** Called whenever data arrives: restarts the stall timer. */
    const activity = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
            abort.abort();
            giveUp(new Error(`no data for ${stallMs / 1000} s: download given up (SLMBENCH_DOWNLOAD_STALL_S sets the wait)`));
        }, stallMs);
        timer.unref();
    };
    activity();
    const download = (async () => {
        const downloader = await createModelDownloader({
            modelUri: uri,
            dirPath: dir,
            // Save under the file's own name, where findDownloaded looks (node-llama-cpp's default name,
            // "hf_<user>_<repo>_<folders>_<file>", would be missed, so every run would ask the Hub again).
            fileName: hfFileName(hf),
            showCliProgress: options.progress ?? Boolean(process.stderr.isTTY),
            onProgress: activity,
            tokens: process.env.HF_TOKEN ? {huggingFace: process.env.HF_TOKEN} : undefined
        });
        activity();
        return downloader.download({signal: abort.signal});
    })();
    try {
        const file = await Promise.race([stalled, download]);
        // The name node-llama-cpp picks for a quant URI comes from the Hub's file list: it must land in the folder too.
        assertInside(dir, file);
        return file;
    } finally {
        clearTimeout(timer);
        download.catch(() => {}); // a given-up download may still settle later
    }
}
