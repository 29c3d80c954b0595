// Starts node-llama-cpp's getLlama as soon as the model process starts (child-entry.mjs imports
// this first): getLlama forks a process to test the llama.cpp binary (~0.7 s here), which then
// overlaps with compiling the TypeScript of child.ts instead of following it.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

/** The process's one Llama instance (CPU only, prebuilt binary, errors only on stderr). */
export const llamaPromise = getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
// Observed by child.ts when it awaits it; this keeps an early failure from being an unhandled rejection meanwhile.
llamaPromise.catch(() => {});
