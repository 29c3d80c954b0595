// The direct path (raw logits, greedy generation and batched embeddings through libllama) against
// node-llama-cpp's sampler path on the real tiny ladders, both in one run and both at their default
// settings (flash attention "auto", the same decodes): fidelity (TinyStories-656K F32 vs Q4_0 at
// k = 16 and 256), NIAH's generated text, answer log-probabilities and lift (TinyStories-656K,
// stories260K), STS embeddings (wnft-sif-256). In-process on purpose: every text here holds only
// characters these tokenizers accept.
import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, Llama, LlamaLogLevel, LlamaModel} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {DirectEmbedder} from "../../harness/providers/local-gguf/direct/embedder.js";
import {DirectModel} from "../../harness/providers/local-gguf/direct/model.js";
import {nodeLlamaCppContextShape} from "../../harness/providers/local-gguf/direct/schedule.js";
import {DirectScorer} from "../../harness/providers/local-gguf/direct/scorer.js";
import {klExact, rowStats} from "../../harness/providers/local-gguf/direct/scoring.js";
import {LocalGgufSession, LocalSessionOptions} from "../../harness/providers/local-gguf/session.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import type {FidelityTrialSpec} from "../../harness/tasks/fidelity/plan.js";
import type {PlannedTrial} from "../../harness/tasks/types.js";
import fidelity from "../../harness/tasks/fidelity/index.js";
import niah from "../../harness/tasks/niah/index.js";
import {loadCorpusText, tokenStream} from "../../harness/tasks/fidelity/corpus.js";
import {decodeFloat32} from "../../harness/tasks/fidelity/metrics.js";
import type {FidelityScores} from "../../harness/tasks/fidelity/contract.js";
import {loadDataset} from "../../harness/tasks/sts/datasets.js";
import {distinctSentences} from "../../harness/tasks/sts/runner.js";
import {cosine, spearman} from "../../harness/util/correlation.js";
import {MODELS, stories260K, testAssetRoots, tinyStories} from "../helpers/assets.js";

const CHUNK = 256;
const corpus = {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 2 * CHUNK, charset: "ascii-safe"};
const SAMPLER: LocalSessionOptions = {scoring: "sampler"};
const DIRECT: LocalSessionOptions = {scoring: "direct"};
let llama: Llama;

beforeAll(async () => {
    llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
});

/** The task's own plan, runner and aggregate for one file, as the model process runs them. */
async function runFidelity(model: LlamaModel, isReference: boolean, topK: number, options: LocalSessionOptions, cacheDir: string) {
    const assetRoots = testAssetRoots(cacheDir);
    // The top-k route on both paths (the sampler path has no exact route).
    const config = fidelity.configSchema.parse({corpus, topK, chunkSize: CHUNK, exact: "off"});
    const info = {contextLength: 512, ladder: {id: "t", referenceFile: "TinyStories-656K-F32.gguf", referenceSha256: "f".repeat(64), isReference, size: 2}};
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, options);
    const runner = await fidelity.createRunner(config, session, {assetRoots});
    const records: TrialRecord[] = [];
    for (const trial of fidelity.plan(config, info as never))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    return {records, scores: fidelity.aggregate(config, records) as FidelityScores};
}

it("sizes its scoring context as node-llama-cpp sizes one (KV cells padded to 256, batch min(size, 512))", async () => {
    for (const file of [tinyStories("F32"), stories260K("F32")]) {
        const model = await llama.loadModel({modelPath: file});
        for (const size of [100, 300, 700]) {
            const context = await model.createContext({contextSize: size, threads: 1});
            const cells = (context as unknown as {_ctx: {getContextSize(): number}})._ctx.getContextSize();
            expect(nodeLlamaCppContextShape(size, model.trainContextSize)).toEqual({cells, batchSize: context.batchSize});
            await context.dispose();
        }
        await model.dispose();
    }
});

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

describe("fidelity: scoring decodes of 64 tokens or more give a whole chunk's rows bit for bit (TinyStories-656K, a 512-token chunk)", () => {
    it("rows in one decode, in 64-token decodes (pipelined) and in 27-token ones; exact KLD against stored rows read during the decodes", async () => {
        const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-direct-decodes-")));
        const text = loadCorpusText(fidelity.configSchema.parse({corpus: {...corpus, maxTokens: 512}}).corpus, assetRoots);
        const model = await llama.loadModel({modelPath: tinyStories("F32")});
        const {stream, bos} = await tokenStream(new LocalGgufSession(model, {contextSize: 512, threads: 1}), text, 512);
        await model.dispose();
        const tokens = stream.slice(0, 512);
        if (bos != null) tokens[0] = bos;
        const from = 256, scored = tokens.length - 1 - from;
        const score = async (file: string, options: {scoredPerCall?: number; pipeline: boolean}, reference?: Float32Array) => {
            const direct = DirectModel.load(file);
            const vocabulary = direct.vocabularySize;
            const scorer = new DirectScorer(direct, {contextSize: 512, threads: 1, trainContextSize: 512, ...options});
            const rows = new Float32Array(scored * vocabulary);
            const results = await scorer.nextTokenLogprobs(tokens, from, {
                rowsOut: (first, count, batch) => rows.set(batch.subarray(0, count * vocabulary), (first - from) * vocabulary),
                ...(reference ? {reference: {vocabularySize: vocabulary, stored: true,
                    read: (first: number, count: number, into: Float32Array) => into.set(reference.subarray((first - from) * vocabulary, (first - from + count) * vocabulary))}} : {})
            });
            scorer.dispose();
            direct.free();
            return {rows: Buffer.from(rows.buffer), kld: results.map((result) => result.kld)};
        };
        const whole = await score(tinyStories("F32"), {pipeline: false});
        // 255 scored positions, 64 per call: decodes [0, 319), [319, 383), [383, 447), [447, 511).
        expect((await score(tinyStories("F32"), {scoredPerCall: 64, pipeline: true})).rows.equals(whole.rows)).toBe(true);
        // Under 64 query tokens llama.cpp's CPU flash attention takes another kernel, which rounds differently.
        expect((await score(tinyStories("F32"), {scoredPerCall: 27, pipeline: true})).rows.equals(whole.rows)).toBe(false);
        const reference = new Float32Array(whole.rows.buffer, whole.rows.byteOffset, whole.rows.length / 4);
        const kldWhole = (await score(tinyStories("Q8_0"), {pipeline: false}, reference)).kld;
        expect(kldWhole.every((kld) => kld! >= 0) && kldWhole.some((kld) => kld! > 0)).toBe(true);
        for (const pipeline of [true, false]) expect((await score(tinyStories("Q8_0"), {scoredPerCall: 64, pipeline}, reference)).kld).toEqual(kldWhole);
    }, 120_000);
});

describe("fidelity: the next chunk's first decode started while this chunk's rows are read (TinyStories-656K, 4 chunks of 256, exact-cache)", () => {
    it("gives the same records whichever trial follows, and leaves the session usable", async () => {
        const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-direct-ahead-")));
        const config = fidelity.configSchema.parse({corpus: {...corpus, maxTokens: 4 * CHUNK}, chunkSize: CHUNK, exact: "cache"});
        type Hint = (trials: PlannedTrial<FidelityTrialSpec>[], i: number) => PlannedTrial<FidelityTrialSpec> | undefined;
        const runFile = async (file: string, isReference: boolean, hint: Hint) => {
            const model = await llama.loadModel({modelPath: file});
            const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {...DIRECT, pipeline: true});
            const runner = await fidelity.createRunner(config, session, {assetRoots});
            const info = {contextLength: 512, ladder: {id: "t", referenceFile: "TinyStories-656K-F32.gguf", referenceSha256: "f".repeat(64), isReference, size: 2}};
            const trials = fidelity.plan(config, info as never);
            const records = [];
            for (let i = 0; i < trials.length; i++) records.push(await runner.run(trials[i]!, {next: hint(trials, i)}));
            // A synchronous scoring call after a decode started ahead for a call that never came: the session waits for it.
            const continuation = await session.continuationLogprob({user: "Once upon a time"}, " there was a cat");
            await runner.dispose?.();
            await session.dispose();
            decoded.set(`${path.basename(file)} ${hint.name}`, session.counters().evaluatedTokens);
            await model.dispose();
            return {outputs: records.map((record) => [record.input?.kldRoute, record.output, record.scores]), continuation: continuation.logprob};
        };
        const decoded = new Map<string, number>();
        const none: Hint = () => undefined;
        const following: Hint = (trials, i) => trials[i + 1];
        const elsewhere: Hint = (trials, i) => trials[(i + 2) % trials.length];
        const reference = await runFile(tinyStories("F32"), true, none);
        expect(reference.outputs.every(([route]) => route === "exact-cache")).toBe(true);
        expect(await runFile(tinyStories("F32"), true, following)).toEqual(reference);
        const compared = await runFile(tinyStories("Q4_0"), false, none);
        expect((compared.outputs[0]![2] as {meanKld: number}).meanKld).toBeGreaterThan(0);
        expect(await runFile(tinyStories("Q4_0"), false, following)).toEqual(compared);
        expect(await runFile(tinyStories("Q4_0"), false, elsewhere)).toEqual(compared);
        // Decodes started ahead were taken over when the trial followed (no token decoded twice), wasted otherwise.
        expect(decoded.get("TinyStories-656K-F32.gguf following")).toBe(decoded.get("TinyStories-656K-F32.gguf none"));
        expect(decoded.get("TinyStories-656K-Q4_0.gguf following")).toBe(decoded.get("TinyStories-656K-Q4_0.gguf none"));
        expect(decoded.get("TinyStories-656K-Q4_0.gguf elsewhere")).toBe(decoded.get("TinyStories-656K-Q4_0.gguf none")! + 4 * (CHUNK - 1));
    }, 120_000);
});

describe("NIAH: greedy generation and teacher-forced scoring on one KV cache, through both paths (TinyStories-656K, stories260K)", () => {
    /** The task's own runner on a small grid, prompts in its order (sharing prefixes), as the model process runs it. */
    async function runNiah(model: LlamaModel, options: LocalSessionOptions) {
        const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-direct-niah-")));
        const config = niah.configSchema.parse({lengths: [300, 500], depths: {count: 3}, maxNewTokens: 10, haystack: {type: "noise"}});
        const session = new LocalGgufSession(model, {contextSize: 512, threads: 1}, options);
        const runner = await niah.createRunner(config, session, {assetRoots});
        const records: TrialRecord[] = [];
        for (const trial of runner.order!(niah.plan(config, {contextLength: 512} as never)))
            records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
        await session.dispose();
        return records;
    }

    for (const file of [tinyStories("F32"), stories260K("Q4_0")]) {
        it(`${path.basename(file)}: the same generated text (leading space kept), log-probabilities and lift (1e-5 nats)`, async () => {
            const model = await llama.loadModel({modelPath: file});
            const sampler = await runNiah(model, SAMPLER);
            const direct = await runNiah(model, DIRECT);
            await model.dispose();
            expect(direct).toHaveLength(6);
            direct.forEach((record, i) => {
                const other = sampler[i]!;
                expect(record.output!.text).toBe(other.output!.text);
                expect(record.output!.generatedTokens).toBe(other.output!.generatedTokens);
                // Measured: at most 1.5e-6 apart (the sampler's float32 probabilities).
                expect(Math.abs(record.scores.answerLogprob! - other.scores.answerLogprob!)).toBeLessThan(1e-5);
                expect(Math.abs(record.scores.lift! - other.scores.lift!)).toBeLessThan(1e-5);
            });
            // The answer continues the prompt after a space: detokenized with the prompt as context, the space stays.
            expect(direct.some((record) => /^ \S/.test(record.output!.text as string))).toBe(true);
            // A real signal: the needle makes the answer more likely somewhere.
            expect(direct.some((record) => record.scores.lift! > 0.5)).toBe(true);
        }, 120_000);
    }
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
        // Another batch shape gives the same vectors; 4 sequences do not divide 511 tokens, where llama.cpp would abort.
        const direct4 = DirectModel.load(`${MODELS}/wnft-sif-256/wnft-sif-256-Q4_K_M.gguf`);
        const embedder = new DirectEmbedder(direct4, {contextSize: 512, threads: 1, sentencesPerDecode: 4});
        const some = sentences.slice(0, 40);
        embedder.embed(some).forEach((vector, i) => expect(1 - cosine(vector, direct.get(some[i]!)!)).toBeLessThan(1e-6));
        embedder.dispose();
        // Inputs longer than a flash-attention tile (64 tokens) packed with short ones in their last
        // tile, against one input per decode.
        const long = [some.slice(0, 12).join(" "), some.slice(20, 40).join(" "), some.join(" ")];
        const mixed = [...long, ...some];
        const packed = new DirectEmbedder(direct4, {contextSize: 512, threads: 1});
        const single = new DirectEmbedder(direct4, {contextSize: 512, threads: 1, sentencesPerDecode: 1});
        expect(long.map((text) => direct4.tokenize(text, true).length).filter((tokens) => tokens > 64)).toHaveLength(3);
        const alone = single.embed(mixed);
        packed.embed(mixed).forEach((vector, i) => expect(1 - cosine(vector, alone[i]!)).toBeLessThan(1e-6));
        packed.dispose();
        single.dispose();
        expect(() => direct4.createContext({contextSize: 511, batchSize: 511, threads: 1, sequences: 4, embeddings: true})).toThrow(/batch size they divide/);
        direct4.free();
    }, 120_000);
});
