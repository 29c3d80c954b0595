/**
 * Direct scoring path figures besides fidelity (printed, not asserted), 1 thread:
 *  1. NIAH lift scoring: the teacher-forced pass (a prompt plus an 8-token answer, logits read at
 *     the answer's positions) vs a plain evaluation of the same tokens; target <= 1.2x. At 2,048
 *     (TinyStories-656K), 32,000 and 151,936 tokens (random-weight fixtures, speed figures only).
 *  2. STS: batched embeddings (sentences packed into flash attention's 64-token tiles, the
 *     default; and 8 per decode in input order) vs the bare one-sentence-per-decode node-llama-cpp
 *     loop, on each wnft-sif-256 file over STS-B test's distinct sentences; target >= 4x, vectors
 *     equal to the bare loop's (1 - cos < 1e-6), and the ceiling: the bare loop against the
 *     decodes alone of the default batches. Interleaved rounds, medians.
 *
 *   npx tsx harness/perf/direct-perf.ts [--rounds 3] [--only niah|sts]
 */
import os from "node:os";
import {parseArgs} from "node:util";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {DEFAULT_SENTENCES_PER_DECODE, DirectEmbedder} from "../providers/local-gguf/direct/embedder.js";
import {DirectModel} from "../providers/local-gguf/direct/model.js";
import {DirectScorer} from "../providers/local-gguf/direct/scorer.js";
import {FLASH_ATTENTION_TILE, packIntoTiles, sequencesOf} from "../providers/local-gguf/direct/tile-packing.js";
import {loadDataset} from "../tasks/sts/datasets.js";
import {distinctSentences} from "../tasks/sts/runner.js";
import {cosine} from "../util/correlation.js";
import {ensureFixture} from "./fixtures/random-gguf.js";

const {values: args} = parseArgs({options: {rounds: {type: "string", default: "3"}, only: {type: "string"}}});
if (args.only !== undefined && args.only !== "niah" && args.only !== "sts") throw new Error(`--only takes niah or sts, not ${args.only}`);
const rounds = Number(args.rounds);
const assetRoots = resolveAssetRoots();
// node-llama-cpp first: its logger (errors only) then also takes llama.cpp's logs from the direct path.
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`Direct scoring path: NIAH and STS figures (1 thread, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, ` +
    `load average ${os.loadavg()[0]!.toFixed(2)} at the start)\n`);

// 1. NIAH: teacher-forced pass vs plain evaluation of the same tokens.
const ANSWER = 8;
const niahModels: [number, string | undefined, number][] = args.only === "sts" ? [] : [
    [2048, findAsset(assetRoots, "models", "tinystories-656k/TinyStories-656K-F32.gguf"), 512],
    [32_000, (await ensureFixture(32_000, {types: ["Q4_K_M"]})).quantized.Q4_K_M, 2048],
    [151_936, (await ensureFixture(151_936, {types: ["Q4_K_M"]})).quantized.Q4_K_M, 2048]
];
for (const [vocabulary, modelPath, contextSize] of niahModels) {
    if (!modelPath) {
        console.log(`NIAH, vocabulary ${vocabulary}: model not found in the asset roots (set SLMBENCH_ASSETS)`);
        continue;
    }
    const model = DirectModel.load(modelPath);
    const scorer = new DirectScorer(model, {contextSize, threads: 1, reusePrefix: false});
    const full = Array.from({length: contextSize - 8}, (_, i) => 300 + ((i * 7919) % 1700));
    const split = full.length - ANSWER;
    const teacher: number[] = [], plain: number[] = [];
    for (let round = 0; round < Math.max(5, rounds); round++) {
        // Three of a kind in a row, as NIAH's calls come: llama.cpp rebuilds its graph when the number of outputs changes.
        let started = performance.now();
        for (let i = 0; i < 3; i++) scorer.continuationLogprob(full, split);
        teacher.push((performance.now() - started) / 3);
        started = performance.now();
        for (let i = 0; i < 3; i++) scorer.evaluate(full, Number.POSITIVE_INFINITY, full.length - 1);
        plain.push((performance.now() - started) / 3);
    }
    console.log(`NIAH, vocabulary ${vocabulary.toLocaleString("en-US")}: teacher-forced pass ${(median(teacher) / median(plain)).toFixed(2)}x a plain evaluation ` +
        `of the same ${full.length - 1} tokens (${median(teacher).toFixed(1)} vs ${median(plain).toFixed(1)} ms, answer of ${ANSWER} tokens, ${scorer.batchSize} tokens per decode)`);
    scorer.dispose();
    model.free();
}

// 2. STS: batched embeddings vs the bare one-sentence-per-decode loop, on each file of the ladder found.
//    The ceiling: the bare loop against the decodes alone of the embedder's own batches (same
//    sentences, same shapes, nothing tokenized or read): what even a free harness could reach.
const ladderFiles = ["F16", "Q8_0", "Q5_0", "Q4_K_M", "Q4_0", "Q2_K"]
    .map((level) => [level, findAsset(assetRoots, "models", `wnft-sif-256/wnft-sif-256-${level}.gguf`)] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined && args.only !== "niah");
if (ladderFiles.length === 0) {
    if (args.only !== "niah") console.log("\nSTS: wnft-sif-256 not found in the asset roots (set SLMBENCH_ASSETS)");
} else {
    const sentences = distinctSentences(loadDataset({type: "stsb", split: "test"}, assetRoots));
    console.log(`\nSTS embeddings, wnft-sif-256, ${sentences.length} distinct STS-B test sentences, 1 thread, ${rounds} interleaved rounds (medians); ` +
        "ceiling = the bare loop's time over the decodes alone of the default batches:");
    for (const [level, embedderPath] of ladderFiles) {
        const model = await llama.loadModel({modelPath: embedderPath, gpuLayers: 0});
        const bareContext = await model.createEmbeddingContext({contextSize: 512, threads: 1});
        await bareContext.getEmbeddingFor(sentences[0]!);
        const direct = DirectModel.load(embedderPath);
        const variants = new Map<string, DirectEmbedder>();
        variants.set("packed in tiles (default)", new DirectEmbedder(direct, {contextSize: 512, threads: 1}));
        const perDecodeList = level === "F16" ? [1, DEFAULT_SENTENCES_PER_DECODE, 16] : [DEFAULT_SENTENCES_PER_DECODE];
        for (const perDecode of perDecodeList) variants.set(`${perDecode} per decode`, new DirectEmbedder(direct, {contextSize: 512, threads: 1, sentencesPerDecode: perDecode}));
        if (level === "F16") variants.set(`${DEFAULT_SENTENCES_PER_DECODE} per decode, no flash attention`,
            new DirectEmbedder(direct, {contextSize: 512, threads: 1, sentencesPerDecode: DEFAULT_SENTENCES_PER_DECODE, flashAttention: false}));
        for (const embedder of variants.values()) embedder.embed([sentences[0]!]);
        const batches = defaultBatches(direct, sentences);
        const decodeOnly = direct.createContext({contextSize: 512, batchSize: 512, threads: 1, sequences: FLASH_ATTENTION_TILE, embeddings: true, flashAttention: true});
        const rates = new Map<string, number[]>();
        const add = (name: string, started: number) => rates.set(name, [...(rates.get(name) ?? []), sentences.length / ((performance.now() - started) / 1000)]);
        const worst = new Map<string, number>();
        for (let round = 0; round < rounds; round++) {
            let started = performance.now();
            const bareVectors: number[][] = [];
            for (const sentence of sentences) bareVectors.push([...(await bareContext.getEmbeddingFor(sentence)).vector]);
            add("bare", started);
            for (const [name, embedder] of variants) {
                started = performance.now();
                const out: number[][] = [];
                // New texts each round: the embedder embeds each distinct text once per call.
                for (let i = 0; i < sentences.length; i += 256) out.push(...embedder.embed(sentences.slice(i, i + 256)));
                add(name, started);
                let w = worst.get(name) ?? 0;
                out.forEach((vector, i) => (w = Math.max(w, 1 - cosine(vector, bareVectors[i]!))));
                worst.set(name, w);
            }
            started = performance.now();
            for (const batch of batches) decodeOnly.decodeSequences(batch);
            add("decodes alone", started);
        }
        const bare = median(rates.get("bare")!);
        const parts = [...rates].filter(([name]) => name !== "bare" && name !== "decodes alone")
            .map(([name, values]) => `${name} ${(median(values) / bare).toFixed(2)}x (1-cos ${worst.get(name)!.toExponential(0)})`);
        console.log(`  ${level.padEnd(6)} bare loop ${bare.toFixed(0)} sentences/s; ${parts.join(", ")}; ceiling ${(median(rates.get("decodes alone")!) / bare).toFixed(2)}x`);
        decodeOnly.free();
        for (const embedder of variants.values()) embedder.dispose();
        direct.free();
        await bareContext.dispose();
        await model.dispose();
    }
}

/** The embedder's default batches of token ids: sentences packed into 64-token tiles, each tile's tail filled by a throwaway sequence. */
function defaultBatches(model: DirectModel, texts: string[]): Int32Array[][] {
    const inputs = texts.map((text) => model.tokenize(text, true).slice(0, 511));
    return packIntoTiles(inputs.map((ids) => ids.length), FLASH_ATTENTION_TILE).map((decode) => sequencesOf(decode, inputs));
}
console.log(`\nload average ${os.loadavg()[0]!.toFixed(2)} at the end`);
