/**
 * Quantization speed of `npm run quantize`: time inside llama_model_quantize() (measured in the
 * child process around the FFI call) per MB of input model, for each model, type and thread count.
 * Also shows the whole step (child start, libllama load, output check), which dominates on tiny
 * models. Rounds are interleaved over the types; medians (and the quantize minimum) are reported;
 * ms/MB and MB/s are of the median, per MB (1e6 bytes) of the input file. Outputs go to a temporary
 * folder that is removed afterwards.
 *
 *   npx tsx harness/perf/quantize-perf.ts [--models a.gguf,b.gguf] [--types Q8_0,Q6_K,Q4_K_M,Q4_0,Q2_K]
 *                                         [--threads 1,2] [--rounds 3]
 * Default models: the F32/F16 references of the asset roots (SLMBENCH_ASSETS=../shared/assets).
 */
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs} from "node:util";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {planLadder, runLadder} from "../providers/local-gguf/quantize/quantize.js";

const {values: args} = parseArgs({
    options: {
        models: {type: "string"},
        types: {type: "string", default: "Q8_0,Q6_K,Q4_K_M,Q4_0,Q2_K"},
        threads: {type: "string"},
        rounds: {type: "string", default: "3"}
    }
});

const DEFAULT_MODELS = ["stories260K/stories260K-F32.gguf", "tinystories-656k/TinyStories-656K-F32.gguf", "wnft-sif-256/wnft-sif-256-F16.gguf"];
const assetRoots = resolveAssetRoots();
const models = args.models
    ? args.models.split(",").map((model) => path.resolve(model))
    : DEFAULT_MODELS.map((relative) => findAsset(assetRoots, "models", relative)).filter((file): file is string => file != null);
if (models.length === 0) throw new Error("no models found: set SLMBENCH_ASSETS=../shared/assets or pass --models");
const threadCounts = args.threads
    ? args.threads.split(",").map(Number)
    : [...new Set([1, os.availableParallelism()])];
const rounds = Number(args.rounds);

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const MB = 1e6;

console.log(`quantize perf: ${rounds} rounds, medians; ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}`);
console.log("model                          input MB  type    threads  quantize ms  (min)   ms/MB    MB/s  step ms");
const outDir = mkdtempSync(path.join(os.tmpdir(), "slmbench-quantize-perf-"));
let failures = 0;
try {
    for (const model of models) {
        for (const threads of threadCounts) {
            const plan = await planLadder({input: model, types: args.types!, outDir, threads, force: true});
            const samples = new Map<string, {quantize: number[]; step: number[]}>();
            for (let round = 0; round < rounds; round++) {
                for (const result of await runLadder(plan)) {
                    if (!result.ok) {
                        failures++;
                        console.error(`${path.basename(model)} ${result.type}: ${result.error}`);
                        continue;
                    }
                    const entry = samples.get(result.type) ?? {quantize: [], step: []};
                    entry.quantize.push(result.quantizeMs!);
                    entry.step.push(result.wallMs);
                    samples.set(result.type, entry);
                }
            }
            const inputMB = plan.inputBytes / MB;
            for (const [type, {quantize, step}] of samples) {
                const ms = median(quantize);
                console.log(`${path.basename(model).padEnd(30)} ${inputMB.toFixed(2).padStart(8)}  ${type.padEnd(7)} ${String(threads).padStart(7)}  ` +
                    `${ms.toFixed(1).padStart(11)} ${Math.min(...quantize).toFixed(1).padStart(6)} ${(ms / inputMB).toFixed(1).padStart(7)} ${(inputMB / (ms / 1000)).toFixed(1).padStart(7)} ` +
                    `${median(step).toFixed(0).padStart(8)}`);
            }
        }
    }
} finally {
    rmSync(outDir, {recursive: true, force: true});
}
process.exitCode = failures ? 1 : 0;
