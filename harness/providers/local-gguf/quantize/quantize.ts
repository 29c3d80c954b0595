/**
 * Builds a quantization ladder from one F32/F16/BF16 GGUF file: one `llama_model_quantize()` call
 * per type, each in its own child process (child.ts beside it), so that a native abort ends
 * that type only. Outputs are named `<stem>-<TYPE>.gguf` (stem: the input's name without its
 * quantization label), written under a temporary name, checked with readGgufFacts and only then
 * renamed into place: a failed type leaves no file behind.
 */
import {fork} from "node:child_process";
import {existsSync, statSync} from "node:fs";
import {mkdir, rename, rm, stat} from "node:fs/promises";
import {createRequire} from "node:module";
import os from "node:os";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {GgufFacts, ModelFileError, quantLabelFromFileName, readGgufFacts} from "../../../models/gguf-info.js";
import {ImatrixError, loadImatrix} from "./imatrix.js";
import type {QuantizeChildMessage, QuantizeJobMessage} from "./protocol.js";
import {parseQuantTypes, parseTensorType, QuantizeUsageError, QuantType, SOURCE_TENSOR_TYPES} from "./types.js";

const CHILD_ENTRY = fileURLToPath(new URL("./child.ts", import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const STDERR_TAIL = 4000;

export interface QuantizeOptions {
    /** The F32/F16/BF16 GGUF file to quantize. */
    input: string;
    /** Quantization types: names ("Q4_K_M"), comma-separated or as a list. */
    types: string | readonly string[];
    /** Output folder (default: the input's folder); created if missing. */
    outDir?: string;
    /** Importance matrix file (GGUF or legacy .dat, as llama-imatrix writes them). */
    imatrix?: string;
    /**
     * ggml type forced on token_embd.weight ("Q4_K"), or "match": each level's own base type
     * (Q4_K_M -> Q4_K, Q8_0 -> Q8_0), as the wnft-sif-256 ladder was made. Default: llama.cpp's choice.
     */
    tokenEmbeddingType?: string;
    /** llama.cpp threads per quantization (default: every hardware thread). */
    threads?: number;
    /** Overwrite existing outputs. */
    force?: boolean;
}

export interface QuantizeStep {
    type: QuantType;
    output: string;
    /** ggml type forced on token_embd.weight for this level, if any. */
    tokenEmbeddingType?: {name: string; id: number};
}

export interface QuantizePlan {
    input: string;
    inputFacts: GgufFacts;
    inputBytes: number;
    steps: QuantizeStep[];
    threads: number;
    /** "Q4_K", "match" (each level's base type) or undefined (llama.cpp's choice). */
    tokenEmbeddingType?: string;
    imatrix?: {path: string; argument: string; entries: number};
}

export interface QuantizeResult {
    type: string;
    output: string;
    ok: boolean;
    /** Time inside llama_model_quantize() (ms), measured in the child. */
    quantizeMs?: number;
    /** Whole step, process start and output check included (ms). */
    wallMs: number;
    bytes?: number;
    /** Storage types llama.cpp chose, from the written file (labels lie on tiny widths). */
    tensorTypes?: GgufFacts["tensorTypes"];
    bitsPerWeight?: number;
    /** The libllama that ran it: file, llama.cpp release and llama_version(). */
    libllama?: {path: string; release: string; version: string};
    error?: string;
}

export interface QuantizeEvents {
    onStart?(step: QuantizeStep, index: number, total: number): void;
    /** llama.cpp finished tensor `done` of `total`. */
    onTensor?(step: QuantizeStep, done: number, total: number): void;
    onDone?(result: QuantizeResult, index: number, total: number): void;
    /** Every line llama.cpp logs. */
    onLog?(step: QuantizeStep, line: string): void;
}

/** `TinyStories-656K-F32.gguf` + Q4_K_M -> `TinyStories-656K-Q4_K_M.gguf`; the label is replaced where it stands. */
export function ladderFileName(inputFileName: string, typeName: string): string {
    const stem = inputFileName.replace(/\.gguf$/i, "");
    const label = quantLabelFromFileName(inputFileName);
    if (label) {
        const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const match = new RegExp(`(^|[-_.])${escaped}(?=[-_.]|$)`, "i").exec(stem);
        if (match) {
            const start = match.index + match[1]!.length;
            return `${stem.slice(0, start)}${typeName}${stem.slice(start + label.length)}.gguf`;
        }
    }
    return `${stem}-${typeName}.gguf`;
}

/** Checks everything that can be checked before any work: types, input, imatrix, outputs. Throws QuantizeUsageError. */
export async function planLadder(options: QuantizeOptions): Promise<QuantizePlan> {
    const types = parseQuantTypes(options.types);
    const match = options.tokenEmbeddingType?.trim().toLowerCase() === "match";
    const tokenEmbeddingType = options.tokenEmbeddingType && !match ? parseTensorType(options.tokenEmbeddingType) : undefined;
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new QuantizeUsageError(`--threads must be a positive integer, got ${options.threads}`);

    const input = path.resolve(options.input);
    let inputFacts: GgufFacts;
    try {
        inputFacts = await readGgufFacts(input);
    } catch (error) {
        throw new QuantizeUsageError(error instanceof ModelFileError ? error.message : `${input}: ${(error as Error).message}`);
    }
    const quantized = Object.entries(inputFacts.tensorTypes).filter(([type]) => !SOURCE_TENSOR_TYPES.has(type));
    if (quantized.length > 0)
        throw new QuantizeUsageError(`${input}: input is already quantized (file type ${inputFacts.quantLabel}; tensors ` +
            `${quantized.map(([type, {tensors}]) => `${type} x${tensors}`).join(", ")}): quantize from an F32, F16 or BF16 GGUF file`);

    let imatrix: QuantizePlan["imatrix"];
    if (options.imatrix) {
        try {
            const loaded = loadImatrix(path.resolve(options.imatrix));
            imatrix = {path: path.resolve(options.imatrix), argument: options.imatrix, entries: loaded.entries.size};
        } catch (error) {
            throw new QuantizeUsageError(error instanceof ImatrixError ? error.message : (error as Error).message);
        }
    }

    const outDir = path.resolve(options.outDir ?? path.dirname(input));
    const steps: QuantizeStep[] = types.map((type) => ({
        type,
        output: path.join(outDir, ladderFileName(path.basename(input), type.name)),
        tokenEmbeddingType: match ? parseTensorType(type.baseType) : tokenEmbeddingType
    }));
    const inputStat = statSync(input);
    const overwritesInput = steps.filter((step) => {
        if (step.output === input) return true;
        const outputStat = existsSync(step.output) ? statSync(step.output) : undefined; // the same file by another path
        return outputStat != null && outputStat.ino === inputStat.ino && outputStat.dev === inputStat.dev;
    });
    if (overwritesInput.length > 0)
        throw new QuantizeUsageError(`${overwritesInput.map((step) => step.type.name).join(", ")}: the output would be the input file itself ` +
            `(${input}); choose another --out folder or drop that type`);
    const existing = steps.filter((step) => existsSync(step.output));
    if (existing.length > 0 && !options.force)
        throw new QuantizeUsageError(`output${existing.length > 1 ? "s" : ""} already exist${existing.length > 1 ? "" : "s"}: ` +
            `${existing.map((step) => step.output).join(", ")} (pass --force to overwrite)`);
    await mkdir(outDir, {recursive: true});

    return {input, inputFacts, inputBytes: inputStat.size, steps, threads, tokenEmbeddingType: match ? "match" : tokenEmbeddingType?.name, imatrix};
}

/** Runs every step of a plan, one child process after another; never throws for a failed type. */
export async function runLadder(plan: QuantizePlan, events: QuantizeEvents = {}): Promise<QuantizeResult[]> {
    const results: QuantizeResult[] = [];
    for (const [index, step] of plan.steps.entries()) {
        events.onStart?.(step, index, plan.steps.length);
        const result = await runStep(plan, step, events);
        results.push(result);
        events.onDone?.(result, index, plan.steps.length);
    }
    return results;
}

export async function quantizeLadder(options: QuantizeOptions, events?: QuantizeEvents): Promise<{plan: QuantizePlan; results: QuantizeResult[]}> {
    const plan = await planLadder(options);
    return {plan, results: await runLadder(plan, events)};
}

const TENSOR_LINE = /^\[\s*(\d+)\s*\/\s*(\d+)\s*\]/;
const FAILED_LINE = /failed to quantize:\s*(.*)$/;

async function runStep(plan: QuantizePlan, step: QuantizeStep, events: QuantizeEvents): Promise<QuantizeResult> {
    const started = performance.now();
    // Host and pid: processes on several machines may quantize into one shared cache folder at once.
    const partial = `${step.output}.partial-${os.hostname().replace(/[^A-Za-z0-9.-]/g, "_")}-${process.pid}`;
    const job: QuantizeJobMessage = {
        type: "quantize",
        input: plan.input,
        output: partial,
        ftype: step.type.ftype,
        typeName: step.type.name,
        threads: plan.threads,
        tokenEmbeddingType: step.tokenEmbeddingType?.id,
        imatrix: plan.imatrix ? {path: plan.imatrix.path, argument: plan.imatrix.argument} : undefined
    };
    const child = fork(CHILD_ENTRY, [], {
        execArgv: ["--import", TSX_LOADER],
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        serialization: "advanced"
    });
    let tail = "";
    let pending = "";
    const onText = (chunk: Buffer) => {
        const text = chunk.toString();
        tail = (tail + text).slice(-STDERR_TAIL);
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
            events.onLog?.(step, line);
            const match = TENSOR_LINE.exec(line);
            if (match) events.onTensor?.(step, Number(match[1]), Number(match[2]));
        }
    };
    child.stderr!.on("data", onText);
    child.stdout!.on("data", onText);
    let done: Extract<QuantizeChildMessage, {type: "done"}> | undefined;
    let fatal: string | undefined;
    let libllama: QuantizeResult["libllama"];
    child.on("message", (message: QuantizeChildMessage) => {
        if (message.type === "started") libllama = {path: message.libllama, release: message.release, version: message.version};
        else if (message.type === "done") done = message;
        else if (message.type === "fatal") fatal = message.message;
    });
    child.send(job);
    const {code, signal} = await new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
        child.on("exit", (exitCode, exitSignal) => resolve({code: exitCode, signal: exitSignal})));
    if (pending) events.onLog?.(step, pending);

    const fail = async (error: string): Promise<QuantizeResult> => {
        await rm(partial, {force: true});
        return {type: step.type.name, output: step.output, ok: false, wallMs: performance.now() - started, quantizeMs: done?.quantizeMs, libllama, error};
    };
    const nativeLines = tail.split("\n").map((line) => line.trim()).filter(Boolean);
    if (fatal) return fail(fatal);
    if (!done) {
        const last = nativeLines.slice(-3).join(" | ");
        return fail(`quantize process ${signal ? `killed by ${signal}${signal === "SIGABRT" ? " (llama.cpp aborted)" : ""}` : `exited with code ${code}`}` +
            (last ? `: ${last}` : ""));
    }
    if (done.returnCode !== 0) {
        const reason = nativeLines.map((line) => FAILED_LINE.exec(line)?.[1]).filter(Boolean).pop();
        return fail(`llama_model_quantize returned ${done.returnCode}: ${reason ?? (nativeLines.slice(-3).join(" | ") || "no message")}`);
    }
    let facts: GgufFacts;
    try {
        facts = await readGgufFacts(partial);
    } catch (error) {
        return fail(`llama.cpp wrote a file slmbench cannot read: ${(error as Error).message}`);
    }
    await rename(partial, step.output);
    return {
        type: step.type.name,
        output: step.output,
        ok: true,
        quantizeMs: done.quantizeMs,
        wallMs: performance.now() - started,
        bytes: (await stat(step.output)).size,
        tensorTypes: facts.tensorTypes,
        bitsPerWeight: facts.bitsPerWeight,
        libllama
    };
}
