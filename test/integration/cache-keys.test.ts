// Cache keys that must include what changes a result: the hosted embedding cache (canary), the
// resume journal (llama.cpp build per trial), the sha256 cache (inode, ctime), the fidelity
// reference cache (build); and the STS comparison's dataset check.
import {mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {Sha256Cache, sha256OfFile} from "../../harness/models/sha256-cache.js";
import {resolveHostedModel} from "../../harness/providers/hosted/models.js";
import {HostedSession} from "../../harness/providers/hosted/session.js";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import {openAiProtocol} from "../../harness/providers/openai/index.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import type {Session} from "../../harness/session/types.js";
import fidelity from "../../harness/tasks/fidelity/index.js";
import sts from "../../harness/tasks/sts/index.js";
import {stories260K, testAssetRoots, tinyStories} from "../helpers/assets.js";
import {fakeEmbedding, startFakeServer} from "../helpers/fake-server.js";

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `slmbench-keys-${name}-`));

/** Runs a task's trials on a session as the trial loop does (errors recorded, not thrown). */
async function runTask(task: typeof sts | typeof fidelity, raw: object, session: Session, model: object, cacheDir: string): Promise<TrialRecord[]> {
    const config = task.configSchema.parse(raw);
    const assetRoots = testAssetRoots(cacheDir);
    const runner = await task.createRunner(config as never, session, {assetRoots});
    const records: TrialRecord[] = [];
    for (const trial of task.plan(config as never, model as never) as never[]) {
        const {id, cell, seed} = trial as TrialRecord;
        try {
            records.push({id, cell, seed, status: "ok", ...(await runner.run(trial))} as TrialRecord);
        } catch (error) {
            records.push({id, cell, seed, status: "error", error: {message: (error as Error).message, kind: "trial"}, scores: {}, timings: {}});
        }
    }
    return records;
}

describe("hosted embedding cache: a canary sentence per run", () => {
    it("discards the cached vectors when another model answers behind the same URL", async () => {
        const server = await startFakeServer();
        const cacheDir = tempDir("canary");
        const dataset = path.join(tempDir("pairs"), "pairs.tsv");
        writeFileSync(dataset, "sentence1\tsentence2\tscore\nA man plays a guitar.\tA man is playing music.\t4\nA cat sleeps.\tThe stock market fell.\t0\n");
        const config = {dataset: {type: "file", file: dataset, scoreRange: [0, 5]}};
        try {
            const hosted = resolveHostedModel(openAiProtocol, `openai:${server.url}#embedder`);
            const run = () => runTask(sts, config, new HostedSession(openAiProtocol, hosted.settings), hosted.info, cacheDir);
            const first = await run();
            const again = await run();
            // Another model behind the URL: every vector differs.
            server.options.embed = (text) => fakeEmbedding(text).map((x, i) => x + (i % 3));
            const swapped = await run();
            expect(first[0]!.scores).toMatchObject({embeddedSentences: 4, cachedSentences: 0});
            expect(again[0]!.scores).toMatchObject({embeddedSentences: 0, cachedSentences: 4});
            expect(swapped[0]!.scores).toMatchObject({embeddedSentences: 4, cachedSentences: 0});
            expect([first, again, swapped].map((records) => records[0]!.input!.embeddingCanary)).toEqual(["new", "same", "changed"]);
            expect(sts.warnings!(sts.configSchema.parse(config), swapped)).toEqual([expect.stringMatching(/canary sentence's embedding changed/)]);
        } finally {
            await server.close();
        }
    });
});

describe("resume journal: the llama.cpp build per trial", () => {
    it("runs again the resumed trials another build ran, so a document mixes no builds", async () => {
        const out = tempDir("journal");
        const suite = await parseSuite({
            name: "journal-build", models: [tinyStories("Q8_0")],
            tasks: [{type: "niah", id: "niah", lengths: [256], depths: [0, 50, 100], maxNewTokens: 2}]
        }, "cache-keys.test.ts");
        const assetRoots = testAssetRoots(tempDir("journal-cache"));
        const first = await runSuite(suite, {outDir: out, assetRoots, quiet: true});
        const build = first.documents[0]!.env.llamaCpp;
        const journal = path.join(first.runDir, "journal.jsonl");
        const lines = readFileSync(journal, "utf8").trim().split("\n").map((line) => JSON.parse(line));
        // As if D100 had run under an older build and D0 had not run at all.
        const edited = lines.filter((l) => l.key.trialId !== "L256-D0-T0").map((l) => (l.key.trialId === "L256-D100-T0" ? {...l, build: "ggml-org/llama.cpp@b0000"} : l));
        writeFileSync(journal, edited.map((l) => JSON.stringify(l)).join("\n") + "\n");
        await runSuite(suite, {outDir: out, assetRoots, quiet: true});
        const rerun = readFileSync(journal, "utf8").trim().split("\n").map((line) => JSON.parse(line)).slice(edited.length).filter((l) => l.record);
        // D0 (missing) and D100 (other build) ran; D50 (this build) was resumed.
        expect(rerun.map((l) => l.key.trialId).sort()).toEqual(["L256-D0-T0", "L256-D100-T0"]);
        expect(rerun.every((l) => l.build === build)).toBe(true);
        expect(lines.filter((l) => l.record).map((l) => l.build)).toEqual([build, build, build]);
    });
});

describe("sha256 cache", () => {
    it("hashes again a same-size file rewritten with its old mtime kept (cp -p, rsync -a, tar)", async () => {
        const dir = tempDir("sha");
        const file = path.join(dir, "model.gguf");
        writeFileSync(file, "a".repeat(1000));
        const cache = new Sha256Cache(path.join(dir, "cache"));
        const before = await cache.hashFile(file);
        const {atime, mtime} = statSync(file);
        await new Promise((resolve) => setTimeout(resolve, 20));
        writeFileSync(file, "b".repeat(1000));
        utimesSync(file, atime, mtime);
        // utimes keeps milliseconds; the float mtimeMs may read back a hair off (…588.999 for …589).
        expect(Math.abs(statSync(file).mtimeMs - mtime.getTime())).toBeLessThan(0.01);
        const after = await new Sha256Cache(path.join(dir, "cache")).hashFile(file);
        expect(after).not.toBe(before);
        expect(after).toBe(await sha256OfFile(file));
    });
});

describe("fidelity reference cache", () => {
    let model: LlamaModel;
    beforeAll(async () => {
        const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
        model = await llama.loadModel({modelPath: stories260K("Q8_0")});
    });
    afterAll(async () => {
        await model?.dispose();
    });

    it("is keyed by the llama.cpp build: a file run under another build does not read distributions it did not compute", async () => {
        const cacheDir = tempDir("fidelity");
        const config = {corpus: {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 64, charset: "ascii-safe"}, chunkSize: 32};
        const ladder = {referenceFile: "ref.gguf", referenceSha256: "1".repeat(64), size: 2, id: "l"};
        const session = () => new LocalGgufSession(model, {contextSize: 64, threads: 1});
        const reference = await runTask(fidelity, config, session(), {contextLength: 2048, ladder: {...ladder, isReference: true}}, cacheDir);
        expect(reference.map((r) => r.status)).toEqual(["ok", "ok"]);
        const same = await runTask(fidelity, config, session(), {contextLength: 2048, ladder: {...ladder, isReference: false}}, cacheDir);
        expect(same.map((r) => r.scores.sumKld)).toEqual([0, 0]);
        const upgraded = session();
        Object.defineProperty(upgraded, "backend", {value: "ggml-org/llama.cpp@b9999"});
        const other = await runTask(fidelity, config, upgraded, {contextLength: 2048, ladder: {...ladder, isReference: false}}, cacheDir);
        expect(other.map((r) => r.status)).toEqual(["error", "error"]);
        expect(other[0]!.error!.message).toMatch(/reference distributions not found/);
    });
});
