/** Sizes and memory: one parser, one formatter, one memory formula for the CLI, recommend and the site. */

const UNITS: Record<string, number> = {
    "": 1, b: 1,
    kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
    kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40
};

/** Parses "512MiB", "8GiB", "1.5GB", "1e9" or "123456" (bytes) into bytes. Throws on anything else. */
export function parseSize(text: string): number {
    const match = text.trim().match(/^(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)$/i);
    const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
    if (!match || unit === undefined)
        throw new Error(`bad size "${text}": use bytes or a number with B, KB, MB, GB, TB (x1000) or KiB, MiB, GiB, TiB (x1024), e.g. 8GiB`);
    const bytes = Math.round(Number(match[1]) * unit);
    if (!Number.isFinite(bytes) || bytes <= 0) throw new Error(`bad size "${text}": must be more than 0 bytes`);
    return bytes;
}

/** Bytes in binary units: "7.5 GiB". */
export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Memory facts of a model file (ModelInfo.memory): see harness/models/memory.ts for how they are measured. */
export interface MemoryFacts {
    kvBytesPerToken: number;
    overheadBytes: number;
}

/** Estimated memory to run a model at `context` tokens: weights + KV cache + overhead; undefined without memory facts or local weights. */
export function estimateMemoryBytes(model: {bytes: number; memory?: MemoryFacts}, context: number): number | undefined {
    if (!model.memory || model.bytes <= 0) return undefined;
    return model.bytes + model.memory.kvBytesPerToken * context + model.memory.overheadBytes;
}
