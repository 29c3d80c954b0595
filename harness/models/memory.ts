import {GgufInsights, type GgufFileInfo} from "node-llama-cpp";
import type {MemoryFacts} from "../util/units.js";

/**
 * Memory facts of a GGUF file, for estimates at any context length:
 *
 *     memory(context) = file bytes + kvBytesPerToken x context + overheadBytes
 *
 * kvBytesPerToken: the F16 KV cache per token of context,
 *     sum over layers of (n_head_kv x head_dim_k + n_head_kv x head_dim_v) x 2 bytes,
 *     head_dim_k/v = `attention.key_length`/`value_length`, else embedding_length / n_head;
 *     n_head_kv = `attention.head_count_kv` (a number or one per layer), else n_head.
 *     Encoder-only (BERT-style) models get the same formula over their layers: llama.cpp keeps no
 *     cache for them, but their attention works on every token of the input at once, so this is
 *     a conservative per-token cost. Recurrent models (fixed-size state): 0.
 * overheadBytes: node-llama-cpp's CPU estimate for a context of OVERHEAD_CONTEXT tokens
 *     (`GgufInsights.estimateContextResourceRequirements`: 1 sequence, F16 cache, no flash
 *     attention, an embedding context for embedding models) minus the KV cache at that context:
 *     compute buffers, graph overhead and output buffers. Those buffers grow with the context in
 *     llama.cpp (attention scores without flash attention), so estimates at long contexts are
 *     lower bounds.
 */
export type ModelMemory = MemoryFacts;

/** The context at which the fixed overhead is taken (a multiple of node-llama-cpp's 256-token padding). */
export const OVERHEAD_CONTEXT = 512;
const F16_BYTES = 2;

type ArchMetadata = {
    block_count?: number;
    embedding_length?: number;
    pooling_type?: number;
    attention?: {head_count?: number | number[]; head_count_kv?: number | number[]; key_length?: number; value_length?: number};
};

const perLayer = (value: number | number[] | undefined, layer: number, fallback: number): number =>
    Array.isArray(value) ? (value[layer] ?? fallback) : (value ?? fallback);

/** F16 KV-cache bytes per token of context from a GGUF's architecture metadata (the formula above). */
export function kvBytesPerTokenOf(arch: ArchMetadata): number {
    const layers = arch.block_count ?? 0;
    const embedding = arch.embedding_length ?? 0;
    let bytes = 0;
    for (let layer = 0; layer < layers; layer++) {
        const heads = perLayer(arch.attention?.head_count, layer, 0);
        const headsKv = perLayer(arch.attention?.head_count_kv, layer, heads);
        const headDimK = arch.attention?.key_length ?? (heads > 0 ? embedding / heads : 0);
        const headDimV = arch.attention?.value_length ?? (heads > 0 ? embedding / heads : 0);
        bytes += (headsKv * headDimK + headsKv * headDimV) * F16_BYTES;
    }
    return bytes;
}

/** True for files made for embeddings: they declare a pooling type (BERT-style encoders, embedding LLMs). */
export function isEmbeddingModel(info: GgufFileInfo): boolean {
    const pooling = (info.architectureMetadata as ArchMetadata | undefined)?.pooling_type;
    return typeof pooling === "number" && pooling > 0;
}

/** The memory facts of a file whose header and tensor table have been read; undefined when node-llama-cpp cannot estimate it. */
export async function estimateModelMemory(info: GgufFileInfo): Promise<ModelMemory | undefined> {
    try {
        const insights = await GgufInsights.from(info);
        const kvBytesPerToken = insights.isRecurrent ? 0 : kvBytesPerTokenOf((info.architectureMetadata ?? {}) as ArchMetadata);
        const {cpuRam} = insights.estimateContextResourceRequirements({
            contextSize: OVERHEAD_CONTEXT, modelGpuLayers: 0, sequences: 1, flashAttention: false, isEmbeddingContext: isEmbeddingModel(info)
        });
        const overheadBytes = Math.max(0, Math.round(cpuRam - kvBytesPerToken * OVERHEAD_CONTEXT));
        return {kvBytesPerToken, overheadBytes};
    } catch {
        return undefined;
    }
}
