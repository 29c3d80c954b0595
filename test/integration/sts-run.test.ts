// STS end to end: real GGUF embedding models in child processes through runSuite, the post-run
// comparison with the ladder's reference, the embedding cache on rerun, and bad input.
import {mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {parseSuite} from "../../harness/run/suite.js";
import {readResultDocument} from "../../harness/results/write.js";
import type {ResultDocument} from "../../harness/results/schema.js";
import {withComparisons} from "../../harness/run/references.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {loadTasks} from "../../harness/tasks/registry.js";
import {stsScoresSchema} from "../../harness/tasks/sts/contract.js";
import {MODELS, testAssetRoots, tinyStories} from "../helpers/assets.js";

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `slmbench-sts-${name}-`));
const wnft = (quant: string) => path.join(MODELS, "wnft-sif-256", `wnft-sif-256-${quant}.gguf`);
const assetRoots = testAssetRoots(tempDir("cache"));
const STSB_TEST = {type: "sts", id: "stsb-test", dataset: {type: "stsb", split: "test"}};

let documents: ResultDocument[];
let files: string[];
let failures: string[];
const byFile = (fileName: string, taskId = "stsb-test") => documents.find((doc) => doc.model.fileName === fileName && doc.task.id === taskId)!;
const scoresOf = (doc: ResultDocument) => stsScoresSchema.parse(doc.scores);

beforeAll(async () => {
    const suite = await parseSuite({
        name: "sts-test",
        models: [wnft("F16"), wnft("Q8_0"), wnft("Q2_K"), tinyStories("Q8_0"), "builtin:jaccard"],
        // The same sentences twice: the second instance must read every vector from the embedding cache.
        tasks: [STSB_TEST, {...STSB_TEST, id: "stsb-test-again"}],
        // TinyStories-656K aborts on STS-B: one attempt per trial keeps this run short (crash-recovery.test.ts runs the default, 2).
        maxCrashAttempts: 1
    }, "sts-run.test.ts");
    const report = await runSuite(suite, {outDir: tempDir("out"), assetRoots, quiet: true});
    ({documents, documentFiles: files, failures} = report);
}, 300_000);

describe("STS-B test through a real run (wnft-sif-256 ladder, TinyStories-656K, Jaccard)", () => {
    it("scores wnft-sif-256 as MANIFEST.md measured (F16 62.26, Q8_0 62.26, Q2_K 62.42, +-0.05)", () => {
        for (const [file, expected] of [["wnft-sif-256-F16.gguf", 62.26], ["wnft-sif-256-Q8_0.gguf", 62.26], ["wnft-sif-256-Q2_K.gguf", 62.42]] as const) {
            const doc = byFile(file);
            const scores = scoresOf(doc);
            expect(doc.counts).toEqual({planned: 1, ok: 1, error: 0, skipped: 0});
            expect(Math.abs(scores.main! - expected), file).toBeLessThanOrEqual(0.05);
            expect(scores.mainCi![0]).toBeLessThan(scores.main!);
            expect(scores.mainCi![1]).toBeGreaterThan(scores.main!);
            expect(scores.similarity).toBe("cosine");
            expect(scores.pairs).toBe(1379);
            expect(scores.embedding).toMatchObject({distinctSentences: 2552, embeddedSentences: 2552, cachedSentences: 0, dimensions: 256});
            expect(scores.embedding.sentencesPerSecond).toBeGreaterThan(0);
            expect(doc.performance!.peakRssBytes).toBeGreaterThan(0);
            expect(scores.breakdown.genre).toHaveLength(3);
        }
        expect(byFile("wnft-sif-256-F16.gguf").model.ladder.isReference).toBe(true);
    });

    it("scores the Jaccard baseline in the same run (55.79)", () => {
        const doc = byFile("jaccard");
        expect(Math.abs(scoresOf(doc).main! - 55.79)).toBeLessThanOrEqual(0.01);
        expect(doc.model.provider).toBe("lexical");
    });

    it("records a model whose tokenizer aborts the process (TinyStories-656K on STS-B) and goes on", () => {
        const doc = byFile("TinyStories-656K-Q8_0.gguf");
        expect(doc.counts.error).toBe(1);
        expect(doc.scores.main).toBeNull();
        expect(doc.trials[0]!.error).toMatchObject({kind: "model-process-aborted", attempts: 1});
        expect(doc.modelError!.message).toMatch(/during trial stsb-test/);
        expect(failures.some((f) => f.includes("TinyStories-656K-Q8_0.gguf"))).toBe(true);
        expect(documents).toHaveLength(10);
        // The other task ran after the crash (in a new model process) and crashed on its own.
        expect(byFile("TinyStories-656K-Q8_0.gguf", "stsb-test-again").trials[0]!.error).toMatchObject({kind: "model-process-aborted", attempts: 1});
    });

    it("compares each quantized file with the reference: Spearman change with a paired CI, embedding drift (Q2_K drifts more than Q8_0)", async () => {
        const changed = documents.filter((doc) => doc.scores.vsReference !== undefined);
        expect(changed.map((doc) => `${doc.task.id} ${doc.model.fileName}`).sort()).toEqual([
            "stsb-test wnft-sif-256-Q2_K.gguf", "stsb-test wnft-sif-256-Q8_0.gguf",
            "stsb-test-again wnft-sif-256-Q2_K.gguf", "stsb-test-again wnft-sif-256-Q8_0.gguf"]);
        const q8 = scoresOf(byFile("wnft-sif-256-Q8_0.gguf")).vsReference!;
        const q2 = scoresOf(byFile("wnft-sif-256-Q2_K.gguf")).vsReference!;
        expect(q2.drift!.meanCosine).toBeLessThan(q8.drift!.meanCosine);
        // MANIFEST.md: mean (min) cosine to the reference's vectors, Q8_0 0.99999 (1.0000), Q2_K 0.97944 (0.9554).
        expect(q8.drift!.meanCosine).toBeGreaterThan(0.9999);
        expect(Math.abs(q2.drift!.meanCosine - 0.97944)).toBeLessThan(0.0005);
        expect(Math.abs(q2.drift!.minCosine - 0.9554)).toBeLessThan(0.0005);
        expect(q2.drift!.sentences).toBe(2552);
        expect(q2.reference.fileName).toBe("wnft-sif-256-F16.gguf");
        expect(q2.deltaSpearman!).toBeCloseTo(scoresOf(byFile("wnft-sif-256-Q2_K.gguf")).main! - scoresOf(byFile("wnft-sif-256-F16.gguf")).main!, 10);
        for (const comparison of [q8, q2]) {
            expect(comparison.deltaCi![0]).toBeLessThanOrEqual(comparison.deltaSpearman!);
            expect(comparison.deltaCi![1]).toBeGreaterThanOrEqual(comparison.deltaSpearman!);
            expect(comparison.bootstrap).toEqual({method: "paired percentile bootstrap over pairs", samples: 1000, seed: 42, level: 0.95});
        }
        // Q8_0's pairwise change is tiny and its CI tight; the written file carries the comparison.
        expect(q8.deltaCi![1] - q8.deltaCi![0]).toBeLessThan(0.1);
        const written = await readResultDocument(files[documents.indexOf(byFile("wnft-sif-256-Q2_K.gguf"))]!);
        expect(written.scores.vsReference).toEqual(q2);
        // Nothing to compare: the reference itself, other ladders, the baseline.
        expect(byFile("wnft-sif-256-F16.gguf").scores.vsReference).toBeUndefined();
    });

    it("still compares Spearman when the embedding cache is gone, saying why drift is missing", async () => {
        const copies = await withComparisons(documents, await loadTasks(), {assetRoots: testAssetRoots(tempDir("empty-cache"))});
        const q2 = scoresOf(copies.find((doc) => doc.model.fileName === "wnft-sif-256-Q2_K.gguf" && doc.task.id === "stsb-test")!).vsReference!;
        expect(q2.drift).toBeNull();
        expect(q2.driftNote).toMatch(/^2552 of 2552 sentences are missing from the embedding cache/);
        expect(q2.deltaSpearman).toBe(scoresOf(byFile("wnft-sif-256-Q2_K.gguf")).vsReference!.deltaSpearman);
    });

    it("embeds each distinct sentence once per model file: another task instance on the same sentences reads the cache", () => {
        for (const file of ["wnft-sif-256-F16.gguf", "wnft-sif-256-Q2_K.gguf"]) {
            const again = scoresOf(byFile(file, "stsb-test-again"));
            expect(again.embedding).toMatchObject({distinctSentences: 2552, embeddedSentences: 0, cachedSentences: 2552, sentencesPerSecond: null});
            expect(again.main).toBe(scoresOf(byFile(file)).main);
        }
    });
});

describe("STS bad input", () => {
    it("fails a task with a malformed dataset before any model loads, naming file:line, and runs the others", async () => {
        const dir = tempDir("bad");
        const bad = path.join(dir, "pairs.tsv");
        writeFileSync(bad, "sentence1\tsentence2\tscore\na\tb\t1\nc\t\t2\ne\tf\t9\n");
        const missing = path.join(dir, "missing.tsv");
        const suite = await parseSuite({
            name: "sts-bad",
            models: ["builtin:jaccard"],
            tasks: [
                {type: "sts", id: "bad", dataset: {type: "file", file: bad, scoreRange: [0, 5]}},
                {type: "sts", id: "missing", dataset: {type: "file", file: missing, scoreRange: [0, 5]}},
                {type: "sts", id: "good", dataset: {type: "stsb", split: "dev"}}
            ]
        }, "sts-run.test.ts");
        const report = await runSuite(suite, {outDir: tempDir("bad-out"), assetRoots, quiet: true});
        expect(report.failures).toEqual([
            `task bad: ${bad}:3: sentence2 is empty\n${bad}:4: score 9 is outside the declared range [0, 5]`,
            `task missing: ${missing}: dataset file not found (looked at ${missing} and under datasets/ in ${assetRoots.roots.join(", ")})`
        ]);
        expect(report.documents.map((doc) => doc.task.id)).toEqual(["good"]);
        expect(report.documents[0]!.scores.main).toBeCloseTo(64.79, 2);
        expect(readFileSync(bad, "utf8")).toContain("e\tf\t9"); // untouched
    });
});
