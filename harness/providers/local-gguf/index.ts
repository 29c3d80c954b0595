import {fileURLToPath} from "node:url";
import {z} from "zod";
import type {Provider} from "../provider.js";
import {LocalModelRef, LocalSettings, resolveLocalModels} from "./resolve.js";

const assetRefSchema = z.object({
    asset: z.string().min(1).describe("Folder or file under an asset root's models/"),
    download: z.string().regex(/^hf:/, "download must be an hf: URI").optional()
        .describe("Where to get it when no asset root has it")
}).strict();

/**
 * Local GGUF files through node-llama-cpp, each in a model process of its own: a native abort
 * (llama.cpp calling abort(), e.g. a tokenizer throwing std::out_of_range) ends only that
 * process; the run records the trial in flight and goes on with the next model.
 */
const localGgufProvider: Provider<LocalSettings> = {
    id: "local-gguf",
    syntax: "a .gguf file, a folder of them, a name under an asset root's models/, an hf: URI, or {asset, download}",
    // Matched last: paths and names, hf: URIs, and {asset}; a string with another URI scheme is no file.
    claims: (ref) => (typeof ref === "string" ? ref.startsWith("hf:") || !/^[a-z][a-z0-9+.-]+:/i.test(ref) : "asset" in ref),
    refSchema: assetRefSchema,
    async resolve(refs, context) {
        return resolveLocalModels(refs as LocalModelRef[], context);
    },
    isolation: "process",
    // Starts node-llama-cpp before the model process compiles any TypeScript (see llama-preload.mjs).
    preload: fileURLToPath(new URL("./llama-preload.mjs", import.meta.url)),
    async open(_model, settings, options) {
        const started = performance.now();
        const [{llamaPromise}, {LocalGgufSession, llamaCppRelease}] = await Promise.all([import("./llama-preload.mjs"), import("./session.js")]);
        const llama = await llamaPromise;
        const model = await llama.loadModel({modelPath: settings.path, gpuLayers: 0});
        const session = new LocalGgufSession(model, {contextSize: options.contextSize, threads: options.threads}, {modelPath: settings.path});
        return {
            session,
            loadMs: performance.now() - started,
            engine: llamaCppRelease(llama),
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
