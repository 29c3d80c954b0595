// Memory at a given context length, for the trade-off page. Pure: used at build time and by the
// client script (the context control recomputes every point).

/** Context lengths the trade-off page offers; the server-rendered page uses DEFAULT_CONTEXT. */
export const CONTEXT_CHOICES = [512, 2048, 8192, 32768] as const;
export const DEFAULT_CONTEXT = 2048;

/** What it takes to compute a model's memory at any context (see memoryAt). */
export interface MemoryParams {
    /** Weights file size with an estimate; otherwise the fixed figure (peak RSS or file size). */
    bytes: number;
    /** Present when the model records `memory`: the estimate grows with the context. */
    kvBytesPerToken?: number;
    overheadBytes?: number;
    source: "estimate" | "peak RSS" | "file size";
}

/** Estimated memory at `context` tokens: bytes + kvBytesPerToken × context + overheadBytes; the fixed figure without an estimate. */
export function memoryAt(p: MemoryParams, context: number): number {
    return p.kvBytesPerToken === undefined ? p.bytes : p.bytes + p.kvBytesPerToken * context + (p.overheadBytes ?? 0);
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
