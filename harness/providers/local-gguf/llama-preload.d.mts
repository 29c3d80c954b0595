import type {Llama} from "node-llama-cpp";

/** The model process's one Llama instance, started when the process started (llama-preload.mjs). */
export declare const llamaPromise: Promise<Llama>;
