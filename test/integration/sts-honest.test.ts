// STS numbers that do not mislead: all-zero embeddings counted and warned about, and a comparison
// with the reference refused when the two files were scored on different data (wnft-sif-256, real runs).
import {mkdtempSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {beforeAll, describe, expect, it} from "vitest";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import type {ResultDocument, TrialRecord} from "../../harness/results/schema.js";
import {withComparison} from "../../harness/run/references.js";
import {compare} from "../../harness/tasks/sts/compare.js";
import {stsScoresSchema} from "../../harness/tasks/sts/contract.js";
import sts from "../../harness/tasks/sts/index.js";
import {MODELS, testAssetRoots} from "../helpers/assets.js";

const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `slmbench-sts-honest-${name}-`));
const wnft = (quant: string) => path.join(MODELS, "wnft-sif-256", `wnft-sif-256-${quant}.gguf`);
const assetRoots = testAssetRoots(tempDir("cache"));

// "," and "?!" hold only zero-weight tokens for this bag-of-words model: llama.cpp's mean pooling gives all-zero vectors.
const PAIRS = "sentence1\tsentence2\tscore\nA man plays a guitar.\tA man is playing music.\t4\nA cat sleeps.\tThe stock market fell.\t0.2\n" +
    ",\tA dog runs in the park.\t1\nA woman slices an onion.\t?!\t0.5\nTwo kids play football.\tChildren play a ball game.\t3.8\n";
const config = () => {
    const file = path.join(tempDir("pairs"), "pairs.tsv");
    writeFileSync(file, PAIRS);
    return sts.configSchema.parse({dataset: {type: "file", file, scoreRange: [0, 5]}});
};

async function documentOf(quant: string, taskConfig: ReturnType<typeof config>, isReference: boolean): Promise<ResultDocument> {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: wnft(quant)});
    const session = new LocalGgufSession(model, {contextSize: 512, threads: 1});
    const sha256 = (isReference ? "a" : "b").repeat(64);
    const runner = await sts.createRunner(taskConfig, session, {assetRoots});
    const [trial] = sts.plan(taskConfig, {sha256} as never);
    const record = {id: trial!.id, cell: trial!.cell, seed: trial!.seed, status: "ok", ...(await runner.run(trial!))} as TrialRecord;
    await session.dispose();
    await model.dispose();
    return {
        task: {id: "pairs", type: "sts", configHash: "h", config: taskConfig},
        model: {id: `wnft/${quant}`, fileName: `wnft-sif-256-${quant}.gguf`, sha256, quantLabel: quant, ladder: {isReference, referenceSha256: "a".repeat(64)}},
        scores: sts.aggregate(taskConfig, [record]), trials: [record], warnings: sts.warnings?.(taskConfig, [record]) ?? []
    } as unknown as ResultDocument;
}

let reference: ResultDocument;
let candidate: ResultDocument;
beforeAll(async () => {
    const taskConfig = config();
    reference = await documentOf("F16", taskConfig, true);
    candidate = await documentOf("Q8_0", taskConfig, false);
});

describe("STS on wnft-sif-256 with sentences that embed to nothing", () => {
    it("counts all-zero vectors and warns, instead of scoring their pairs at cosine 0 silently", () => {
        const scores = stsScoresSchema.parse(candidate.scores);
        expect(scores.zeroVectors).toBe(2);
        expect(candidate.trials[0]!.scores.zeroVectors).toBe(2);
        expect(candidate.warnings).toEqual([expect.stringMatching(/^2 sentences embedded as all-zero vectors/)]);
    });

    it("compares over the pairs both files scored, with the paired change as mainDelta", () => {
        const comparison = compare(reference, candidate);
        expect(comparison.pairs).toBe(5);
        expect(comparison.mainDelta).toMatchObject({delta: comparison.deltaSpearman, ci: comparison.deltaCi, units: 5, unit: "sentence pairs"});
    });

    it("refuses to compare files scored on different dataset files or with other gold scores, saying why", async () => {
        const withScores = (document: ResultDocument, change: (scores: Record<string, any>, trial: Record<string, any>) => void): ResultDocument => {
            const copy = structuredClone(document) as ResultDocument;
            change(copy.scores as Record<string, any>, copy.trials[0] as Record<string, any>);
            return copy;
        };
        const otherFile = withScores(candidate, (scores) => (scores.dataset.files[0].sha256 = "f".repeat(64)));
        expect(() => compare(reference, otherFile)).toThrow(/the dataset files differ \(sha256 .* at the reference wnft-sif-256-F16\.gguf/);
        const otherGold = withScores(candidate, (_scores, trial) => (trial.output.gold[1] = 3));
        expect(() => compare(reference, otherGold)).toThrow(/1 pairs have other gold scores at the reference wnft-sif-256-F16\.gguf \(first: pair L3\)/);
        // In a run: the document keeps no comparison and says why.
        const kept = await withComparison(sts, reference, otherGold, {assetRoots});
        expect(kept.scores.vsReference).toBeUndefined();
        expect(kept.warnings.at(-1)).toMatch(/^no comparison with the reference wnft-sif-256-F16\.gguf: 1 pairs have other gold scores/);
    });
});
