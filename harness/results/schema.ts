import {z} from "zod";

/**
 * The results format, version 1. One ResultDocument per (run, model file, task instance).
 * Bump RESULT_SCHEMA_VERSION on any change that an older reader would misread, and keep a
 * migration in readResultDocument.
 */
export const RESULT_SCHEMA_VERSION = 1;

const finiteOrNull = z.number().finite().nullable();

export const tensorTypesSchema = z.record(z.string(), z.object({
    tensors: z.number().int().nonnegative(),
    weights: z.number().int().nonnegative()
})).describe("Real storage types found in the file's tensors (not the label): type -> counts");

export const modelInfoSchema = z.object({
    id: z.string().describe("Stable id: <ladder>/<file name> for local files, the URI for hosted models"),
    provider: z.string().describe("Provider that ran it, e.g. local-gguf"),
    source: z.string().describe("The model reference as given in the suite or on the command line"),
    fileName: z.string(),
    path: z.string().optional().describe("Where the file was found (absolute); informational, not part of identity"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).describe("sha256 of the weights file; for models without one, of their identity (provider, endpoint, model id)"),
    bytes: z.number().int().nonnegative().describe("File size; 0 for models without local weights"),
    architecture: z.string(),
    name: z.string().optional().describe("general.name from the GGUF header"),
    parameters: z.number().int().nonnegative(),
    contextLength: z.number().int().positive().optional().describe("Training context length"),
    quantLabel: z.string().describe("Label from general.file_type (or the file name)"),
    tensorTypes: tensorTypesSchema,
    bitsPerWeight: z.number().nonnegative().describe("Computed from the real tensor types; 0 for models without local weights (hosted, built-in)"),
    expectedMainType: z.string().optional().describe("The ggml type the quant label stores most weights in (Q4_K for Q4_K_M); local GGUF files"),
    labelMatchesTensors: z.boolean().optional().describe("Whether expectedMainType holds the most weights of the file (llama.cpp substitutes types on narrow tensors)"),
    sameTensorsAs: z.array(z.string()).optional().describe("Other files of the ladder holding the same ggml type for every tensor: they give the same numbers, one data point"),
    hasChatTemplate: z.boolean(),
    memory: z.object({
        kvBytesPerToken: z.number().nonnegative().describe("KV-cache bytes per token of context (F16 cache), from the GGUF's layer and head counts"),
        overheadBytes: z.number().nonnegative().describe("Fixed working memory beyond weights and KV cache (compute buffers), as estimated for CPU inference")
    }).optional().describe("For memory estimates at any context: weights (bytes) + kvBytesPerToken x context + overheadBytes"),
    ladder: z.object({
        id: z.string().describe("Files with the same architecture, name and parameter count form one ladder"),
        referenceFile: z.string().describe("File name of the ladder's highest-precision file"),
        referenceSha256: z.string(),
        referencePath: z.string().optional().describe("Where the reference file was found (absolute; local files): a compared file may load it beside itself. Informational, not part of identity"),
        isReference: z.boolean(),
        size: z.number().int().positive().describe("Number of files in the ladder")
    })
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const envSchema = z.object({
    slmbench: z.string(),
    nodeLlamaCpp: z.string(),
    llamaCpp: z.string().describe("llama.cpp release bundled with node-llama-cpp"),
    cpu: z.string(),
    cores: z.number().int().positive(),
    threads: z.number().int().positive().describe("Threads given to llama.cpp for this model"),
    os: z.string(),
    node: z.string(),
    gpu: z.object({
        requested: z.enum(["auto", "cpu", "cuda", "vulkan", "metal"]).describe("As the suite or --gpu asked"),
        backend: z.enum(["cpu", "cuda", "vulkan", "metal"]).describe("Where llama.cpp ran the model (cpu when no GPU was used)"),
        layers: z.number().int().nonnegative().describe("Layers offloaded to the GPU (0 on the CPU)")
    }).optional().describe("GPU offload of a local model; absent for models without local weights")
});
export type RunEnv = z.infer<typeof envSchema>;

export const trialErrorSchema = z.object({
    message: z.string(),
    kind: z.enum(["trial", "model-process-aborted", "model-load", "not-run", "non-finite score"]).describe(
        "trial: the trial threw; model-process-aborted: the model's process died during this trial; " +
        "model-load: the model could not be loaded; not-run: an earlier fault stopped the model; " +
        "non-finite score: the trial computed NaN or an infinite score (e.g. a model with garbage weights)"),
    attempts: z.number().int().positive().optional()
        .describe("model-process-aborted: how many times this trial has taken the model process down (it is not retried after the suite's maxCrashAttempts)"),
    exitCode: z.number().int().nullable().optional().describe("model-process-aborted: the process's exit code"),
    signal: z.string().nullable().optional().describe("model-process-aborted: the signal that ended the process")
});

export const trialRecordSchema = z.object({
    id: z.string().describe("Deterministic trial id, unique within its task instance"),
    cell: z.record(z.string(), z.union([z.string(), z.number()])).describe("Grid coordinates, e.g. {length, depth}"),
    seed: z.number().int(),
    status: z.enum(["ok", "error", "skipped"]),
    skipReason: z.string().optional(),
    error: trialErrorSchema.optional(),
    input: z.record(z.string(), z.unknown()).optional().describe("Task-specific trial input (needle, expected answer ...)"),
    output: z.record(z.string(), z.unknown()).optional().describe("Task-specific output (generated text ...)"),
    scores: z.record(z.string(), finiteOrNull).default({}),
    promptTokens: z.number().int().nonnegative().optional(),
    timings: z.record(z.string(), z.number().nonnegative()).default({}).describe("Milliseconds")
});
export type TrialRecord = z.infer<typeof trialRecordSchema>;

export const performanceSchema = z.object({
    loadMs: z.number().nonnegative().optional(),
    wallMs: z.number().nonnegative(),
    promptTokens: z.number().int().nonnegative().describe("Tokens in all prompts evaluated"),
    evaluatedTokens: z.number().int().nonnegative().describe("Tokens llama.cpp actually evaluated (after KV-prefix reuse)"),
    generatedTokens: z.number().int().nonnegative(),
    promptTokensPerSecond: finiteOrNull,
    generationTokensPerSecond: finiteOrNull,
    peakRssBytes: z.number().int().nonnegative().nullable().describe("Peak resident memory of the model's process")
});

export const resultDocumentSchema = z.object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    kind: z.literal("slmbench.result"),
    runId: z.string().describe("Hash of the suite config: the same suite resumes into the same run"),
    createdAt: z.string(),
    suite: z.object({name: z.string(), hash: z.string()}),
    task: z.object({
        type: z.string().describe("Task type, e.g. niah"),
        id: z.string().describe("Task instance id within the suite"),
        config: z.record(z.string(), z.unknown()),
        configHash: z.string(),
        mainScore: z.object({name: z.string(), higherIsBetter: z.boolean(), description: z.string()}),
        configWarnings: z.array(z.string()).optional()
            .describe("What the task's validation warned about this config (e.g. a haystack shorter than the depths asked); merge keeps them")
    }),
    model: modelInfoSchema,
    env: envSchema,
    scores: z.object({main: finiteOrNull}).catchall(z.unknown()).describe("main plus task-specific aggregates"),
    counts: z.object({
        planned: z.number().int().nonnegative(),
        ok: z.number().int().nonnegative(),
        error: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative()
    }),
    coverage: z.object({
        ok: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        planned: z.number().int().nonnegative()
    }).optional().describe("Planned trials (of this document's plan: a shard's slice, or the whole plan) that finished ok or were skipped by design"),
    partial: z.literal(true).optional().describe("Present when ok + skipped < planned (errors, trials missing after merge): scores.main covers only the finished trials"),
    modelError: z.object({
        message: z.string(),
        trialId: z.string().optional().describe("The trial in flight when it happened"),
        exitCode: z.number().int().nullable().optional(),
        signal: z.string().nullable().optional()
    }).optional(),
    warnings: z.array(z.string()).default([]),
    shard: z.object({
        index: z.number().int().positive(),
        count: z.number().int().positive(),
        source: z.enum(["cli", "slurm", "kubernetes", "env"]).describe("--shard i/n, or --shard auto from a Slurm job array, a Kubernetes Indexed Job or SLMBENCH_SHARD_INDEX/COUNT"),
        from: z.string().describe("The option or variables it was read from")
    }).optional().describe("The slice of the trials this document holds (a run with --shard); absent in a whole run and after merge"),
    performance: performanceSchema.optional(),
    trials: z.array(trialRecordSchema)
});
export type ResultDocument = z.infer<typeof resultDocumentSchema>;

/**
 * `<run folder>/errors.json`: what kept parts of a run from starting at all (models that did not
 * resolve, tasks whose inputs failed validation), which no result document can hold. Written by
 * every run that has such errors and removed by one that has none. Not a result document: readers
 * of result documents skip it by its `kind`.
 */
export const runErrorsSchema = z.object({
    kind: z.literal("slmbench.run-errors"),
    runId: z.string(),
    createdAt: z.string(),
    suite: z.object({name: z.string(), hash: z.string()}),
    models: z.array(z.object({source: z.string().describe("The model reference as given"), message: z.string()})),
    tasks: z.array(z.object({id: z.string(), message: z.string()})),
    other: z.array(z.string()).default([])
});
export type RunErrors = z.infer<typeof runErrorsSchema>;
