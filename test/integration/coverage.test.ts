// Partial results and silent drops, on real runs: coverage and partial on merged shard documents,
// comparisons on the trials both files completed, warnings derived again by merge; judge replies
// without a rating counted.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {mergeRuns} from "../../harness/run/merge.js";
import {formatRecommendation, recommend} from "../../harness/run/recommend.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import {niahScoresSchema} from "../../harness/tasks/niah/contract.js";
import {testAssetRoots, tinyStories} from "../helpers/assets.js";
import {startFakeServer} from "../helpers/fake-server.js";

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `slmbench-coverage-${name}-`));

describe("partial results", () => {
    it("a merge missing a shard gives partial documents: coverage, a warning, comparisons on the trials both files completed", async () => {
        const assetRoots = testAssetRoots(tempDir("cache"));
        const suite = await parseSuite({
            name: "partial", models: [tinyStories("F32"), tinyStories("Q4_0")],
            tasks: [{type: "niah", id: "niah", lengths: [256, 384], depths: [0, 50, 100], trialsPerCell: 2, maxNewTokens: 2, mainScore: "lift"}]
        }, "coverage.test.ts");
        const shard = tempDir("shard");
        const run = await runSuite(suite, {outDir: shard, assetRoots, quiet: true, shard: {index: 1, count: 2}});
        expect(run.documents[0]!.warnings[0]).toMatch(/^shard 1\/2/);
        const merged = await mergeRuns([shard], tempDir("merged"), {assetRoots});
        const [reference, quant] = ["TinyStories-656K-F32.gguf", "TinyStories-656K-Q4_0.gguf"].map((file) => merged.documents.find((d) => d.model.fileName === file)!);
        for (const doc of [reference!, quant!]) {
            const ok = doc.trials.filter((t) => t.status === "ok").length;
            expect(ok).toBeGreaterThan(0);
            expect(ok).toBeLessThan(12);
            expect(doc.coverage).toEqual({ok, skipped: 0, planned: 12});
            expect(doc.partial).toBe(true);
            // Derived again from the merged trials: the shard's warning is gone, the partial one is there.
            expect(doc.warnings.some((w) => w.startsWith("shard "))).toBe(false);
            expect(doc.warnings[0]).toMatch(new RegExp(`^partial: ${12 - ok} of 12 planned trials did not finish`));
        }
        const both = quant!.trials.filter((t) => t.status === "ok" && reference!.trials.some((r) => r.id === t.id && r.status === "ok")).length;
        const vs = niahScoresSchema.parse(quant!.scores).vsReference!;
        expect(vs.pairedTrials).toBe(both);
        expect(vs.mainDelta!.units).toBe(new Set(quant!.trials.filter((t) => t.status === "ok" && reference!.trials.some((r) => r.id === t.id && r.status === "ok"))
            .map((t) => `${t.cell.length}|${t.cell.trial}`)).size);
        // recommend lists them as partial, ranks neither.
        const text = formatRecommendation(recommend(merged.documents, {budgetBytes: 2 ** 30, context: 256, margin: 0.5}));
        expect(text).toMatch(/best that fits: none ranked \(no file with complete results/);
        expect(text).not.toMatch(/Pareto front/);
        expect(text).toMatch(/partial \(not every planned trial finished; not ranked\): .*TinyStories-656K-F32\.gguf \(\d+ of 12 trials\)/);
        expect(text).toMatch(/Q4_0 .* \(partial: \d+ of 12 trials, not eligible/);
    });
});

describe("judge replies without a rating", () => {
    it("are counted per cell and in the totals, and warned about, instead of dropped silently", async () => {
        // Every third judge reply holds no 1-10 rating.
        const server = await startFakeServer({judge: (n) => (n % 3 === 0 ? "I would rather not say." : "Rating: [[10]]")});
        try {
            const suite = await parseSuite({
                name: "judge-unparsed", models: [{hosted: `openai:${server.url}#m`, concurrency: 1}],
                tasks: [{type: "niah", id: "judged", lengths: [256], depths: [0, 50, 100], trialsPerCell: 2, maxNewTokens: 16,
                    mainScore: "judge", judge: {model: `openai:${server.url}#judge`}}]
            }, "coverage.test.ts");
            const {documents} = await runSuite(suite, {outDir: tempDir("judge"), assetRoots: testAssetRoots(tempDir("judge-cache")), quiet: true});
            const scores = niahScoresSchema.parse(documents[0]!.scores);
            expect(scores.trials).toBe(6);
            expect(scores.judgeUnparsed).toBe(2);
            expect(scores.judge).toBe(10);
            expect(scores.cells.reduce((sum, cell) => sum + cell.judgeUnparsed!, 0)).toBe(2);
            expect(scores.byLength[0]!.judgeUnparsed).toBe(2);
            expect(documents[0]!.warnings).toContain("2 judge replies held no 1-10 rating: left out of the judge means (judgeUnparsed)");
        } finally {
            await server.close();
        }
    });
});
