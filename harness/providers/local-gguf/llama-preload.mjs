// Starts node-llama-cpp's getLlama as soon as the model process starts (child-entry.mjs imports
// this first): getLlama forks a process to test the llama.cpp binary (~0.7 s here), which then
// overlaps with compiling the TypeScript of child.ts instead of following it. The GPU backend to
// start comes from the job's open options, which the parent puts in SLMBENCH_OPEN_OPTIONS.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const started = new Map();

/**
 * The process's Llama instance for a GPU backend ("cpu", "auto", "cuda", "vulkan", "metal"),
 * started once: prebuilt binaries only, errors only on stderr.
 */
export function llamaFor(backend = "cpu") {
    let llama = started.get(backend);
    if (!llama) {
        llama = getLlama({gpu: backend === "cpu" ? false : backend, build: "never", logLevel: LlamaLogLevel.error});
        // Observed when opened; this keeps an early failure from being an unhandled rejection meanwhile.
        llama.catch(() => {});
        started.set(backend, llama);
    }
    return llama;
}

function requestedBackend() {
    try {
        return JSON.parse(process.env.SLMBENCH_OPEN_OPTIONS ?? "{}")?.gpu?.gpu ?? "cpu";
    } catch {
        return "cpu";
    }
}

llamaFor(requestedBackend());
