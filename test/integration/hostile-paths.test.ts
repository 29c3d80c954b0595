// Ids that become path segments (task ids, ladder ids from file names, hosted referenceOf, hf:
// URIs, run ids read back by merge) are encoded, never refused: every document still gets written,
// inside its root, each at a path of its own. Part of the hostile-input matrix (bad-input.test.ts).
import {copyFileSync, createReadStream, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";
import {pipeline} from "node:stream";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {downloadHfModel} from "../../harness/models/download.js";
import {readResultDocument} from "../../harness/results/write.js";
import {documentFile} from "../../harness/run/documents.js";
import {mergeRuns} from "../../harness/run/merge.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import {pathSegment} from "../../harness/util/paths.js";
import {PROJECT_DIR, stories260K, testAssetRoots} from "../helpers/assets.js";
import {cliEnv, runCli, tempDir, writeSuite} from "../helpers/cli.js";
import {FakeServer, startFakeServer} from "../helpers/fake-server.js";

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
    return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
        const full = path.join(entry.parentPath, entry.name);
        return entry.isDirectory() ? filesUnder(full) : [full];
    });
}

const inside = (root: string, file: string) => !path.relative(root, file).startsWith("..") && !path.isAbsolute(path.relative(root, file));

describe("ids as path segments", () => {
    it("keep the names of ordinary ids (the committed results map to the same files) and never collide or climb", async () => {
        for (const id of ["stories260K", "niah-kv-noise", "TinyStories-656K-Q8_0", "wnft-sif-d256", "builtin-jaccard", "default-ff3b9aced4be", "Qwen2.5-0.5B"])
            expect(pathSegment(id)).toBe(id);
        const tricky = ["..", ".", "...", ".hidden", "%2E.", "%2E", "a/b", "a%2Fb", "a\\b", "a_b", "a b", "", "%", "ü", "a\u0000b", "../../etc", "x".repeat(300), `${"x".repeat(300)}y`];
        const encoded = tricky.map(pathSegment);
        expect(new Set(encoded).size).toBe(tricky.length);
        for (const segment of encoded) {
            expect(segment).not.toMatch(/^\.\.?$/);
            expect(segment).not.toMatch(/[/\\\u0000]/);
            expect(segment.length).toBeLessThanOrEqual(200);
        }
        // Each committed document sits exactly where documentFile puts a document of its run, task and model.
        const runs = path.join(PROJECT_DIR, "results/runs");
        const committed = filesUnder(runs).filter((file) => file.endsWith(".json") && !file.includes("/schema/"));
        expect(committed.length).toBeGreaterThan(10);
        for (const file of committed) {
            const document = await readResultDocument(file);
            expect(documentFile(path.join(runs, document.runId), document.task.id, document.model)).toBe(file);
        }
    });
});

describe("hostile ids in a run", () => {
    let server: FakeServer;
    beforeAll(async () => {
        server = await startFakeServer();
    });
    afterAll(async () => server.close());

    it("task ids '..' and '.', a file ..-Q8_0.gguf (ladder '..') and a hosted referenceOf '..': every document written, inside --out, each at its own path", async () => {
        const root = tempDir("hostile-ids");
        const models = path.join(root, "models");
        mkdirSync(models);
        copyFileSync(stories260K("Q8_0"), path.join(models, "..-Q8_0.gguf"));
        const out = path.join(root, "deep", "out");
        const tiny = {type: "niah", lengths: [256], depths: [50], maxNewTokens: 2, mainScore: "stringMatch"};
        const suite = writeSuite({
            name: "..",
            models: [path.join(models, "..-Q8_0.gguf"), {hosted: `openai:${server.url}#served`, referenceOf: "..", retries: 0}],
            tasks: [{...tiny, id: ".."}, {...tiny, id: "."}]
        });
        const cli = await runCli(["--suite", suite, "--out", out, "--quiet"], cliEnv());
        expect(cli.code, cli.stderr).toBe(0);

        // Nothing beside --out: every file the run wrote is under <out>/<run id>/.
        const written = filesUnder(root).filter((file) => !file.startsWith(models));
        const runDirs = readdirSync(out);
        expect(runDirs).toHaveLength(1);
        expect(runDirs[0]).toMatch(/^%2E\.-[0-9a-f]{12}$/);
        const runDir = path.join(out, runDirs[0]!);
        for (const file of written) expect(inside(runDir, file), file).toBe(true);

        // Four documents (2 tasks x the local file and its hosted reference), four files, each the document it should be.
        const documents = written.filter((file) => file.endsWith(".json"));
        expect(documents.map((file) => path.relative(runDir, file)).sort()).toEqual([
            "%2E./%2E./%2E.-Q8_0.json",
            "%2E./%2E./served.json",
            "%2E/%2E./%2E.-Q8_0.json",
            "%2E/%2E./served.json"
        ]);
        for (const file of documents) {
            const document = await readResultDocument(file);
            expect(path.relative(runDir, file).split("/")[0]).toBe(pathSegment(document.task.id));
            expect(document.counts.ok).toBe(1);
            expect(document.model.ladder.id).toBe("..");
        }
        expect(cli.stdout).toContain("4 result documents");
    });

    it("two files of one ladder with the same name in different folders: both documents written, the second named after its sha256 too", async () => {
        const root = tempDir("same-name");
        mkdirSync(path.join(root, "a"));
        mkdirSync(path.join(root, "b"));
        copyFileSync(stories260K("Q8_0"), path.join(root, "a", "x-Q8_0.gguf"));
        copyFileSync(stories260K("Q4_0"), path.join(root, "b", "x-Q8_0.gguf"));
        const suite = await parseSuite({name: "same-name", models: [path.join(root, "a"), path.join(root, "b")],
            tasks: [{type: "niah", id: "niah", lengths: [256], depths: [50], maxNewTokens: 2}]}, "inline suite");
        const report = await runSuite(suite, {outDir: path.join(root, "out"), assetRoots: testAssetRoots(tempDir("cache")), quiet: true});
        expect(report.failures).toEqual([]);
        expect(new Set(report.documentFiles).size).toBe(2);
        const [first, second] = report.documents;
        expect(path.basename(report.documentFiles[0]!)).toBe("x-Q8_0.json");
        expect(path.basename(report.documentFiles[1]!)).toBe(`x-Q8_0~${second!.model.sha256.slice(0, 12)}.json`);
        expect(first!.model.sha256).not.toBe(second!.model.sha256);
        expect(second!.warnings).toContain(`another document of this run is named x-Q8_0.json: this one is named after its file's sha256 too (${path.basename(report.documentFiles[1]!)})`);
        for (const [i, file] of report.documentFiles.entries()) expect((await readResultDocument(file)).model.sha256).toBe(report.documents[i]!.model.sha256);
    });

    it("merge writes a document whose runId climbs (../../x) inside its --out", async () => {
        const root = tempDir("hostile-merge");
        const source = path.join(root, "in");
        const original = path.join(PROJECT_DIR, "results/runs");
        const file = filesUnder(original).find((f) => f.endsWith(".json"))!;
        const document = JSON.parse(readFileSync(file, "utf8"));
        document.runId = "../../escaped";
        mkdirSync(source);
        writeFileSync(path.join(source, "doc.json"), JSON.stringify(document));
        const out = path.join(root, "a", "b", "out");
        const report = await mergeRuns([source], out, {assetRoots: testAssetRoots(tempDir("cache"))});
        expect(report.documentFiles).toHaveLength(1);
        expect(inside(out, report.documentFiles[0]!)).toBe(true);
        expect(path.relative(out, report.documentFiles[0]!).split(path.sep)[0]).toBe("%2E.%2F..%2Fescaped");
        expect(filesUnder(root).filter((f) => !f.startsWith(source))).toEqual(report.documentFiles);
    });
});

describe("hf: URIs with ../ segments", () => {
    let hub: http.Server;
    let url = "";
    const served = stories260K("Q8_0");
    const size = statSync(served).size;
    beforeAll(async () => {
        // A Hub answering every path with the file (ranges supported), wherever a URI's segments point.
        hub = http.createServer((req, res) => {
            const range = req.headers.range?.match(/^bytes=(\d*)-(\d*)$/);
            const start = range ? Number(range[1] || 0) : 0;
            const end = range?.[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
            const head = {"accept-ranges": "bytes", "content-type": "application/octet-stream", "content-length": String(end - start + 1)};
            if (range) res.writeHead(206, {...head, "content-range": `bytes ${start}-${end}/${size}`});
            else res.writeHead(200, head);
            if (req.method === "HEAD") res.end();
            else pipeline(createReadStream(served, {start, end}), res, () => {});
        });
        await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => hub.close(() => resolve())));

    it("download into the cache's hf folder, whatever the file path or branch holds", async () => {
        const root = tempDir("hostile-hf");
        const cache = path.join(root, "a", "b", "c", "cache");
        const previous = process.env.HF_ENDPOINT;
        process.env.HF_ENDPOINT = url;
        try {
            const roots = {roots: [cache], cacheDir: cache};
            const files = [
                await downloadHfModel(roots, `hf:evil/repo/${"../".repeat(7)}escape.gguf`, {progress: false}),
                await downloadHfModel(roots, "hf:evil/repo/sub/model.gguf#../../../..", {progress: false})
            ];
            const hfFolder = path.join(cache, "models", "hf");
            for (const file of files) {
                expect(inside(hfFolder, file), file).toBe(true);
                expect(statSync(file).size).toBe(size);
            }
            expect(new Set(files).size).toBe(2);
            for (const file of filesUnder(root)) expect(inside(hfFolder, file), file).toBe(true);
        } finally {
            if (previous === undefined) delete process.env.HF_ENDPOINT;
            else process.env.HF_ENDPOINT = previous;
        }
    });
});
