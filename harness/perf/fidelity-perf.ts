/**
 * Fidelity performance figures (printed, not asserted), 1 thread, at three vocabularies:
 * 2,048 (TinyStories-656K F32 vs Q4_0) and 32,000 / 151,936 (random-weight fixtures, F16 vs Q4_K_M,
 * made on demand by ./fixtures/random-gguf.ts: figures of speed and memory only, never of accuracy).
 *  1. Fidelity throughput of the task's own runner on the direct path (evaluate a chunk, reduce the
 *     logits of every scored position) against the same decode with logits requested at the scored
 *     positions but not read, for the reference pass (top-k) and a compared file; target >= 0.8x.
 *  2. The cost of requesting logits: the same decode with logits requested vs none at all.
 *  3. The sampler path (node-llama-cpp's probability Maps) at 2,048 tokens, for comparison.
 *  4. Peak RSS of a model process during fidelity at 151,936 tokens vs the same process evaluating
 *     the same tokens without scoring (target < 2x).
 * Best of 3 interleaved rounds per figure (the machine may be shared).
 *
 *   npx tsx harness/perf/fidelity-perf.ts [--chunks 4] [--vocab 2048,32000,151936]
 */
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {DirectModel} from "../providers/local-gguf/direct/model.js";
import {DirectScorer} from "../providers/local-gguf/direct/scorer.js";
import {LocalGgufSession, LocalSessionOptions} from "../providers/local-gguf/session.js";
import type {TrialRecord} from "../results/schema.js";
import fidelity from "../tasks/fidelity/index.js";
import {loadCorpusText, tokenStream} from "../tasks/fidelity/corpus.js";
import {ensureFixture} from "./fixtures/random-gguf.js";

const CHUNK = 512;
const ROUNDS = 3;
const SELF = fileURLToPath(import.meta.url);

if (process.env.SLMBENCH_FIDELITY_RSS_CHILD) {
    await rssChild(JSON.parse(process.env.SLMBENCH_FIDELITY_RSS_CHILD));
    process.exit(0);
}

const {values: args} = parseArgs({options: {chunks: {type: "string", default: "4"}, vocab: {type: "string", default: "2048,32000,151936"}}});
const chunkCount = Number(args.chunks);
const vocabularies = args.vocab!.split(",").map(Number);
const cacheDir = mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-perf-"));
const assetRoots = {...resolveAssetRoots(), cacheDir};
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const config = fidelity.configSchema.parse({
    corpus: {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: chunkCount * CHUNK, charset: "ascii-safe"},
    chunkSize: CHUNK
});
const text = loadCorpusText(config.corpus, assetRoots);

/** The ladder of one vocabulary: reference and compared file. */
async function ladder(vocabulary: number): Promise<{label: string; reference: string; compared: string; comparedType: string} | undefined> {
    if (vocabulary === 2048) {
        const reference = findAsset(assetRoots, "models", "tinystories-656k/TinyStories-656K-F32.gguf");
        const compared = findAsset(assetRoots, "models", "tinystories-656k/TinyStories-656K-Q4_0.gguf");
        return reference && compared ? {label: "TinyStories-656K", reference, compared, comparedType: "Q4_0"} : undefined;
    }
    const fixture = await ensureFixture(vocabulary, {types: ["Q4_K_M"], log: (line) => console.log(`  fixture: ${line}`)});
    return {label: "random-weight fixture", reference: fixture.reference, compared: fixture.quantized.Q4_K_M!, comparedType: "Q4_K_M"};
}

/** The task's runner on every chunk of one file; returns the time inside nextTokenLogprobs. */
async function runnerMs(model: LlamaModel, modelPath: string, isReference: boolean, sha: string, options: LocalSessionOptions = {}) {
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {modelPath, ...options});
    const runner = await fidelity.createRunner(config, session, {assetRoots});
    const info = {contextLength: model.trainContextSize, ladder: {id: "perf", referenceFile: "reference", referenceSha256: sha, isReference, size: 2}};
    const records: TrialRecord[] = [];
    for (const trial of fidelity.plan(config, info as never))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    return {ms: records.reduce((sum, r) => sum + r.timings.evaluateMs!, 0), scored: records.reduce((n, r) => n + (r.scores.tokens ?? 0), 0)};
}

/** The same decodes on the direct path: logits requested at the scored positions but not read, or none at all. */
function decodeMs(scorer: DirectScorer, chunks: number[][], logits: boolean) {
    const started = performance.now();
    for (const chunk of chunks) scorer.evaluate(chunk, logits ? CHUNK / 2 : Number.POSITIVE_INFINITY, CHUNK - 1);
    return performance.now() - started;
}

const best = (values: number[]) => Math.min(...values);
const rate = (tokens: number, ms: number) => `${Math.round(tokens / (ms / 1000)).toLocaleString("en-US")} tokens/s`;
console.log(`Fidelity performance, direct scoring path (${CHUNK}-token chunks of Pride and Prejudice, ascii-safe, 1 thread, ` +
    `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the start)\n`);
const lines: string[] = [];
for (const vocabulary of vocabularies) {
    const files = await ladder(vocabulary);
    if (!files) {
        console.log(`vocabulary ${vocabulary.toLocaleString("en-US")}: TinyStories-656K not found in the asset roots (set SLMBENCH_ASSETS)`);
        continue;
    }
    const [referenceModel, comparedModel] = [await llama.loadModel({modelPath: files.reference}), await llama.loadModel({modelPath: files.compared})];
    const {stream, bos} = await tokenStream(new LocalGgufSession(referenceModel, {contextSize: CHUNK, threads: 1}), text, config.corpus.maxTokens);
    const chunks = Array.from({length: Math.floor(stream.length / CHUNK)}, (_, i) => {
        const tokens = stream.slice(i * CHUNK, (i + 1) * CHUNK);
        if (bos != null) tokens[0] = bos;
        return tokens;
    });
    const sha = vocabulary.toString(16).padStart(64, "0");
    const direct = {reference: DirectModel.load(files.reference), compared: DirectModel.load(files.compared)};
    const scorers = {reference: new DirectScorer(direct.reference, {contextSize: CHUNK, threads: 1}), compared: new DirectScorer(direct.compared, {contextSize: CHUNK, threads: 1})};
    const times = {reference: [] as number[], compared: [] as number[], requested: [] as number[], requestedCompared: [] as number[], none: [] as number[]};
    let scored = 0;
    for (let round = 0; round < ROUNDS; round++) {
        const reference = await runnerMs(referenceModel, files.reference, true, sha);
        scored = reference.scored;
        times.reference.push(reference.ms);
        times.compared.push((await runnerMs(comparedModel, files.compared, false, sha)).ms);
        times.requested.push(decodeMs(scorers.reference, chunks, true));
        times.requestedCompared.push(decodeMs(scorers.compared, chunks, true));
        times.none.push(decodeMs(scorers.reference, chunks, false));
    }
    const evaluated = chunks.length * (CHUNK - 1);
    const [reference, compared, requested, requestedCompared, none] =
        [best(times.reference), best(times.compared), best(times.requested), best(times.requestedCompared), best(times.none)];
    const line = `vocabulary ${vocabulary.toLocaleString("en-US")}: fidelity ${(requested / reference).toFixed(2)}x (reference pass, top-${config.topK}), ` +
        `${(requestedCompared / compared).toFixed(2)}x (compared ${files.comparedType}) of the same decode with logits requested but not read`;
    lines.push(line);
    console.log(line);
    console.log(`  ${files.label}, ${chunks.length} chunks, ${scored} scored positions, ${scorers.reference.batchSize} tokens per decode; ` +
        `fidelity ${rate(evaluated, reference)} (reference), ${rate(evaluated, compared)} (compared); decode with logits ${rate(evaluated, requested)}, ` +
        `without ${rate(evaluated, none)}: requesting logits costs ${(requested / none).toFixed(2)}x (${(((requested - none) / scored) * 1000).toFixed(0)} µs per scored position); ` +
        `reading them ${(((reference - requested) / scored) * 1000).toFixed(0)} µs per position (${((1e6 * (reference - requested)) / scored / vocabulary).toFixed(1)} ns per vocabulary entry)`);
    if (vocabulary === 2048) {
        const sampler = await runnerMs(comparedModel, files.compared, false, sha, {scoring: "sampler", flashAttention: false});
        console.log(`  sampler path (node-llama-cpp probability Maps), compared file: ${rate(evaluated, sampler.ms)}, ${(requestedCompared / sampler.ms).toFixed(2)}x of the same decode; ` +
            `the direct path is ${(sampler.ms / compared).toFixed(1)}x faster`);
    }
    scorers.reference.dispose();
    scorers.compared.dispose();
    direct.reference.free();
    direct.compared.free();
    await referenceModel.dispose();
    await comparedModel.dispose();

    if (vocabulary === 151_936) {
        const rss = (mode: string) => JSON.parse(execFileSync(process.execPath, ["--import", "tsx", SELF], {
            env: {...process.env, SLMBENCH_FIDELITY_RSS_CHILD: JSON.stringify({mode, modelPath: files.compared, chunks})}, encoding: "utf8", maxBuffer: 1 << 26
        }).trim().split("\n").at(-1)!) as {peakRssBytes: number};
        const plain = rss("plain"), scoring = rss("fidelity");
        const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
        const memory = `  peak RSS at 151,936 tokens (${files.comparedType}): model process evaluating without scoring ${mb(plain.peakRssBytes)}, ` +
            `during fidelity (direct path, reference's top-${config.topK} read) ${mb(scoring.peakRssBytes)}: ${(scoring.peakRssBytes / plain.peakRssBytes).toFixed(2)}x`;
        lines.push(memory);
        console.log(memory);
    }
    console.log("");
}
rmSync(cacheDir, {recursive: true, force: true});
console.log(`Summary (load average ${os.loadavg()[0]!.toFixed(2)} at the end):\n${lines.join("\n")}`);

/**
 * A model process as the harness runs one (node-llama-cpp model loaded, a generation context):
 * "plain" evaluates the chunks without scoring; "fidelity" scores them on the direct path against
 * a top-k reference made from its own first pass. Prints its peak RSS.
 */
async function rssChild({mode, modelPath, chunks}: {mode: "plain" | "fidelity"; modelPath: string; chunks: number[][]}) {
    const childLlama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await childLlama.loadModel({modelPath, gpuLayers: 0});
    const context = await model.createContext({contextSize: CHUNK, threads: 1});
    const sequence = context.getSequence();
    if (mode === "plain") {
        for (const chunk of chunks) {
            await sequence.clearHistory();
            await sequence.controlledEvaluate(chunk.slice(0, -1) as Token[]);
        }
    } else {
        const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {modelPath});
        for (const chunk of chunks) {
            const reference = await session.nextTokenLogprobs(chunk, CHUNK / 2, {topK: 256});
            await session.nextTokenLogprobs(chunk, CHUNK / 2, {topK: 1, ids: (position) => reference[position - CHUNK / 2]!.topIds});
        }
        await session.dispose();
    }
    await context.dispose();
    await model.dispose();
    console.log(JSON.stringify({peakRssBytes: process.resourceUsage().maxRSS * 1024}));
}
