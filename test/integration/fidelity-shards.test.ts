// Fidelity under --shard i/n: a chunk of every file of a ladder lands in one shard, so each shard
// runs the reference's chunks it needs itself. Each shard gets its own cache folder here, as on
// separate hosts; the merged documents must equal a single run's.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import type {Suite} from "../../harness/config/suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import type {ResultDocument} from "../../harness/results/schema.js";
import {mergeRuns} from "../../harness/run/merge.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {stories260K, testAssetRoots} from "../helpers/assets.js";

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `slmbench-fidelity-shards-${name}-`));
const FILES = ["stories260K-F32.gguf", "stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf"];

let suite: Suite;
let single: ResultDocument[];
let shards: ResultDocument[][];
let merged: ResultDocument[];

beforeAll(async () => {
    suite = await parseSuite({
        name: "fidelity-shards",
        models: ["F32", "Q8_0", "Q4_0"].map(stories260K),
        // Six chunks of 64 tokens.
        tasks: [{type: "fidelity", id: "pride", corpus: {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 384}, chunkSize: 64}]
    }, "fidelity-shards.test.ts");
    single = (await runSuite(suite, {outDir: tempDir("single"), assetRoots: testAssetRoots(tempDir("cache-single")), quiet: true})).documents;
    const shardOut = tempDir("shards");
    shards = [];
    for (const index of [1, 2]) {
        const run = await runSuite(suite, {outDir: shardOut, assetRoots: testAssetRoots(tempDir(`cache-${index}`)), quiet: true, shard: {index, count: 2}});
        shards.push(run.documents);
    }
    merged = (await mergeRuns([shardOut], tempDir("merged"), {assetRoots: testAssetRoots(tempDir("cache-merge"))})).documents;
}, 300_000);

const ids = (document: ResultDocument) => document.trials.map((t) => t.id).sort();

describe("fidelity with --shard 1/2 and 2/2 on separate caches", () => {
    it("puts a chunk of every file in the same shard, and every chunk in one shard", () => {
        const chunksOf = (documents: ResultDocument[]) => FILES.map((f) => ids(documents.find((d) => d.model.fileName === f)!));
        const [first, second] = shards.map(chunksOf);
        for (const files of [first!, second!]) for (const chunkIds of files) expect(chunkIds).toEqual(files[0]);
        expect(first![0]!.length).toBeGreaterThan(0);
        expect(second![0]!.length).toBeGreaterThan(0);
        expect([...first![0]!, ...second![0]!].sort()).toEqual(ids(single[0]!));
        expect(ids(single[0]!)).toHaveLength(6);
        // No compared file went without its reference's distributions.
        for (const document of shards.flat()) expect(document.trials.filter((t) => t.status !== "ok")).toEqual([]);
    });

    it("merges into a single run's documents: the same trials and scores", () => {
        expect(merged).toHaveLength(3);
        for (const document of single) {
            const twin = merged.find((d) => d.model.fileName === document.model.fileName)!;
            expect(twin.counts).toEqual({planned: 6, ok: 6, error: 0, skipped: 0});
            expect(twin.counts).toEqual(document.counts);
            expect(twin.trials.map((t) => ({id: t.id, scores: t.scores, output: t.output})))
                .toEqual(document.trials.map((t) => ({id: t.id, scores: t.scores, output: t.output})));
            const {tokensPerSecond: _a, ...scores} = twin.scores as Record<string, unknown>;
            const {tokensPerSecond: _b, ...expected} = document.scores as Record<string, unknown>;
            expect(scores).toEqual(expected);
        }
        expect(merged.find((d) => d.model.fileName === "stories260K-Q4_0.gguf")!.scores.main).toBeGreaterThan(0);
    });
});
