// The direct scoring path (raw logits and batched embeddings through libllama) against node-llama-cpp's
// sampler path on the real tiny ladders, both in one run: fidelity (TinyStories-656K F32 vs Q4_0 at
// k = 16 and 256), NIAH-style continuation log-probabilities and lift (stories260K), STS embeddings
// (wnft-sif-256). Both paths run without flash attention (llama.cpp's "auto" makes batched rows depend
// on the batch shape). In-process on purpose: every text here holds only characters these tokenizers accept.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, Llama, LlamaLogLevel, LlamaModel} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {DirectModel} from "../../harness/providers/local-gguf/direct/model.js";
import {DirectScorer} from "../../harness/providers/local-gguf/direct/scorer.js";
import {klExact, rowStats} from "../../harness/providers/local-gguf/direct/scoring.js";
import {LocalGgufSession, LocalSessionOptions} from "../../harness/providers/local-gguf/session.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import fidelity from "../../harness/tasks/fidelity/index.js";
import {loadCorpusText, tokenStream} from "../../harness/tasks/fidelity/corpus.js";
import {decodeFloat32} from "../../harness/tasks/fidelity/metrics.js";
import type {FidelityScores} from "../../harness/tasks/fidelity/contract.js";
import {loadDataset} from "../../harness/tasks/sts/datasets.js";
import {distinctSentences} from "../../harness/tasks/sts/runner.js";
import {cosine, spearman} from "../../harness/util/correlation.js";
import {MODELS, stories260K, testAssetRoots, tinyStories} from "../helpers/assets.js";

const CHUNK = 256;
const corpus = {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 2 * CHUNK, charset: "ascii-safe"};
const SAMPLER: LocalSessionOptions = {scoring: "sampler", flashAttention: false};
const DIRECT: LocalSessionOptions = {scoring: "direct"};
let llama: Llama;

beforeAll(async () => {
    llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
});

/** The task's own plan, runner and aggregate for one file, as the model process runs them. */
async function runFidelity(model: LlamaModel, isReference: boolean, topK: number, options: LocalSessionOptions, cacheDir: string) {
    const assetRoots = testAssetRoots(cacheDir);
    const config = fidelity.configSchema.parse({corpus, topK, chunkSize: CHUNK});
    const info = {contextLength: 512, ladder: {id: "t", referenceFile: "TinyStories-656K-F32.gguf", referenceSha256: "f".repeat(64), isReference, size: 2}};
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, options);
    const runner = await fidelity.createRunner(config, session, {assetRoots});
    const records: TrialRecord[] = [];
    for (const trial of fidelity.plan(config, info as never))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    return {records, scores: fidelity.aggregate(config, records) as FidelityScores};
}

describe("fidelity: the direct path gives the sampler path's figures (TinyStories-656K F32 vs Q4_0, 2 chunks of 256)", () => {
    let reference: LlamaModel;
    let quantized: LlamaModel;
    const runs = new Map<string, Awaited<ReturnType<typeof runFidelity>>>();

    beforeAll(async () => {
        reference = await llama.loadModel({modelPath: tinyStories("F32")});
        quantized = await llama.loadModel({modelPath: tinyStories("Q4_0")});
        for (const k of [16, 256]) {
            for (const [name, options] of [["sampler", SAMPLER], ["direct", DIRECT]] as const) {
                const cacheDir = mkdtempSync(path.join(os.tmpdir(), `slmbench-direct-${name}-`));
                expect((await runFidelity(reference, true, k, options, cacheDir)).scores.main).toBe(0);
                runs.set(`${name}/${k}`, await runFidelity(quantized, false, k, options, cacheDir));
            }
        }
    }, 300_000);
    afterAll(async () => {
        await reference?.dispose();
        await quantized?.dispose();
    });

    it("at the same k: mean KLD within 1e-7 nats (per position within the sampler's float32 noise), top-1 identical, Δp and perplexity equal", () => {
        for (const k of [16, 256]) {
            const [sampler, direct] = [runs.get(`sampler/${k}`)!, runs.get(`direct/${k}`)!];
            expect(direct.scores.scoredTokens).toBe(2 * (CHUNK - 1 - CHUNK / 2));
            expect(direct.scores.topK).toBe(k);
            expect(Math.abs(direct.scores.meanKld! - sampler.scores.meanKld!)).toBeLessThan(1e-7);
            expect(direct.scores.top1Agreement).toBe(sampler.scores.top1Agreement);
            expect(direct.scores.rmsDeltaP!).toBeCloseTo(sampler.scores.rmsDeltaP!, 6);
            expect(direct.scores.ppl!).toBeCloseTo(sampler.scores.ppl!, 4);
            direct.records.forEach((record, chunk) => {
                const other = sampler.records[chunk]!;
                expect(record.scores.sameTop).toBe(other.scores.sameTop);
                const [kd, ks] = [decodeFloat32(record.output!.kld as string), decodeFloat32(other.output!.kld as string)];
                const [dd, ds] = [decodeFloat32(record.output!.deltaP as string), decodeFloat32(other.output!.deltaP as string)];
                for (let j = 0; j < kd.length; j++) {
                    // The sampler path's probabilities are float32 (log error ~6e-8 per token on either side): per position, the
                    // two paths agree to that noise (measured: at most 1.4e-7); the means to a few 1e-9.
                    expect(Math.abs(kd[j]! - ks[j]!)).toBeLessThan(5e-7);
                    expect(Math.abs(dd[j]! - ds[j]!)).toBeLessThan(1e-6);
                }
            });
        }
        // A real difference between the files, so the comparison above is not between zeros.
        expect(runs.get("direct/256")!.scores.meanKld!).toBeGreaterThan(0.01);
    });

    it("exact KLD over the whole vocabulary bounds the top-k figures from above and is what k = 256 mostly keeps", async () => {
        const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-direct-exact-")));
        const session = new LocalGgufSession(reference, {contextSize: CHUNK, threads: 1});
        const {stream, bos} = await tokenStream(session, loadCorpusText(fidelity.configSchema.parse({corpus}).corpus, assetRoots), corpus.maxTokens);
        await session.dispose();
        const [p, q] = [DirectModel.load(tinyStories("F32")), DirectModel.load(tinyStories("Q4_0"))];
        const [sp, sq] = [new DirectScorer(p, {contextSize: CHUNK, threads: 1}), new DirectScorer(q, {contextSize: CHUNK, threads: 1})];
        let sum = 0;
        let count = 0;
        for (const chunk of [0, 1]) {
            const tokens = stream.slice(chunk * CHUNK, (chunk + 1) * CHUNK);
            tokens[0] = bos!;
            const rows: Float32Array[] = [];
            sp.evaluate(tokens, CHUNK / 2, CHUNK - 1, (row) => rows.push(row.slice()));
            sq.evaluate(tokens, CHUNK / 2, CHUNK - 1, (row, position) => {
                sum += klExact(rows[position - CHUNK / 2]!, row, rowStats(rows[position - CHUNK / 2]!), rowStats(row));
                count++;
            });
        }
        sp.dispose();
        sq.dispose();
        p.free();
        q.free();
        const exact = sum / count;
        const k256 = runs.get("direct/256")!.scores.meanKld!;
        expect(count).toBe(2 * (CHUNK - 1 - CHUNK / 2));
        expect(exact).toBeGreaterThan(k256);
        expect(k256 / exact).toBeGreaterThan(0.88);
        expect(runs.get("direct/16")!.scores.meanKld!).toBeLessThan(k256);
    }, 60_000);
});

describe("NIAH: continuation log-probabilities and lift through both paths (stories260K)", () => {
    it("give the same log-probabilities (1e-4 nats) and the same lift (1e-5 nats), with and without prefix reuse", async () => {
        const model = await llama.loadModel({modelPath: stories260K("Q4_0")});
        const haystack = "Once upon a time, there was a little girl named Lily. She loved to play in the park with her friends. ".repeat(6);
        const needle = "The secret word is banana. ";
        const question = "\nWhat is the secret word?";
        const prompts = [0, 0.5, 1].map((depth) => {
            const at = Math.round(depth * haystack.length / 2) * 2;
            return {user: haystack.slice(0, at) + needle + haystack.slice(at) + question, answerPrefix: "The secret word is"};
        });
        const baseline = {user: haystack + question, answerPrefix: "The secret word is"};
        const lifts = async (options: LocalSessionOptions) => {
            const session = new LocalGgufSession(model, {contextSize: 512, threads: 1}, options);
            const base = (await session.continuationLogprob(baseline, " banana.")).logprob;
            const out: {logprob: number; lift: number}[] = [];
            for (const prompt of prompts) {
                const {logprob, tokens} = await session.continuationLogprob(prompt, " banana.");
                expect(tokens).toBeGreaterThan(1);
                out.push({logprob, lift: logprob - base});
            }
            await session.dispose();
            return out;
        };
        const sampler = await lifts(SAMPLER);
        const direct = await lifts(DIRECT);
        const fromScratch = await lifts({...DIRECT, reusePrefix: false});
        await model.dispose();
        sampler.forEach((s, i) => {
            expect(Math.abs(direct[i]!.logprob - s.logprob)).toBeLessThan(1e-4);
            expect(Math.abs(direct[i]!.lift - s.lift)).toBeLessThan(1e-5);
            expect(Math.abs(fromScratch[i]!.lift - direct[i]!.lift)).toBeLessThan(1e-5);
        });
        // The needle makes the answer more likely: a real signal, not zeros compared with zeros.
        expect(direct.some((d) => d.lift > 0.5)).toBe(true);
    }, 120_000);
});

describe("STS: batched direct embeddings against node-llama-cpp's one-sentence contexts (wnft-sif-256, STS-B test)", () => {
    it("give the same vectors (1 - cos < 1e-6) and the same Spearman (within 0.01 points)", async () => {
        const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-direct-sts-")));
        const dataset = loadDataset({type: "stsb", split: "test"}, assetRoots);
        const sentences = distinctSentences(dataset);
        const model = await llama.loadModel({modelPath: `${MODELS}/wnft-sif-256/wnft-sif-256-Q4_K_M.gguf`});
        const embed = async (options: LocalSessionOptions) => {
            const session = new LocalGgufSession(model, {contextSize: 512, threads: 1}, options);
            const vectors = await session.embed(sentences);
            await session.dispose();
            return new Map(sentences.map((sentence, i) => [sentence, vectors[i]!]));
        };
        const sampler = await embed(SAMPLER);
        const direct = await embed(DIRECT);
        await model.dispose();
        let worst = 0;
        for (const sentence of sentences) worst = Math.max(worst, 1 - cosine(sampler.get(sentence)!, direct.get(sentence)!));
        expect(worst).toBeLessThan(1e-6);
        const score = (vectors: Map<string, number[]>) =>
            100 * spearman(dataset.pairs.map((pair) => cosine(vectors.get(pair.sentence1)!, vectors.get(pair.sentence2)!)), dataset.pairs.map((pair) => pair.score))!;
        expect(Math.abs(score(direct) - score(sampler))).toBeLessThan(0.01);
        expect(score(direct)).toBeGreaterThan(50);
    }, 120_000);
});
