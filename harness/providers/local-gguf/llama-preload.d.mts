import type {Llama} from "node-llama-cpp";

/** The model process's Llama instance for a GPU backend, started when the process started for the job's backend (llama-preload.mjs). */
export declare function llamaFor(backend?: "auto" | "cpu" | "cuda" | "vulkan" | "metal"): Promise<Llama>;
