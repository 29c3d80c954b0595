/**
 * STS embedding throughput: the harness's embedder (LocalEmbedder: several node-llama-cpp
 * embedding contexts side by side, 1 llama.cpp thread each, fed in the STS runner's batches)
 * against a bare one-at-a-time node-llama-cpp loop (one embedding context, 1 thread,
 * getEmbeddingFor per sentence), over the distinct sentences of STS-B test. Rounds are
 * interleaved (bare, then each variant) so machine load hits all alike; medians are reported.
 * Checks every vector against the bare loop's (cosine within 1e-6).
 *
 *   npx tsx harness/perf/sts-perf.ts [--model <gguf>] [--rounds 5] [--contexts 1,2,4] [--dataset stsb-test]
 * Asset roots as the harness finds them (SLMBENCH_ASSETS=../shared/assets).
 */
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {parseArgs} from "node:util";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {LocalEmbedder} from "../providers/local-gguf/embedding.js";
import {loadDataset} from "../tasks/sts/datasets.js";
import {distinctSentences, EMBED_BATCH} from "../tasks/sts/runner.js";
import {cosine} from "../util/correlation.js";

const {values: args} = parseArgs({
    options: {
        model: {type: "string"},
        rounds: {type: "string", default: "5"},
        contexts: {type: "string", default: "1,2,4"},
        dataset: {type: "string", default: "stsb-test"}
    }
});

const CONTEXT_SIZE = 512;
const assetRoots = resolveAssetRoots();
const modelPath = args.model ?? findAsset(assetRoots, "models", "wnft-sif-256/wnft-sif-256-F16.gguf");
if (!modelPath) throw new Error("wnft-sif-256-F16.gguf not found in the asset roots: set SLMBENCH_ASSETS or pass --model");
const [kind, split] = args.dataset!.split("-") as [string, string];
const dataset = kind === "sick"
    ? loadDataset({type: "sick", pairs: split === "all" ? "all" : "test"}, assetRoots)
    : loadDataset({type: "stsb", split: split as "test" | "dev" | "train"}, assetRoots);
const sentences = distinctSentences(dataset);
const rounds = Number(args.rounds);
const contextCounts = args.contexts!.split(",").map(Number);

const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
};

interface Measure {wallMs: number; cpuMs: number; vectors: number[][]}

const bareContext = await model.createEmbeddingContext({contextSize: CONTEXT_SIZE, threads: 1});
await bareContext.getEmbeddingFor(sentences[0]!);
async function bare(): Promise<Measure> {
    const started = performance.now(), cpu = cpuMs();
    const vectors: number[][] = [];
    for (const sentence of sentences) vectors.push([...(await bareContext.getEmbeddingFor(sentence)).vector]);
    return {wallMs: performance.now() - started, cpuMs: cpuMs() - cpu, vectors};
}

const embedders = new Map<number, LocalEmbedder>();
for (const contexts of contextCounts) {
    const embedder = new LocalEmbedder(model, {contextSize: CONTEXT_SIZE, threads: 1, contexts});
    await embedder.embed([sentences[0]!]); // creates the contexts outside the timing, as for the bare loop
    embedders.set(contexts, embedder);
}
async function harness(contexts: number): Promise<Measure> {
    const embedder = embedders.get(contexts)!;
    const started = performance.now(), cpu = cpuMs();
    const vectors: number[][] = [];
    for (let i = 0; i < sentences.length; i += EMBED_BATCH) vectors.push(...await embedder.embed(sentences.slice(i, i + EMBED_BATCH)));
    return {wallMs: performance.now() - started, cpuMs: cpuMs() - cpu, vectors};
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const results = new Map<string, {rates: number[]; cpuPerSentence: number[]; minCosine: number}>();
let reference: number[][] | undefined;
const record = (name: string, measure: Measure) => {
    const entry = results.get(name) ?? {rates: [], cpuPerSentence: [], minCosine: 1};
    entry.rates.push(sentences.length / (measure.wallMs / 1000));
    entry.cpuPerSentence.push(measure.cpuMs / sentences.length);
    reference ??= measure.vectors;
    for (let i = 0; i < sentences.length; i++) entry.minCosine = Math.min(entry.minCosine, cosine(reference[i]!, measure.vectors[i]!));
    results.set(name, entry);
};
for (let round = 0; round < rounds; round++) {
    record("bare loop (1 context, 1 thread)", await bare());
    for (const contexts of contextCounts) record(`harness, ${contexts} context${contexts > 1 ? "s" : ""} x 1 thread`, await harness(contexts));
}

const bareRate = median(results.get("bare loop (1 context, 1 thread)")!.rates);
console.log(`STS embedding throughput: ${sentences.length} distinct sentences of ${dataset.name}, ${modelPath}`);
console.log(`${rounds} interleaved rounds, medians; machine: ${(await import("node:os")).cpus().length} cores, load average ${(await import("node:os")).loadavg()[0]!.toFixed(2)} at the end`);
const rows = [...results].map(([name, entry]) => [
    name,
    median(entry.rates).toFixed(0),
    `${Math.min(...entry.rates).toFixed(0)}-${Math.max(...entry.rates).toFixed(0)}`,
    (median(entry.rates) / bareRate).toFixed(2) + "x",
    median(entry.cpuPerSentence).toFixed(3),
    (1 - entry.minCosine).toExponential(1)
]);
const header = ["variant", "sentences/s", "range", "vs bare", "CPU ms/sentence", "max 1-cos vs bare"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
for (const row of [header, widths.map((w) => "-".repeat(w)), ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
const worst = Math.max(...[...results.values()].map((entry) => 1 - entry.minCosine));
console.log(worst <= 1e-6 ? "vectors: all equal to the bare loop's within cosine 1e-6" : `VECTORS DIFFER from the bare loop's: max 1-cos ${worst}`);

for (const embedder of embedders.values()) await embedder.dispose();
await bareContext.dispose();
await model.dispose();
if (worst > 1e-6) process.exitCode = 1;
