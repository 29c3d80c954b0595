import {z} from "zod";

/**
 * A model reference as a suite writes it: a string (path, asset name, `hf:` or hosted URI,
 * `builtin:`) or an object form of a provider (`{asset, download}`, `{hosted, ...}`). Each
 * provider validates its own forms (harness/providers/).
 */
export type ModelRef = string | {[key: string]: unknown};

const modelRefSchema = z.union([
    z.string().min(1, "model reference must not be empty"),
    z.record(z.string(), z.unknown())
], {error: "a model is a string or an object ({asset, download} or {hosted, ...})"});

/** Where llama.cpp computes: the CPU (default), whichever GPU backend node-llama-cpp finds ("auto", falling back to the CPU), or one backend. */
export const GPU_BACKENDS = ["auto", "cpu", "cuda", "vulkan", "metal"] as const;
export type GpuBackend = (typeof GPU_BACKENDS)[number];

/** Model layers to offload to the GPU: a count, "auto" (node-llama-cpp fits what the GPU's memory holds) or "max". */
export type GpuLayers = number | "auto" | "max";

/** GPU offload of local models (node-llama-cpp's getLlama({gpu}) and loadModel({gpuLayers})). */
export interface GpuOptions {
    gpu: GpuBackend;
    /** Default: "auto" on a GPU backend, 0 on the CPU. */
    gpuLayers?: GpuLayers;
}

export const gpuBackendSchema = z.enum(GPU_BACKENDS, {error: `gpu must be one of ${GPU_BACKENDS.join(", ")}`});
const GPU_LAYERS_FORMS = "gpuLayers must be a whole number >= 0, \"auto\" or \"max\"";
export const gpuLayersSchema = z.union([z.number().int(GPU_LAYERS_FORMS).nonnegative(GPU_LAYERS_FORMS), z.literal("auto"), z.literal("max")],
    {error: GPU_LAYERS_FORMS});

/** `--gpu-layers` and the like: "12", "auto" or "max". Throws naming the accepted forms. */
export function parseGpuLayers(text: string): GpuLayers {
    const value = text.trim().toLowerCase();
    if (value === "auto" || value === "max") return value;
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`gpu layers must be a whole number >= 0, "auto" or "max", not "${text}"`);
}

/**
 * GPU options with overrides applied (the command line's over the suite's). Throws when layers
 * are asked of the CPU: offloading needs a GPU backend.
 */
export function withGpuOverrides(base: GpuOptions, override: Partial<GpuOptions> = {}): GpuOptions {
    const gpu = override.gpu ?? base.gpu;
    // Layers set for another backend do not carry over to the CPU.
    const gpuLayers = override.gpuLayers ?? (override.gpu === "cpu" ? undefined : base.gpuLayers);
    if (gpu === "cpu" && gpuLayers != null && gpuLayers !== 0)
        throw new Error(`gpuLayers ${gpuLayers} needs a GPU backend: set gpu to auto, cuda, vulkan or metal (gpu is cpu)`);
    return gpuLayers != null ? {gpu, gpuLayers} : {gpu};
}

export const taskEntrySchema = z.object({
    type: z.string().min(1),
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, "task id may hold letters, digits, '.', '_' and '-'").optional()
}).passthrough();

/** A suite file as written (`.json`, or `.ts` default-exporting defineSuite(...)). Task options sit beside `type`. */
export const suiteFileSchema = z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    models: z.array(modelRefSchema).min(1, "a suite needs at least one model"),
    tasks: z.array(taskEntrySchema).min(1, "a suite needs at least one task"),
    threads: z.number().int().positive().optional().describe("llama.cpp threads per model process (default 1)"),
    gpu: gpuBackendSchema.optional().describe("Where local models compute: cpu (default), auto, cuda, vulkan or metal"),
    gpuLayers: gpuLayersSchema.optional().describe("Layers offloaded to the GPU: a count, auto or max (default: auto on a GPU, 0 on the CPU)"),
    maxCrashAttempts: z.number().int().positive().optional()
        .describe("Times a trial may take its model process down (a native abort) before it is recorded as an error for good (default 2)")
}).strict();

/** A task entry as written: its type, an optional id, and the task's own options. */
export type TaskEntry = {type: string; id?: string} & Record<string, unknown>;

export interface SuiteFile {
    name: string;
    description?: string;
    models: ModelRef[];
    tasks: TaskEntry[];
    threads?: number;
    gpu?: GpuBackend;
    gpuLayers?: GpuLayers;
    maxCrashAttempts?: number;
}

/** A task instance with its config validated by the task's own schema and defaults filled in. */
export interface TaskInstance {
    id: string;
    type: string;
    config: Record<string, unknown>;
    configHash: string;
}

export interface Suite {
    name: string;
    description?: string;
    models: ModelRef[];
    tasks: TaskInstance[];
    threads: number;
    /** GPU offload of local models: a run setting like threads, not part of the run id. */
    gpu: GpuOptions;
    /** Times a trial may take its model process down before it counts as an error for good (default: run/model-attempts.ts). */
    maxCrashAttempts?: number;
    /** Hash of models and task configs: the same suite resumes into the same run. */
    hash: string;
    /** Where it was read from, for messages. */
    source: string;
}

/** Typed helper for `.ts` suite files. */
export function defineSuite(suite: SuiteFile): SuiteFile {
    return suite;
}

export class SuiteError extends Error {
    constructor(readonly source: string, readonly issues: string[]) {
        super(`invalid suite ${source}:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
        this.name = "SuiteError";
    }
}

function formatPath(segments: readonly PropertyKey[]): string {
    return segments.reduce<string>((out, segment) =>
        typeof segment === "number" ? `${out}[${segment}]` : out ? `${out}.${String(segment)}` : String(segment), "");
}

/** A zod error as "field.path: message" lines, under a prefix path. */
export function issuesOf(error: z.ZodError, prefix: PropertyKey[] = []): string[] {
    return error.issues.map((issue) => `${formatPath([...prefix, ...issue.path]) || "(root)"}: ${issue.message}`);
}
