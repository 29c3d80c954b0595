// Downloads of `hf:` model URIs against a fake Hugging Face Hub on 127.0.0.1.
//
// What node-llama-cpp 3.21.1's createModelDownloader (through ipull 3.9) asks a Hub for an
// `hf:<user>/<repo>/<file>.gguf` URI, as read from its source and seen by this server:
//  1. GET <endpoint><user>/<repo>/resolve/main/<file>?download=true (no HEAD: ipull reads size and
//     Accept-Ranges from a GET whose body it never reads), following the Hub's 302 to the file's CDN URL;
//  2. GET <CDN URL> with `Range: bytes=0-<size-1>` (one 5 MiB chunk; a 206 with Content-Range is expected).
// `hf:<user>/<repo>:<quant>` URIs first GET <endpoint>v2/<user>/<repo>/manifests/<quant>.
// A 404 on step 1 is ignored by ipull (it takes it for a server without HEAD) and the 404 of the
// download GET that follows is the error. The endpoint comes from MODEL_ENDPOINT, else HF_ENDPOINT.
import {createHash} from "node:crypto";
import {createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {pipeline} from "node:stream";
import {fileURLToPath} from "node:url";
import {afterAll, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {resolveAssetRoots} from "../../harness/assets/roots.js";
import {parseSuite} from "../../harness/run/suite.js";
import {findDownloaded} from "../../harness/models/download.js";
import {resolveModels} from "../helpers/resolve.js";
import {readResultDocument} from "../../harness/results/write.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {cliEnv, runCli as runCliProcess} from "../helpers/cli.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED_ASSETS = path.resolve(REPO, "../shared/assets");
const SERVED_FILE = path.join(SHARED_ASSETS, "models/stories260K/stories260K-F32.gguf");
const SERVED_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const SERVED_BYTES = 1185376;
const Q8_SHA256 = "ff8701a45da28293b7af11a695ab33575b692e9b109a2eae6238c906c31415da";

const URI = "hf:ggml-org/models/tinyllamas/stories260K.gguf";
const RESOLVE_PATH = "/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf";
const CDN_PATH = `/cdn-lfs/ggml-org/models/${SERVED_SHA256}`;
const MISSING_REPO_URI = "hf:nobody/missing-repo/model.gguf";
const MISSING_QUANT_URI = "hf:nobody/missing-repo:Q4_K_M";
const MISSING_FILE_URI = "hf:ggml-org/models/tinyllamas/no-such-file.gguf";

/** Tiny NIAH: one length, two depths, four generated tokens, no data files. */
const TINY_NIAH = {type: "niah", id: "niah-tiny", lengths: [256], depths: [0, 100], maxNewTokens: 4, haystack: {type: "noise"}, mainScore: "lift"};

interface Hit {
    method: string;
    path: string;
    query: string;
    range?: string;
    remote?: string;
}

interface FakeHub {
    url: string;
    hits: Hit[];
    close(): Promise<void>;
}

/**
 * A Hub serving one repo file: its resolve URL redirects (302) to a CDN URL, as the real Hub does
 * for LFS files, and the CDN URL serves the bytes with Range support. Anything else: 404.
 */
async function startFakeHub(): Promise<FakeHub> {
    const hits: Hit[] = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        hits.push({method: req.method ?? "", path: url.pathname, query: url.search, range: req.headers.range, remote: req.socket.remoteAddress});
        if (req.method !== "GET" && req.method !== "HEAD") {
            res.writeHead(405).end();
            return;
        }
        if (url.pathname === RESOLVE_PATH) {
            const {port} = server.address() as AddressInfo;
            res.writeHead(302, {
                location: `http://127.0.0.1:${port}${CDN_PATH}?filename=stories260K.gguf`,
                "x-repo-commit": "0123456789abcdef0123456789abcdef01234567",
                "x-linked-etag": `"${SERVED_SHA256}"`,
                "x-linked-size": String(SERVED_BYTES),
                "content-length": "0"
            }).end();
            return;
        }
        if (url.pathname === CDN_PATH) {
            const common = {
                "accept-ranges": "bytes",
                "content-type": "application/octet-stream",
                "content-disposition": "attachment; filename*=UTF-8''stories260K.gguf; filename=\"stories260K.gguf\";",
                etag: `"${SERVED_SHA256}"`
            };
            let start = 0;
            let end = SERVED_BYTES - 1;
            const range = req.headers.range?.match(/^bytes=(\d*)-(\d*)$/);
            if (req.headers.range && !range) {
                res.writeHead(416, {"content-range": `bytes */${SERVED_BYTES}`}).end();
                return;
            }
            if (range) {
                if (range[1] === "") start = Math.max(0, SERVED_BYTES - Number(range[2]));
                else {
                    start = Number(range[1]);
                    if (range[2] !== "") end = Math.min(end, Number(range[2]));
                }
                if (start > end || start >= SERVED_BYTES) {
                    res.writeHead(416, {"content-range": `bytes */${SERVED_BYTES}`}).end();
                    return;
                }
                res.writeHead(206, {...common, "content-length": String(end - start + 1), "content-range": `bytes ${start}-${end}/${SERVED_BYTES}`});
            } else {
                res.writeHead(200, {...common, "content-length": String(SERVED_BYTES)});
            }
            if (req.method === "HEAD") {
                res.end();
                return;
            }
            // pipeline: a client that never reads the body (ipull's size probe) and hangs up destroys the file stream too.
            pipeline(createReadStream(SERVED_FILE, {start, end}), res, () => {});
            return;
        }
        res.writeHead(404, {"content-type": "application/json", "x-error-code": "RepoNotFound"})
            .end(JSON.stringify({error: "Repository not found"}));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const {port} = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        hits,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        })
    };
}

const madeDirs: string[] = [];
function tempDir(label: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), `slmbench-download-${label}-`));
    madeDirs.push(dir);
    return dir;
}

function sha256Of(file: string): string {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Every result document (not the journal) under a folder. */
/** Result documents under a folder (a run's errors.json, naming models that did not resolve, is none). */
function resultFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return (readdirSync(dir, {recursive: true}) as string[])
        .filter((file) => file.endsWith(".json") && path.basename(file) !== "errors.json")
        .map((file) => path.join(dir, file))
        .sort();
}

/** The CLI with the given environment on top of this one's (the fake Hub lives in this process). */
function runCli(args: string[], env: Record<string, string | undefined>) {
    return runCliProcess(args, cliEnv(env));
}

describe("hf: model downloads from a fake Hugging Face Hub", () => {
    let hub: FakeHub;
    const savedEnv: Record<string, string | undefined> = {};
    /** Env for the code under test: the fake Hub, no token, nothing of the user's cache. */
    let hubEnv: Record<string, string | undefined>;

    beforeAll(async () => {
        hub = await startFakeHub();
        hubEnv = {
            HF_ENDPOINT: hub.url,
            MODEL_ENDPOINT: undefined, // node-llama-cpp prefers it over HF_ENDPOINT
            HF_TOKEN: undefined,
            HF_TOKEN_PATH: path.join(tempDir("no-token"), "token"), // never read a real token file
            SLMBENCH_CACHE: tempDir("unused-cache"),
            SLMBENCH_ASSETS: undefined
        };
        for (const [key, value] of Object.entries(hubEnv)) {
            savedEnv[key] = process.env[key];
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    });

    afterAll(async () => {
        for (const [key, value] of Object.entries(savedEnv)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        await hub?.close();
    });

    beforeEach(() => {
        hub.hits.length = 0;
    });

    /** Asset roots of an empty project with this cache and these extra roots (no ../shared unless given). */
    function rootsWith(cacheDir: string, assets?: string) {
        return resolveAssetRoots({projectDir: tempDir("project"), env: {SLMBENCH_CACHE: cacheDir, SLMBENCH_ASSETS: assets}});
    }

    it("downloads an hf: URI into the cache with the right bytes, and a second resolve asks the Hub nothing", async () => {
        const cacheDir = tempDir("cache");
        const assetRoots = rootsWith(cacheDir);

        const first = await resolveModels([URI], {assetRoots, progress: false});
        expect(first.unresolved).toEqual([]);
        expect(first.models).toHaveLength(1);
        const model = first.models[0]!;
        const expectedPath = path.join(cacheDir, "models", "hf", "ggml-org", "models", "main", "tinyllamas", "stories260K.gguf");
        expect(model.path).toBe(expectedPath);
        expect(model.source).toBe(URI);
        expect(statSync(expectedPath).size).toBe(SERVED_BYTES);
        expect(sha256Of(expectedPath)).toBe(SERVED_SHA256);
        expect(model.sha256).toBe(SERVED_SHA256);
        expect(model.bytes).toBe(SERVED_BYTES);
        expect(model.architecture).toBe("llama");
        // Only the finished file is left: no ipull progress file, no node-llama-cpp "hf_..." name.
        expect(readdirSync(path.dirname(expectedPath))).toEqual(["stories260K.gguf"]);
        expect(findDownloaded(assetRoots, URI)).toBe(expectedPath);

        // It really went through the Hub: resolve URL, then the redirect target, all on 127.0.0.1.
        expect(hub.hits.some((hit) => hit.method === "GET" && hit.path === RESOLVE_PATH && hit.query.includes("download=true"))).toBe(true);
        expect(hub.hits.some((hit) => hit.path === CDN_PATH)).toBe(true);
        expect(hub.hits.every((hit) => hit.remote === "127.0.0.1" || hit.remote === "::ffff:127.0.0.1")).toBe(true);

        const hitsAfterFirst = hub.hits.length;
        const second = await resolveModels([URI], {assetRoots, progress: false});
        expect(hub.hits.length).toBe(hitsAfterFirst);
        expect(second.unresolved).toEqual([]);
        expect(second.models.map((m) => [m.path, m.sha256])).toEqual([[expectedPath, SERVED_SHA256]]);
    });

    it("reports a URI the Hub answers 404 as unresolved, naming the URI, and resolves the rest", async () => {
        const cacheDir = tempDir("cache");
        const assetRoots = rootsWith(cacheDir, SHARED_ASSETS);
        const local = "stories260K/stories260K-Q8_0.gguf";

        const {models, unresolved} = await resolveModels([MISSING_REPO_URI, MISSING_QUANT_URI, MISSING_FILE_URI, local], {assetRoots, progress: false});
        expect(models.map((m) => m.fileName)).toEqual(["stories260K-Q8_0.gguf"]);
        expect(unresolved.map((u) => u.source)).toEqual([MISSING_REPO_URI, MISSING_QUANT_URI, MISSING_FILE_URI]);
        for (const entry of unresolved) expect(entry.message).toContain(`download of ${entry.source} failed`);
        expect(unresolved[0]!.message).toMatch(/404/);
        expect(unresolved[1]!.message).toContain("does not exist");
        expect(unresolved[2]!.message).toMatch(/404/);
        expect(hub.hits.some((hit) => hit.path === "/v2/nobody/missing-repo/manifests/Q4_K_M")).toBe(true);
        // A failed download leaves no file a later run could take for the model.
        expect((readdirSync(cacheDir, {recursive: true}) as string[]).filter((file) => file.endsWith(".gguf"))).toEqual([]);
        expect(findDownloaded(assetRoots, MISSING_REPO_URI)).toBeUndefined();
    });

    it("a CLI run naming a 404 URI and a local model writes the local model's result and exits non-zero", async () => {
        const work = tempDir("cli");
        const suiteFile = path.join(work, "suite.json");
        writeFileSync(suiteFile, JSON.stringify({
            name: "download-404",
            models: [MISSING_REPO_URI, "stories260K/stories260K-Q8_0.gguf"],
            tasks: [TINY_NIAH]
        }));
        const outDir = path.join(work, "out");
        const cli = await runCli(["--suite", suiteFile, "--out", outDir, "--quiet"], {
            ...hubEnv,
            SLMBENCH_ASSETS: "../shared/assets", // relative to the CLI's cwd, the repo
            SLMBENCH_CACHE: path.join(work, "cache")
        });
        expect(cli.code, cli.stderr).toBe(1);
        expect(cli.stderr).toContain(`download of ${MISSING_REPO_URI} failed`);
        expect(cli.stderr).toContain("not every trial ran");
        expect(cli.stdout).toContain("1 result documents");
        // The child asked this Hub, not the real one.
        expect(hub.hits.some((hit) => hit.path.startsWith("/nobody/missing-repo/resolve/main/model.gguf"))).toBe(true);

        const files = resultFiles(outDir);
        expect(files).toHaveLength(1);
        const document = await readResultDocument(files[0]!);
        expect(document.model.fileName).toBe("stories260K-Q8_0.gguf");
        // The URI has no document: the run's errors.json names it.
        const errors = JSON.parse(readFileSync(path.join(path.dirname(path.dirname(path.dirname(files[0]!))), "errors.json"), "utf8"));
        expect(errors.models).toEqual([{source: MISSING_REPO_URI, message: expect.stringContaining(`download of ${MISSING_REPO_URI} failed`)}]);
        expect(document.model.sha256).toBe(Q8_SHA256);
        expect(document.counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        expect(document.modelError).toBeUndefined();
    });

    it("an {asset, download} reference takes the asset when a root has it, else downloads it", async () => {
        const ref = {asset: "stories260K", download: URI};

        // With ../shared/assets: the whole local ladder, and no request to the Hub.
        const withShared = await resolveModels([ref], {assetRoots: rootsWith(tempDir("cache"), SHARED_ASSETS), progress: false});
        expect(withShared.unresolved).toEqual([]);
        expect(withShared.models.length).toBeGreaterThan(1);
        expect(withShared.models.every((m) => (m.path ?? "").startsWith(path.join(SHARED_ASSETS, "models", "stories260K")))).toBe(true);
        expect(hub.hits).toEqual([]);

        // Without it: the download, run end to end.
        const cacheDir = tempDir("cache");
        const assetRoots = rootsWith(cacheDir);
        const suite = await parseSuite({name: "asset-or-download", models: [ref], tasks: [TINY_NIAH]}, "inline suite");
        const outDir = tempDir("out");
        const report = await runSuite(suite, {outDir, assetRoots, quiet: true});
        expect(report.failures).toEqual([]);
        expect(report.complete).toBe(true);
        expect(hub.hits.some((hit) => hit.path === RESOLVE_PATH)).toBe(true);
        expect(report.documents).toHaveLength(1);
        const document = report.documents[0]!;
        expect(document.model.path).toBe(path.join(cacheDir, "models", "hf", "ggml-org", "models", "main", "tinyllamas", "stories260K.gguf"));
        expect(document.model.sha256).toBe(SERVED_SHA256);
        expect(document.model.source).toBe(`stories260K (or ${URI})`);
        expect(document.counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        expect(existsSync(report.documentFiles[0]!)).toBe(true);
        expect((await readResultDocument(report.documentFiles[0]!)).model.sha256).toBe(SERVED_SHA256);
    });
});

// Remove the temp folders this file made (only those: other runs may be using theirs).
afterAll(() => {
    for (const dir of madeDirs) rmSync(dir, {recursive: true, force: true});
});
