import type {Llama, LlamaModel} from "node-llama-cpp";
import type {GpuOptions} from "../../config/suite.js";
import type {GpuUse} from "../provider.js";

/**
 * The Llama instance for the GPU backend asked for. "cpu" (the default) runs on the CPU; "auto"
 * takes the best backend node-llama-cpp finds and falls back to the CPU; a named backend
 * ("cuda", "vulkan", "metal") must be the one that runs, else a clear error (node-llama-cpp
 * itself falls back silently for "metal" off macOS, and says only "NoBinaryFoundError" for a
 * missing CUDA or Vulkan build).
 */
export async function llamaForGpu(options: GpuOptions | undefined, llamaFor: (backend: GpuOptions["gpu"]) => Promise<Llama>): Promise<{llama: Llama; requested: GpuOptions["gpu"]}> {
    const requested = options?.gpu ?? "cpu";
    let llama: Llama;
    try {
        llama = await llamaFor(requested);
    } catch (error) {
        if (requested === "cpu" || requested === "auto") throw error;
        throw new Error(`gpu "${requested}" is not available here: node-llama-cpp found no ${requested} build that runs on this machine ` +
            `(${(error as Error).message}; it needs the GPU's driver and node-llama-cpp's prebuilt ${requested} binary for this platform). ` +
            `Set gpu to "auto" to use a GPU when there is one and the CPU otherwise, or to "cpu"`);
    }
    if (requested !== "cpu" && requested !== "auto" && llama.gpu !== requested)
        throw new Error(`gpu "${requested}" is not available here: node-llama-cpp runs on ${llama.gpu || "the CPU"} on this machine ` +
            `(${process.platform} ${process.arch}). Set gpu to "auto" to use a GPU when there is one and the CPU otherwise, or to "cpu"`);
    return {llama, requested};
}

/** loadModel's gpuLayers: none on the CPU, else the asked count ("auto" by default). */
export function gpuLayersFor(llama: Llama, options: GpuOptions | undefined): number | "auto" | "max" {
    return llama.gpu === false ? 0 : options?.gpuLayers ?? "auto";
}

/** What env records: the backend asked for, the one that ran and the layers it holds. */
export function gpuUse(llama: Llama, model: LlamaModel, requested: GpuOptions["gpu"]): GpuUse {
    return {requested, backend: llama.gpu || "cpu", layers: llama.gpu === false ? 0 : model.gpuLayers};
}
