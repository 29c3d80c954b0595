// The built-in Jaccard baseline: a parser check with independently known scores, run through the real task code.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {parseSuite} from "../../harness/run/suite.js";
import lexicalProvider from "../../harness/providers/lexical/index.js";
import {jaccard, LEXICAL_METHODS, methodSha256} from "../../harness/providers/lexical/methods.js";
import {builtinModelInfo} from "../../harness/providers/lexical/models.js";
import {providerById} from "../../harness/providers/registry.js";
import {modelInfoSchema} from "../../harness/results/schema.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {runModelJob} from "../../harness/run/run-model.js";
import {withComparisons} from "../../harness/run/references.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {loadTasks} from "../../harness/tasks/registry.js";
import {compare} from "../../harness/tasks/sts/compare.js";
import sts from "../../harness/tasks/sts/index.js";
import {stsScoresSchema} from "../../harness/tasks/sts/contract.js";
import {testAssetRoots} from "../helpers/assets.js";
import {resolveModels} from "../helpers/resolve.js";

const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-sts-jaccard-")));
const model = builtinModelInfo("builtin:jaccard");

/** Plans and runs one STS config on the Jaccard baseline through the lexical provider, in-process. */
async function runJaccard(dataset: object, extra: object = {}) {
    const config = sts.configSchema.parse({dataset, ...extra});
    const trials = sts.plan(config, model);
    const records: TrialRecord[] = [];
    const outcome = await runModelJob(lexicalProvider,
        {model, settings: {method: "jaccard"}, threads: 1, contextSize: 512, assetRoots, tasks: [{instanceId: "t", type: "sts", config, trials}]},
        {onTrialDone: (_id, record) => records.push(record)});
    expect(outcome.ok).toBe(true);
    return {records, scores: stsScoresSchema.parse(sts.aggregate(config, records))};
}

describe("Jaccard word-overlap baseline (builtin:jaccard)", () => {
    it("tokenizes lower-cased [a-z0-9']+ words as sets", () => {
        expect(jaccard("A man's DOG, a dog!", "the man's dog")).toBeCloseTo(2 / 4, 14);
        expect(jaccard("...", "?!")).toBe(0);
    });

    // Independently known: scipy.stats.spearmanr on the same definition gives 55.790 / 64.792 / 57.438.
    it.each([
        [{type: "stsb", split: "test"}, 55.79, 1379],
        [{type: "stsb", split: "dev"}, 64.79, 1500],
        [{type: "sick", pairs: "test"}, 57.44, 4927]
    ])("scores %j at the known Spearman x100", async (dataset, expected, pairs) => {
        const {records, scores} = await runJaccard(dataset);
        expect(records).toHaveLength(1);
        expect(records[0]!.status).toBe("ok");
        expect(Math.abs(scores.main! - expected)).toBeLessThanOrEqual(0.01);
        expect(scores.pairs).toBe(pairs);
        expect(scores.similarity).toBe("jaccard");
        expect(scores.mainCi![0]).toBeLessThan(scores.main!);
        expect(scores.mainCi![1]).toBeGreaterThan(scores.main!);
        expect(scores.bootstrap).toEqual({method: "percentile bootstrap over pairs", samples: 1000, seed: 42, level: 0.95});
    });

    it("records per-pair ids, gold and similarity (text only on request) and STS-B genre/source breakdowns", async () => {
        const {records, scores} = await runJaccard({type: "stsb", split: "test"}, {includeText: true, prefix: "query: "});
        const output = records[0]!.output as {pairIds: string[]; gold: number[]; similarity: number[]; texts: [string, string][]};
        expect(output.pairIds[0]).toBe("MSRvid-2012test-0024");
        expect(output.gold[0]).toBe(2.5);
        expect(output.texts[0]).toEqual(["A girl is styling her hair.", "A girl is brushing her hair."]);
        expect(output.similarity[0]).toBeCloseTo(jaccard(...output.texts[0]!), 14);
        // A lexical baseline scores the bare sentences: the embedding prefix is recorded as not applied.
        expect(scores.prefix).toBe("query: ");
        expect(scores.prefixApplied).toBe(false);
        expect(scores.main).toBeCloseTo(55.79, 2);
        expect(scores.breakdown.genre!.map((g) => [g.value, g.pairs])).toEqual([["main-captions", 625], ["main-forums", 254], ["main-news", 500]]);
        expect(scores.breakdown.source!.reduce((n, g) => n + g.pairs, 0)).toBe(1379);
        const withoutText = await runJaccard({type: "stsb", split: "test"});
        expect(withoutText.records[0]!.output).not.toHaveProperty("texts");
    });

    it("is a schema-valid model without weights, resolved from the suite reference builtin:jaccard", async () => {
        const {models, unresolved} = await resolveModels(["builtin:jaccard", "builtin:nope"], {assetRoots});
        expect(models).toEqual([model]);
        expect(models[0]!.path).toBeUndefined();
        expect(unresolved).toEqual([{source: "builtin:nope", message: 'unknown built-in model "builtin:nope" (known: builtin:jaccard)'}]);
        expect(model.provider).toBe("lexical");
        expect(model.sha256).toBe(methodSha256(LEXICAL_METHODS.jaccard!));
        expect(model.bytes).toBe(0);
        expect(model.quantLabel).toBe("none");
        expect(modelInfoSchema.safeParse(model).success).toBe(true);
        expect((await providerById("lexical")).id).toBe("lexical");
    });

    it("runs in-process through runSuite into a schema-valid document; compared with itself it shows no change", async () => {
        const suite = await parseSuite({name: "jaccard", models: ["builtin:jaccard"], tasks: [{type: "sts", id: "dev", dataset: {type: "stsb", split: "dev"}}]}, "test");
        const report = await runSuite(suite, {outDir: mkdtempSync(path.join(os.tmpdir(), "slmbench-sts-jaccard-out-")), assetRoots, quiet: true});
        expect(report.failures).toEqual([]);
        const doc = await readResultDocument(report.documentFiles[0]!);
        expect(doc.model.id).toBe("builtin:jaccard");
        expect(doc.env.llamaCpp).toMatch(/^none/);
        expect(doc.scores.main).toBeCloseTo(64.79, 2);
        const itself = compare(doc, doc);
        expect(itself).toMatchObject({pairs: 1500, deltaSpearman: 0, deltaCi: [0, 0], drift: null});
        // A reference is never compared with itself by the comparison step.
        expect(await withComparisons(report.documents, await loadTasks(), {assetRoots})).toEqual(report.documents);
    });

    it("fails the trial with a clear message on tasks it cannot serve", async () => {
        const records: TrialRecord[] = [];
        const niahConfig = {lengths: [64], depths: [50]};
        const {default: niah} = await import("../../harness/tasks/niah/index.js");
        const config = niah.configSchema.parse(niahConfig);
        await runModelJob(lexicalProvider,
            {model, settings: {method: "jaccard"}, threads: 1, contextSize: 512, assetRoots, tasks: [{instanceId: "n", type: "niah", config, trials: niah.plan(config, model)}]},
            {onTrialDone: (_id, record) => records.push(record)});
        expect(records[0]!.status).toBe("error");
        expect(records[0]!.error!.message).toMatch(/cannot run niah: it lacks .*generate/);
    });
});
