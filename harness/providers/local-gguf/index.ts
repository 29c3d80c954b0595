import {fileURLToPath} from "node:url";
import {z} from "zod";
import type {Provider} from "../provider.js";
import {parseQuantTypes, parseTensorType} from "./quantize/types.js";
import {LocalModelRef, LocalSettings, resolveLocalModels} from "./resolve.js";

const assetRefSchema = z.object({
    asset: z.string().min(1).describe("Folder or file under an asset root's models/"),
    download: z.string().regex(/^hf:/, "download must be an hf: URI").optional()
        .describe("Where to get it when no asset root has it")
}).strict();

/** A check by one of the quantizer's parsers (their errors list the valid names). */
const parsedBy = (parse: (value: string) => unknown) => (value: string, ctx: z.RefinementCtx) => {
    try {
        parse(value);
    } catch (error) {
        ctx.addIssue({code: "custom", message: (error as Error).message});
    }
};

const quantizeRefSchema = z.object({
    quantize: z.object({
        from: z.union([z.string().min(1), assetRefSchema], {error: "from is a GGUF file, an asset name, an hf: URI or {asset, download}"})
            .describe("The F32, F16 or BF16 GGUF file the ladder is made from (its reference)"),
        types: z.array(z.string().min(1)).min(1, "types lists at least one quantization type")
            .superRefine((types, ctx) => (types.length > 0 ? parsedBy(() => parseQuantTypes(types))("", ctx) : undefined))
            .describe("Levels to make, e.g. [\"Q8_0\", \"Q4_K_M\", \"Q2_K\"]"),
        imatrix: z.string().min(1).optional().describe("Importance matrix file (GGUF or legacy .dat from llama-imatrix)"),
        tokenEmbeddingType: z.string().min(1)
            .superRefine((type, ctx) => (type.trim().toLowerCase() === "match" ? undefined : parsedBy(parseTensorType)(type, ctx))).optional()
            .describe("ggml type forced on token_embd.weight, or \"match\" (each level's base type)")
    }).strict()
}).strict();

/** The object forms: {asset, download} or {quantize: {...}}, each checked by its own schema so errors name its fields. */
const objectRefSchema = z.record(z.string(), z.unknown()).superRefine((ref, ctx) => {
    const parsed = ("quantize" in ref ? quantizeRefSchema : assetRefSchema).safeParse(ref);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({code: "custom", message: issue.message, path: issue.path});
});

/**
 * Local GGUF files through node-llama-cpp, each in a model process of its own: a native abort
 * (llama.cpp calling abort(), e.g. a tokenizer throwing std::out_of_range) ends only that
 * process; the run records the trial in flight and goes on with the next model.
 */
const localGgufProvider: Provider<LocalSettings> = {
    id: "local-gguf",
    syntax: "a .gguf file, a folder of them, a name under an asset root's models/, an hf: URI, {asset, download}, or {quantize: {from, types}}",
    // Matched last: paths and names, hf: URIs, {asset} and {quantize}; a string with another URI scheme is no file.
    claims: (ref) => (typeof ref === "string" ? ref.startsWith("hf:") || !/^[a-z][a-z0-9+.-]+:/i.test(ref) : "asset" in ref || "quantize" in ref),
    refSchema: objectRefSchema,
    async resolve(refs, context) {
        return resolveLocalModels(refs as LocalModelRef[], context);
    },
    isolation: "process",
    // Starts node-llama-cpp before the model process compiles any TypeScript (see llama-preload.mjs).
    preload: fileURLToPath(new URL("./llama-preload.mjs", import.meta.url)),
    async open(_model, settings, options) {
        const started = performance.now();
        const [{llamaFor}, {LocalGgufSession, llamaCppRelease}, {gpuLayersFor, gpuUse, llamaForGpu}] =
            await Promise.all([import("./llama-preload.mjs"), import("./session.js"), import("./gpu.js")]);
        const {llama, requested} = await llamaForGpu(options.gpu, llamaFor);
        const model = await llama.loadModel({modelPath: settings.path, gpuLayers: gpuLayersFor(llama, options.gpu)});
        // The direct scoring path loads node-llama-cpp's CPU libraries; beside a GPU build it is untested, so on a GPU
        // scoring goes through node-llama-cpp (on the GPU) unless SLMBENCH_SCORING asks for a path.
        const scoring = llama.gpu !== false && !process.env.SLMBENCH_SCORING ? {scoring: "sampler" as const} : {};
        const session = new LocalGgufSession(model, {contextSize: options.contextSize, threads: options.threads}, {modelPath: settings.path, ...scoring});
        return {
            session,
            loadMs: performance.now() - started,
            engine: llamaCppRelease(llama),
            gpu: gpuUse(llama, model, requested),
            // One trial at a time, in each task's order: consecutive prompts share KV-cache prefixes.
            concurrency: 1,
            // The model process holds this model only.
            peakRssBytes: () => process.resourceUsage().maxRSS * 1024,
            async dispose() {
                await session.dispose();
                await model.dispose();
            }
        };
    }
};

export default localGgufProvider;
