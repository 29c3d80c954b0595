// Memory at a given context length, for the trade-off page. Pure: used at build time and by the
// client script (the context control recomputes every point). The estimate is the harness's own
// formula (harness/util/units.ts); the fallback for models without memory facts is the site's.
import {estimateMemoryBytes, type MemoryFacts} from "../../../harness/util/units.ts";

/** Bytes per unit the site shows sizes and memory in (binary, as formatBytes). */
export const MIB = 2 ** 20;

/** What it takes to compute a model's memory at any context (see memoryAt). */
export interface MemoryParams {
    /** Weights file size with an estimate; otherwise the fixed figure (peak RSS or file size). */
    bytes: number;
    /** The model's memory facts (ModelInfo.memory): present, the estimate grows with the context. */
    memory?: MemoryFacts;
    source: "estimate" | "peak RSS" | "file size";
}

/** Memory at `context` tokens: the harness's estimate (weights + KV cache + overhead) where the model has memory facts, else the fixed figure. */
export function memoryAt(p: MemoryParams, context: number): number {
    return estimateMemoryBytes(p, context) ?? p.bytes;
}

/** "2K", "32K", "512". */
export function contextLabel(tokens: number): string {
    return tokens >= 1024 && tokens % 1024 === 0 ? `${tokens / 1024}K` : String(tokens);
}

/** How a model's memory figure was obtained, for tables and tooltips. */
export function memorySourceText(p: MemoryParams, context: number): string {
    return p.source === "estimate"
        ? `estimate at ${contextLabel(context)} tokens (weights + KV cache + overhead)`
        : `${p.source} (no estimate: same at every context)`;
}
