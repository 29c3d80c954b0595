// In-process: the fidelity runner on two 256-token chunks of TinyStories-656K (F32 reference, Q4_0),
// checked against full-vocabulary figures computed straight from node-llama-cpp's probability Maps,
// and the effect of k (reference tokens kept per position) on the KL divergence.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import fidelity from "../../harness/tasks/fidelity/index.js";
import {loadCorpusText, tokensSha256, tokenStream} from "../../harness/tasks/fidelity/corpus.js";
import type {FidelityScores} from "../../harness/tasks/fidelity/contract.js";
import {testAssetRoots, tinyStories} from "../helpers/assets.js";

// In-process on purpose: the ascii-safe corpus holds only characters TinyStories-656K's tokenizer accepts.
const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-topk-")));
const CHUNK = 256;
const VOCABULARY = 2048;
const corpus = {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 2 * CHUNK, charset: "ascii-safe"};
let reference: LlamaModel;
let quantized: LlamaModel;
let stream: number[];
let bos: number;

beforeAll(async () => {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    reference = await llama.loadModel({modelPath: tinyStories("F32")});
    quantized = await llama.loadModel({modelPath: tinyStories("Q4_0")});
    const session = new LocalGgufSession(reference, {contextSize: CHUNK, threads: 1});
    const config = fidelity.configSchema.parse({corpus});
    ({stream, bos} = await tokenStream(session, loadCorpusText(config.corpus, assetRoots), config.corpus.maxTokens) as {stream: number[]; bos: number});
});
afterAll(async () => {
    await reference?.dispose();
    await quantized?.dispose();
});

const chunkTokens = (chunk: number) => {
    const tokens = stream.slice(chunk * CHUNK, (chunk + 1) * CHUNK);
    tokens[0] = bos;
    return tokens;
};

/** Runs the task's own plan, runner and aggregate for one file, as the model process would. */
async function runFile(model: LlamaModel, isReference: boolean, topK: number | "vocabulary"): Promise<{records: TrialRecord[]; scores: FidelityScores}> {
    const config = fidelity.configSchema.parse({corpus, topK, chunkSize: CHUNK});
    const info = {contextLength: 512, ladder: {id: "t", referenceFile: "TinyStories-656K-F32.gguf", referenceSha256: "f".repeat(64), isReference, size: 2}};
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1});
    const runner = await fidelity.createRunner(config, session, {assetRoots});
    const records: TrialRecord[] = [];
    for (const trial of fidelity.plan(config, info as never))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    return {records, scores: fidelity.aggregate(config, records) as FidelityScores};
}

/** Full-vocabulary figures from node-llama-cpp's Maps directly: no harness code in between. */
async function exactFigures() {
    const sums = {kl: 0, same: 0, dp2: 0, nll: 0, nllRef: 0, n: 0};
    const evaluate = async (model: LlamaModel, tokens: number[]) => {
        // Flash attention off, as the harness's scoring path runs (with it, rows depend on the batch shape).
        const context = await model.createContext({contextSize: CHUNK, threads: 1, flashAttention: false});
        const outputs = await context.getSequence().controlledEvaluate(tokens.slice(0, -1).map((token, i) =>
            i >= CHUNK / 2 ? [token as Token, {generateNext: {probabilities: true}}] : token as Token));
        await context.dispose();
        return outputs.slice(CHUNK / 2).map((output) => output!.next!.probabilities!);
    };
    const argmax = (d: Map<Token, number>) => [...d].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
    for (const chunk of [0, 1]) {
        const tokens = chunkTokens(chunk);
        const [p, q] = [await evaluate(reference, tokens), await evaluate(quantized, tokens)];
        p.forEach((pd, j) => {
            const qd = q[j]!;
            for (const [id, pi] of pd) if (pi > 0) sums.kl += pi * Math.log(pi / qd.get(id)!);
            const next = tokens[CHUNK / 2 + j + 1] as Token;
            sums.same += argmax(pd) === argmax(qd) ? 1 : 0;
            sums.dp2 += (qd.get(next)! - pd.get(next)!) ** 2;
            sums.nll -= Math.log(qd.get(next)!);
            sums.nllRef -= Math.log(pd.get(next)!);
            sums.n++;
        });
    }
    return {meanKld: sums.kl / sums.n, top1: sums.same / sums.n, rmsDeltaP: Math.sqrt(sums.dp2 / sums.n), ppl: Math.exp(sums.nll / sums.n), pplRef: Math.exp(sums.nllRef / sums.n), n: sums.n};
}

describe("fidelity runner against full-vocabulary figures (TinyStories-656K F32 vs Q4_0, 2 chunks of 256)", () => {
    let exact: Awaited<ReturnType<typeof exactFigures>>;
    const byK = new Map<number | "vocabulary", FidelityScores>();
    const runs = new Map<number | "vocabulary", {reference: TrialRecord[]; quantized: TrialRecord[]}>();

    beforeAll(async () => {
        exact = await exactFigures();
        for (const k of [16, 256, VOCABULARY, "vocabulary"] as const) {
            const ref = await runFile(reference, true, k);
            expect(ref.scores.main).toBe(0);
            const quant = await runFile(quantized, false, k);
            byK.set(k, quant.scores);
            runs.set(k, {reference: ref.records, quantized: quant.records});
        }
    }, 300_000);

    it("says whether the KL is exact: kldExact and kldTopK, topK \"vocabulary\", and a main-score description that names the lower bound", () => {
        expect([16, 256].map((k) => [byK.get(k)!.kldExact, byK.get(k)!.kldTopK])).toEqual([[false, 16], [false, 256]]);
        expect([byK.get(VOCABULARY)!.kldExact, byK.get(VOCABULARY)!.kldTopK, byK.get(VOCABULARY)!.vocabularySize]).toEqual([true, null, VOCABULARY]);
        const all = byK.get("vocabulary")!;
        expect([all.kldExact, all.kldTopK, all.topK]).toEqual([true, null, VOCABULARY]);
        expect(all.meanKld).toBe(byK.get(VOCABULARY)!.meanKld);
        expect(fidelity.mainScore(fidelity.configSchema.parse({topK: 256})).description).toMatch(/top 256 tokens plus one bin for the rest: a lower bound of the full KL/);
        expect(fidelity.mainScore(fidelity.configSchema.parse({topK: "vocabulary"})).description).toMatch(/\(exact: over the full vocabulary\)/);
    });

    it("compares each file with its reference on the chunks both completed, with an interval over chunks", () => {
        const {reference: ref, quantized: quant} = runs.get(256)!;
        const doc = (records: TrialRecord[], sha: string) => ({model: {id: sha, fileName: sha, sha256: sha.repeat(64), quantLabel: sha}, trials: records}) as never;
        const vs = fidelity.compare!(doc(ref, "f"), doc(quant, "e")) as NonNullable<FidelityScores["vsReference"]>;
        expect(vs.pairedChunks).toBe(2);
        expect(vs.mainDelta).toMatchObject({units: 2, unit: "chunks"});
        expect(vs.mainDelta.delta).toBeCloseTo(byK.get(256)!.meanKld!, 12);
        const [low, high] = vs.mainDelta.ci!;
        expect(low).toBeLessThanOrEqual(vs.mainDelta.delta!);
        expect(high).toBeGreaterThanOrEqual(vs.mainDelta.delta!);
        // One chunk missing at the quant: compared on the other only.
        const one = fidelity.compare!(doc(ref, "f"), doc([quant[1]!], "e")) as NonNullable<FidelityScores["vsReference"]>;
        expect([one.pairedChunks, one.mainDelta.units, one.mainDelta.ci]).toEqual([1, 1, null]);
    });

    it("with k = the vocabulary size, reproduces the exact mean KLD, top-1 agreement, RMS Δp and both perplexities", () => {
        const full = byK.get(VOCABULARY)!;
        expect(full.scoredTokens).toBe(exact.n);
        expect(exact.n).toBe(2 * (CHUNK - 1 - CHUNK / 2));
        expect(full.meanKld!).toBeCloseTo(exact.meanKld, 6);
        expect(Math.abs(full.meanKld! / exact.meanKld - 1)).toBeLessThan(1e-4);
        expect(full.top1Agreement).toBe(exact.top1);
        expect(full.rmsDeltaP!).toBeCloseTo(exact.rmsDeltaP, 6);
        expect(full.ppl!).toBeCloseTo(exact.ppl, 3);
        expect(full.pplReference!).toBeCloseTo(exact.pplRef, 3);
        expect(full.topK).toBe(VOCABULARY);
    });

    it("with fewer kept tokens, underestimates the KL (a lower bound, growing with k); the other figures do not depend on k", () => {
        const [k16, k256, kAll] = [byK.get(16)!, byK.get(256)!, byK.get(VOCABULARY)!];
        // Measured: k = 16 keeps about 60% of the KL of this pair, k = 256 about 94%.
        expect(k16.meanKld!).toBeLessThan(k256.meanKld!);
        expect(k256.meanKld!).toBeLessThan(kAll.meanKld!);
        expect(k16.meanKld! / kAll.meanKld!).toBeGreaterThan(0.4);
        expect(k256.meanKld! / kAll.meanKld!).toBeGreaterThan(0.88);
        for (const s of [k16, k256]) {
            expect(s.top1Agreement).toBe(kAll.top1Agreement);
            expect(s.rmsDeltaP).toBe(kAll.rmsDeltaP);
            expect(s.ppl).toBe(kAll.ppl);
        }
    });

    it("starts every chunk with BOS and scores its second half, as llama-perplexity does", async () => {
        const {records} = await runFile(quantized, false, 256);
        expect(records.map((r) => r.input!.firstScored)).toEqual([CHUNK / 2, CHUNK / 2]);
        expect(records.map((r) => r.input!.tokensSha256)).toEqual([tokensSha256(chunkTokens(0)), tokensSha256(chunkTokens(1))]);
        expect(stream[CHUNK]).not.toBe(bos);
    });

    it("reads distributions that sum to 1 and the same numbers on a second evaluation", async () => {
        const session = new LocalGgufSession(quantized, {contextSize: CHUNK, threads: 1});
        const tokens = chunkTokens(1);
        const ids = (position: number) => [tokens[position + 1]!, 5, 6];
        const first = await session.nextTokenLogprobs(tokens, CHUNK - 4, {topK: 8, ids});
        const second = await session.nextTokenLogprobs(tokens, CHUNK - 4, {topK: 8, ids});
        await session.dispose();
        expect(first.map((d) => d.position)).toEqual([CHUNK - 4, CHUNK - 3, CHUNK - 2]);
        expect(second).toEqual(first);
        for (const d of first) {
            const top = Array.from(d.topLogprobs, Math.exp).reduce((a, b) => a + b, 0);
            expect(top + d.restMass).toBeCloseTo(1, 5);
            expect(Array.from(d.idLogprobs!, Math.exp).reduce((a, b) => a + b, 0) + d.idsRestMass!).toBeCloseTo(1, 5);
            expect(d.idLogprobs![0]).toBe(d.tokenLogprob);
            expect(d.topLogprobs[0]).toBeGreaterThanOrEqual(d.topLogprobs[7]!);
            expect(d.argmax).toBe(d.topIds[0]);
        }
    });
});
