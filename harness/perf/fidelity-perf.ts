/**
 * Fidelity performance figures (printed, not asserted), per tiny ladder, 1 thread:
 *  1. Fidelity throughput (the task's own runner: evaluate a chunk and read the full next-token
 *     distribution at each scored position) vs the model's plain evaluation of the same tokens
 *     (controlledEvaluate without logits), as a ratio, for the reference pass and a compared file.
 *  2. What reading one distribution costs: per scored position and per vocabulary entry.
 *  3. Reference cache size per 1,000 tokens (scored and corpus tokens).
 *  4. The effect of k: mean KLD kept with the reference's top k (plus the rest bin) vs the full vocabulary.
 */
import {mkdtempSync, readdirSync, rmSync, statSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {LocalGgufSession} from "../providers/local-gguf/session.js";
import type {NextTokenLogprobs} from "../session/types.js";
import type {TrialRecord} from "../results/schema.js";
import fidelity from "../tasks/fidelity/index.js";
import {loadCorpusText, tokenStream} from "../tasks/fidelity/corpus.js";
import {klTopK} from "../tasks/fidelity/metrics.js";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-perf-"));
const assetRoots = {...resolveAssetRoots(), cacheDir};
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const CHUNK = 512;
const config = fidelity.configSchema.parse({
    corpus: {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 4 * CHUNK, charset: "ascii-safe"},
    chunkSize: CHUNK
});
const text = loadCorpusText(config.corpus, assetRoots);

/** The task's runner on every chunk of one file, as the model process runs it. */
async function runFile(model: LlamaModel, isReference: boolean, referenceSha256: string) {
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1});
    const runner = await fidelity.createRunner(config, session, {assetRoots});
    const info = {contextLength: model.trainContextSize, ladder: {id: "perf", referenceFile: "reference", referenceSha256, isReference, size: 2}};
    const records: TrialRecord[] = [];
    for (const trial of fidelity.plan(config, info as never))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    const evaluateMs = records.reduce((sum, r) => sum + r.timings.evaluateMs!, 0);
    const totalMs = records.reduce((sum, r) => sum + r.timings.totalMs!, 0);
    return {records, evaluateMs, totalMs, scored: records.reduce((n, r) => n + (r.scores.tokens ?? 0), 0), mainKld: fidelity.aggregate(config, records).main};
}

/** Plain evaluation of the same chunks: no logits read, from scratch per chunk (best of 3). */
async function plainMs(model: LlamaModel, chunks: number[][]) {
    const context = await model.createContext({contextSize: CHUNK, threads: 1});
    const sequence = context.getSequence();
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
        const started = performance.now();
        for (const chunk of chunks) {
            await sequence.clearHistory();
            await sequence.controlledEvaluate(chunk.slice(0, -1) as Token[]);
        }
        best = Math.min(best, performance.now() - started);
    }
    await context.dispose();
    return best;
}

console.log(`Fidelity performance (${CHUNK}-token chunks of Pride and Prejudice, ascii-safe, 1 thread, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores)\n`);
for (const [ladder, prefix, compared] of [["stories260K", "stories260K", "Q4_0"], ["tinystories-656k", "TinyStories-656K", "Q4_0"]] as const) {
    const referencePath = findAsset(assetRoots, "models", `${ladder}/${prefix}-F32.gguf`);
    const comparedPath = findAsset(assetRoots, "models", `${ladder}/${prefix}-${compared}.gguf`);
    if (!referencePath || !comparedPath) {
        console.log(`${ladder}: not found in the asset roots (set SLMBENCH_ASSETS)`);
        continue;
    }
    const referenceModel = await llama.loadModel({modelPath: referencePath});
    const comparedModel = await llama.loadModel({modelPath: comparedPath});
    const vocabulary = referenceModel.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
    const session = new LocalGgufSession(referenceModel, {contextSize: CHUNK, threads: 1});
    const {stream, bos} = await tokenStream(session, text, config.corpus.maxTokens);
    const chunks = Array.from({length: Math.floor(stream.length / CHUNK)}, (_, i) => {
        const tokens = stream.slice(i * CHUNK, (i + 1) * CHUNK);
        if (bos != null) tokens[0] = bos;
        return tokens;
    });
    const sha = (ladder === "stories260K" ? "a" : "b").repeat(64);
    const reference = await runFile(referenceModel, true, sha);
    const other = await runFile(comparedModel, false, sha);
    const chunkTokens = chunks.length * (CHUNK - 1);
    const plainReference = await plainMs(referenceModel, chunks);
    const plainCompared = await plainMs(comparedModel, chunks);
    const perSecond = (ms: number) => (chunkTokens / (ms / 1000)).toFixed(0);
    console.log(`${prefix} (vocabulary ${vocabulary}): ${chunks.length} chunks, ${reference.scored} scored positions`);
    for (const [label, run, plain] of [["F32 (reference pass)", reference, plainReference], [`${compared} (compared)`, other, plainCompared]] as const) {
        console.log(`  ${label.padEnd(22)} fidelity ${perSecond(run.evaluateMs).padStart(6)} tokens/s, plain evaluation ${perSecond(plain).padStart(6)} tokens/s, ` +
            `ratio ${(plain / run.evaluateMs).toFixed(3)}; reading one distribution ${((run.evaluateMs - plain) / run.scored).toFixed(2)} ms ` +
            `(${((1000 * (run.evaluateMs - plain)) / run.scored / vocabulary).toFixed(2)} µs per vocabulary entry); whole trial incl. cache I/O ${perSecond(run.totalMs)} tokens/s`);
    }
    const dir = path.join(cacheDir, "fidelity", readdirSync(path.join(cacheDir, "fidelity")).find((d) => d.startsWith(sha))!);
    const bytes = readdirSync(dir).filter((f) => f.endsWith(".bin")).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
    console.log(`  reference cache (k = ${config.topK}): ${(bytes / 1e6).toFixed(2)} MB = ${(bytes / reference.scored).toFixed(0)} bytes per scored token, ` +
        `${((1000 * bytes) / reference.scored / 1e6).toFixed(2)} MB per 1,000 scored tokens (${((1000 * bytes) / (chunks.length * CHUNK) / 1e6).toFixed(2)} MB per 1,000 corpus tokens)`);

    // The effect of k: every k's KL from one full-vocabulary read of both files.
    const full = async (model: LlamaModel, ids?: (chunk: number) => (position: number) => ArrayLike<number>) => {
        const s = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1});
        const out: NextTokenLogprobs[][] = [];
        for (let c = 0; c < chunks.length; c++) out.push(await s.nextTokenLogprobs(chunks[c]!, CHUNK / 2, {topK: vocabulary, ids: ids?.(c)}));
        await s.dispose();
        return out;
    };
    const p = await full(referenceModel);
    const q = await full(comparedModel, (c) => (position) => p[c]![position - CHUNK / 2]!.topIds);
    const ks = [1, 16, 64, 256, 1024].filter((k) => k < vocabulary);
    const sums = new Map<number, number>([...ks, vocabulary].map((k) => [k, 0]));
    p.forEach((chunk, c) => chunk.forEach((pd, j) => {
        const qd = q[c]![j]!;
        for (const k of sums.keys()) {
            let pRest = 0;
            let qRest = 0;
            for (let i = k; i < pd.topIds.length; i++) {
                pRest += Math.exp(pd.topLogprobs[i]!);
                qRest += Math.exp(qd.idLogprobs![i]!);
            }
            sums.set(k, sums.get(k)! + klTopK(pd.topLogprobs.subarray(0, k), pRest + pd.restMass, qd.idLogprobs!.subarray(0, k), qRest + qd.idsRestMass!));
        }
    }));
    const exact = sums.get(vocabulary)!;
    console.log(`  effect of k on ${compared}'s mean KLD (full vocabulary: ${(exact / reference.scored).toPrecision(4)}): ` +
        ks.map((k) => `k=${k} ${((100 * sums.get(k)!) / exact).toFixed(1)}%`).join(", ") + `; the run above (k = ${config.topK}) gave ${other.mainKld?.toPrecision(4)}\n`);
    await session.dispose();
    await referenceModel.dispose();
    await comparedModel.dispose();
}
rmSync(cacheDir, {recursive: true, force: true});
