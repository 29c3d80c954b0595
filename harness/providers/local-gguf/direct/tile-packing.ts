/**
 * Which inputs share a decode, for batched embeddings with flash attention on the CPU.
 *
 * Sentences of one decode are separate sequences, so most of the batch's attention scores are
 * masked. llama.cpp's CPU flash attention works on tiles of 64 queries x 64 keys
 * (GGML_FA_TILE_Q/KV in ggml-cpu/common.h) and skips a tile whose mask is all -inf; below 64
 * queries it takes a kernel several times slower per token. So: pack sentences into 64-token
 * tiles (best fit, longest first) so that none straddles a tile boundary, fill each tile's unused
 * tail with a throwaway sequence, and decode one tile (or one long input's tiles) at a time. Each
 * sentence then attends within its own tile only. Measured on wnft-sif-256, 1 thread: 17-19% less
 * decode time per sentence than 8 sentences per decode (harness/perf/direct-perf.ts).
 */

/** Queries and keys per tile of llama.cpp's CPU flash-attention kernel (GGML_FA_TILE_Q = GGML_FA_TILE_KV). */
export const FLASH_ATTENTION_TILE = 64;

export interface PlannedDecode {
    /** Indices of the inputs, in the order they sit in the decode (sequence s = inputs[s]). */
    inputs: number[];
    /** Tokens of a throwaway last sequence that makes the decode a whole number of tiles (0: none). */
    filler: number;
}

/**
 * Packs inputs of the given token counts into decodes of whole tiles. An input longer than a tile
 * starts a decode of its own (tile-aligned) whose last tile's tail takes short inputs. A decode
 * holds at most `maxSequences` sequences, the filler included.
 */
export function packIntoTiles(lengths: readonly number[], maxSequences: number, tile = FLASH_ATTENTION_TILE): PlannedDecode[] {
    if (maxSequences < 2) throw new Error(`packing into tiles needs room for 2 sequences (an input and the filler), not ${maxSequences}`);
    const bins: {inputs: number[]; free: number}[] = [];
    // byFree[f]: bins with f tokens free and room for another input (and still the filler).
    const byFree: number[][] = Array.from({length: tile}, () => []);
    const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
    for (const index of order) {
        const length = lengths[index]!;
        if (length < 1) throw new Error(`input ${index} has no tokens`);
        let binId: number | undefined;
        // Best fit: the fullest bin that still takes the input.
        for (let free = length; free < tile && binId === undefined; free++) binId = byFree[free]!.pop();
        if (binId === undefined) {
            binId = bins.length;
            bins.push({inputs: [], free: Math.ceil(length / tile) * tile});
        }
        const bin = bins[binId]!;
        bin.inputs.push(index);
        bin.free -= length;
        if (bin.free > 0 && bin.inputs.length < maxSequences - 1) byFree[bin.free]!.push(binId);
    }
    return bins.map((bin) => ({inputs: bin.inputs, filler: bin.free}));
}

/**
 * The token sequences of one planned decode: its inputs in order, then the filler, a throwaway
 * sequence of its own (repeating the first input's first token) whose vector is never read.
 */
export function sequencesOf<T extends ArrayLike<number>>(decode: PlannedDecode, inputs: readonly T[]): (T | Int32Array)[] {
    const sequences: (T | Int32Array)[] = decode.inputs.map((index) => inputs[index]!);
    if (decode.filler > 0) sequences.push(new Int32Array(decode.filler).fill(sequences[0]![0]!));
    return sequences;
}

/** Consecutive inputs, up to `perDecode` of them and `batchTokens` tokens per decode (no filler). */
export function consecutiveDecodes(lengths: readonly number[], perDecode: number, batchTokens: number): PlannedDecode[] {
    const decodes: PlannedDecode[] = [];
    let current: number[] = [], tokens = 0;
    lengths.forEach((length, index) => {
        if (current.length === perDecode || (current.length > 0 && tokens + length > batchTokens)) {
            decodes.push({inputs: current, filler: 0});
            current = [];
            tokens = 0;
        }
        current.push(index);
        tokens += length;
    });
    if (current.length) decodes.push({inputs: current, filler: 0});
    return decodes;
}
