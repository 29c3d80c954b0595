#!/usr/bin/env node
/**
 * `npm run quantize -- <model.gguf> --types Q8_0,Q6_K,Q4_K_M,Q2_K [--out dir] [--imatrix file]
 *  [--token-embedding-type T] [--threads N] [--force]`
 *
 * Writes a quantization ladder with the llama.cpp that node-llama-cpp ships (no compiler needed).
 * Exit codes: 0 every type written, 1 some type failed (the others are written), 2 bad usage
 * (nothing written).
 */
import cliProgress from "cli-progress";
import {Command, InvalidArgumentError} from "commander";
import path from "node:path";
import {planLadder, QuantizePlan, QuantizeResult, runLadder} from "../providers/local-gguf/quantize/quantize.js";
import {QUANT_TYPES, QuantizeUsageError, TENSOR_TYPES} from "../providers/local-gguf/quantize/types.js";

function positiveInt(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
    return n;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const relative = (file: string) => {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") ? rel : file;
};
const typeMix = (result: QuantizeResult) => Object.entries(result.tensorTypes ?? {})
    .sort(([, a], [, b]) => b.weights - a.weights)
    .map(([type, {tensors}]) => `${type} x${tensors}`).join(", ");

const program = new Command()
    .name("quantize")
    .description("Write a quantization ladder of a GGUF model with llama.cpp's llama_model_quantize() (node-llama-cpp's prebuilt libllama).")
    .argument("<model>", "F32, F16 or BF16 GGUF file")
    .requiredOption("-t, --types <list>", `comma-separated quantization types, e.g. Q8_0,Q6_K,Q4_K_M,Q2_K (valid: ${QUANT_TYPES.map((t) => t.name).join(", ")})`)
    .option("-o, --out <dir>", "output folder (default: the model's folder)")
    .option("--imatrix <file>", "importance matrix (GGUF or legacy .dat from llama-imatrix)")
    .option("--token-embedding-type <type>", `force token_embd.weight to this ggml type (${Object.keys(TENSOR_TYPES).join(", ")}), ` +
        `or "match": each level's own base type (Q4_K_M -> Q4_K)`)
    .option("--threads <n>", "llama.cpp threads per quantization (default: all hardware threads)", positiveInt)
    .option("-f, --force", "overwrite existing output files", false)
    .option("-v, --verbose", "show llama.cpp's log", false)
    // Usage errors exit 2 (nothing written), like the errors planLadder reports.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (model: string, options) => {
        let plan: QuantizePlan;
        try {
            plan = await planLadder({
                input: model,
                types: options.types,
                outDir: options.out,
                imatrix: options.imatrix,
                tokenEmbeddingType: options.tokenEmbeddingType,
                threads: options.threads,
                force: options.force
            });
        } catch (error) {
            if (!(error instanceof QuantizeUsageError)) throw error;
            process.stderr.write(`error: ${error.message}\n`);
            process.exitCode = 2;
            return;
        }
        const extras = [
            `${plan.threads} thread${plan.threads > 1 ? "s" : ""}`,
            plan.tokenEmbeddingType === "match" ? "token_embd forced to each level's base type"
                : plan.tokenEmbeddingType ? `token_embd forced to ${plan.tokenEmbeddingType}` : undefined,
            plan.imatrix ? `imatrix ${plan.imatrix.argument} (${plan.imatrix.entries} entries)` : undefined
        ].filter(Boolean).join(", ");
        process.stderr.write(`quantizing ${relative(plan.input)} (${plan.inputFacts.architecture}, ${plan.inputFacts.quantLabel}, ${mib(plan.inputBytes)}) ` +
            `to ${plan.steps.map((step) => step.type.name).join(", ")}; ${extras}\n`);

        const bar = process.stderr.isTTY && !options.verbose
            ? new cliProgress.SingleBar({
                format: " {bar} {value}/{total} tensors | {label}",
                hideCursor: true,
                clearOnComplete: true,
                stream: process.stderr
            }, cliProgress.Presets.shades_classic)
            : undefined;
        const results = await runLadder(plan, {
            onStart(step, index, total) {
                const label = `${step.type.name} (${index + 1}/${total})`;
                if (bar) bar.start(1, 0, {label});
                else process.stderr.write(`[${index + 1}/${total}] ${step.type.name} -> ${relative(step.output)}\n`);
            },
            onTensor(_step, done, total) {
                bar?.setTotal(total);
                bar?.update(done);
            },
            onLog(_step, line) {
                if (options.verbose) process.stderr.write(`  | ${line}\n`);
            },
            onDone(result) {
                bar?.stop();
                if (result.ok) {
                    process.stdout.write(`${result.type.padEnd(7)} ok      ${mib(result.bytes!).padStart(11)}  ${result.bitsPerWeight!.toFixed(2)} bpw  ` +
                        `${result.quantizeMs!.toFixed(0).padStart(6)} ms  ${relative(result.output)}  [${typeMix(result)}]\n`);
                } else {
                    process.stdout.write(`${result.type.padEnd(7)} FAILED  ${result.error}\n`);
                }
            }
        });
        const failed = results.filter((result) => !result.ok);
        const written = results.length - failed.length;
        process.stderr.write(`${written} of ${results.length} types written` +
            (written ? ` to ${relative(path.dirname(results.find((result) => result.ok)!.output))}` : "") + "\n");
        for (const failure of failed) process.stderr.write(`error: ${failure.type}: ${failure.error}\n`);
        if (failed.length) process.exitCode = 1;
    });

program.parseAsync().catch((error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 2;
});
