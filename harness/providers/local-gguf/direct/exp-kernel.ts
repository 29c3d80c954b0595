/**
 * The per-row loops of the direct scoring path over a whole vocabulary, in WebAssembly SIMD
 * (./exp-kernel.wat; the bytes below are its wat2wasm output, see its header): the row's max, a
 * floor under its k largest entries with the candidates above it (so top-k selection looks at a
 * few thousand entries, not the vocabulary), float64 sums of exp(row[i] - shift) and the terms of an
 * exact KL divergence between two rows, and the ranking of top-k candidates (a radix sort). The
 * exps are float32, from ggml's vectorized expf where it is reachable (./native-exp.ts; relative
 * error < 7e-7 each), else from Math.exp. At large vocabularies these loops are the direct path's
 * main cost after the decode itself.
 */
import {ExpSum, nativeExpSum} from "./native-exp.js";

const KERNEL_BASE64 = "AGFzbQEAAAABOAdgAn9/AX1gBH9/f38BfWAEf399fwF/YAN/f30Bf2ACf38BfGAGf39/f31/AGAIf39/f39/f38AAwkIAAECAwQFAQYFAwEAAQd6CQZtZW1vcnkCAAdtYXhfZjMyAAAMYmxvY2tfbWF4aW1hAAEKY2FuZGlkYXRlcwACDmZpcnN0X2F0X2xlYXN0AAMHc3VtX2YzMgAECGtsX3Rlcm1zAAUPa3RoX2xhcmdlc3RfZjMyAAYPcmFua19jYW5kaWRhdGVzAAcKkg4I1QECA38EeyAA/QAEACEFIAUhBiAFIQcgBSEIIAFBfHFBAnQhAyABQXBxQQJ0IQQCQANAIAIgBE8NASAFIAAgAmr9AAQA/esBIQUgBiAAIAJq/QAEEP3rASEGIAcgACACav0ABCD96wEhByAIIAAgAmr9AAQw/esBIQggAkHAAGohAgwACwsCQANAIAIgA08NASAFIAAgAmr9AAQA/esBIQUgAkEQaiECDAALCyAFIAb96wEgByAI/esB/esBIQUgBf0fACAF/R8BlyAF/R8CIAX9HwOXlwuJAgIDfwJ7IAFBfHFBAnQhBUMAAID//RMhCAJAA0AgBCAFTw0BIAQgAkECdGohBiAGIAVLBEAgBSEGCyAAIARq/QAEACEHIARBEGohBAJAA0AgBCAGTw0BIAcgACAEav0ABAD96wEhByAEQRBqIQQMAAsLIAggB/3rASEIIAcgByAH/Q0ICQoLDA0ODwABAgMEBQYH/esBIQcgByAHIAf9DQQFBgcAAQIDDA0ODwgJCgv96wEhByADIAf9HwA4AgAgA0EEaiEDDAALCyAIIAggCP0NCAkKCwwNDg8AAQIDBAUGB/3rASEIIAggCCAI/Q0EBQYHAAECAwwNDg8ICQoL/esBIQggCP0fAAvCAQMDfwJ7An8gAUF8cUECdCEFIAL9EyEHAkADQCAEIAVPDQEgACAEav0ABAAgB/1GIQggCP1TBEAgBEECdiEKIAMgBkECdGohCSAJIAo2AgAgBiAI/RsAayEGIAMgBkECdGohCSAJIApBAWo2AgAgBiAI/RsBayEGIAMgBkECdGohCSAJIApBAmo2AgAgBiAI/RsCayEGIAMgBkECdGohCSAJIApBA2o2AgAgBiAI/RsDayEGCyAEQRBqIQQMAAsLIAYLZQICfwF7IAFBfHFBAnQhBCAC/RMhBQJAA0AgAyAETw0BIAAgA2r9AAQAIAX9Rv1TDQEgA0EQaiEDDAALCwJAA0AgAyAETw0BIAAgA2oqAgAgAmANASADQQRqIQMMAAsLIANBAnYLbwICfwN7IAFBfHFBAnQhAwJAA0AgAiADTw0BIAAgAmr9AAQAIQQgBSAE/V/98AEhBSAGIAQgBP0NCAkKCwwNDg8AAQIDBAUGB/1f/fABIQYgAkEQaiECDAALCyAFIAb98AEhBSAF/SEAIAX9IQGgC6QCAgJ/DXsgA0F8cUECdCEHIAT9EyELAkADQCAGIAdPDQEgACAGav0ABAAhCCABIAZq/QAEACEJIAIgBmr9AAQAIAv96wEhCiAI/V8hDSAIIAj9DQgJCgsMDQ4PAAECAwQFBgf9XyEOIA0gDP1KIAn9XyAK/V/98QH9TiEPIA4gDP1KIAkgCf0NCAkKCwwNDg8AAQIDBAUGB/1fIAogCv0NCAkKCwwNDg8AAQIDBAUGB/1f/fEB/U4hECARIA398AEhESASIA798AEhEiATIA0gD/3yAf3wASETIBQgDiAQ/fIB/fABIRQgBkEQaiEGDAALCyARIBL98AEhESATIBT98AEhEyAFIBH9IQAgEf0hAaA5AwAgBSAT/SEAIBP9IQGgOQMIC/YBAQl/IAFBAnQhCEEYIQQCQANAIANBAEGACPwLAEEAIQcCQANAIAcgCE8NASAAIAdqKAIAIQkgCUEBayAJQX9zQf////8HcSAJQQBIGyEJIAkgBnEgBUYEQCADIAkgBHZB/wFxQQJ0aiEKIAogCigCAEEBajYCAAsgB0EEaiEHDAALC0EAIQsCQANAIAMgC0ECdGooAgAhDCACIAxNDQEgC0H/AU8NASACIAxrIQIgC0EBaiELDAALCyAFIAsgBHRyIQUgBkH/ASAEdHIhBiAERQ0BIARBCGshBAwACwsgBUEBaiAFQX9zQf////8HcSAFQQBIG74L9QIBCX8gAkECdCEJAkADQCAIIAlPDQEgASAIaigCACEKIAAgCkECdGooAgAhCyADIAhqIAtBAWsgC0F/c0H/////B3EgC0EASBs2AgAgBCAIaiAKNgIAIAhBBGohCAwACwsCQANAIAxBIE8NASAHQQBBgAj8CwBBACEIAkADQCAIIAlPDQEgByADIAhqKAIAIAx2Qf8BcUECdGohDSANIA0oAgBBAWo2AgAgCEEEaiEIDAALC0EAIQ9BACEIAkADQCAIQYAITw0BIAcgCGohDSANKAIAIQ4gDSAPNgIAIA8gDkECdGohDyAIQQRqIQgMAAsLQQAhCAJAA0AgCCAJTw0BIAMgCGooAgAhCyAHIAsgDHZB/wFxQQJ0aiENIA0oAgAhDiANIA5BBGo2AgAgBSAOaiALNgIAIAYgDmogBCAIaigCADYCACAIQQRqIQgMAAsLIAMhECAFIQMgECEFIAQhECAGIQQgECEGIAxBCGohDAwACwsL";

export interface ExpSums {
    /** sum_i exp(row[i] - shift), float64. */
    total: number;
    /** The same sum over the entries outside `leaveOutTop` (0 when none were given). */
    top: number;
    /** The same sum over the entries outside `leaveOutAsked` (0 when none were given). */
    asked: number;
}

/** Compiled once per process: instances share its optimized code. */
let compiled: WebAssembly.Module | undefined;

/** One kernel instance with room for one row of a vocabulary. */
export class ExpKernel {
    private readonly maxF32: (row: number, n: number) => number;
    private readonly blockMaxima: (row: number, n: number, block: number, out: number) => number;
    private readonly candidatesOf: (row: number, n: number, floor: number, out: number) => number;
    private readonly firstAtLeast: (row: number, n: number, value: number) => number;
    private readonly sumF32: (y: number, n: number) => number;
    private readonly klTerms: (y: number, r: number, c: number, n: number, floor: number, out: number) => void;
    private readonly kthLargestF32: (values: number, n: number, k: number, counts: number) => number;
    private readonly rankCandidates: (row: number, idsIn: number, count: number, keys: number, ids: number, spareKeys: number, spareIds: number, counts: number) => void;
    private readonly native: ExpSum | undefined;
    private readonly offsets: {row: number; other: number; out: number; candidates: number; scratch: number; maxima: number;
        keys: number; rankedIds: number; spareKeys: number; spareIds: number; counts: number};
    private readonly row: Float32Array;
    /** A second row: the reference of an exact comparison. */
    private readonly other: Float32Array;
    private readonly out: Float64Array;
    private readonly candidateIds: Int32Array;
    private readonly maxima: Float32Array;
    /** The candidates' ids after rank_candidates: most likely first. */
    private readonly rankedIds: Uint32Array;
    private saved = new Float32Array(0);
    /** exp(row[i] - shift) of the last exps() call. */
    private readonly scratch: Float32Array;

    /** `useNative` false takes exps from Math.exp (default: ggml's expf where reachable). */
    constructor(readonly size: number, useNative = true) {
        const padded = (Math.max(size, 4) + 3) & ~3;
        const bytes = padded * 4;
        // Regions, in order: row, other row, out (32 bytes), candidate ids (+ 4: the kernel writes past
        // the last one), exp scratch, block maxima, then the radix sort's keys and ids (twice) and counts.
        const sizes = {row: bytes, other: bytes, out: 32, candidates: bytes + 16, scratch: bytes, maxima: bytes / 4 + 16,
            keys: bytes, rankedIds: bytes, spareKeys: bytes, spareIds: bytes, counts: 1024};
        let end = 0;
        this.offsets = Object.fromEntries(Object.entries(sizes).map(([name, size]) => {
            const at = end;
            end += size;
            return [name, at];
        })) as ExpKernel["offsets"];
        const instance = new WebAssembly.Instance(compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_BASE64, "base64")));
        const memory = instance.exports.memory as WebAssembly.Memory;
        const pages = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
        if (pages > 0) memory.grow(pages);
        const exports = instance.exports as Record<string, unknown>;
        this.maxF32 = exports.max_f32 as ExpKernel["maxF32"];
        this.blockMaxima = exports.block_maxima as ExpKernel["blockMaxima"];
        this.candidatesOf = exports.candidates as ExpKernel["candidatesOf"];
        this.firstAtLeast = exports.first_at_least as ExpKernel["firstAtLeast"];
        this.sumF32 = exports.sum_f32 as ExpKernel["sumF32"];
        this.klTerms = exports.kl_terms as ExpKernel["klTerms"];
        this.kthLargestF32 = exports.kth_largest_f32 as ExpKernel["kthLargestF32"];
        this.rankCandidates = exports.rank_candidates as ExpKernel["rankCandidates"];
        // The memory never grows after this: the views below, and the pointers native code gets to them, stay valid.
        const buffer = memory.buffer;
        this.row = new Float32Array(buffer, this.offsets.row, size);
        this.other = new Float32Array(buffer, this.offsets.other, size);
        this.out = new Float64Array(buffer, this.offsets.out, 3);
        this.candidateIds = new Int32Array(buffer, this.offsets.candidates, padded + 4);
        this.scratch = new Float32Array(buffer, this.offsets.scratch, padded);
        this.maxima = new Float32Array(buffer, this.offsets.maxima, padded / 4 + 1);
        this.rankedIds = new Uint32Array(buffer, this.offsets.rankedIds, padded);
        this.native = useNative ? nativeExpSum() : undefined;
    }

    /** Whether exps come from ggml's expf (else Math.exp); either way they are stored as float32 and summed in float64. */
    get nativeExp(): boolean {
        return this.native !== undefined;
    }

    /** Copies a row in: the other methods work on it. */
    load(row: Float32Array): void {
        if (row.length !== this.size) throw new Error(`a row of ${row.length} entries for a kernel of ${this.size}`);
        this.row.set(row);
    }

    /** The largest entry of the loaded row. */
    max(): number {
        const n = this.size;
        let max = n >= 4 ? this.maxF32(this.offsets.row, n) : -Infinity;
        for (let i = n & ~3; i < n; i++) if (this.row[i]! > max) max = this.row[i]!;
        return max;
    }

    /** The first id whose entry equals the loaded row's max (`max` as max() returned it). */
    argmax(max: number): number {
        const n = this.size;
        let i = this.firstAtLeast(this.offsets.row, n, max);
        while (i < n && this.row[i]! !== max) i++;
        return i < n ? i : greedyIndex(this.row);
    }

    /**
     * Writes the ids of the loaded row's k largest entries into `out` (k = out.length, 1 <= k <=
     * size): most likely first, the smaller id first among equal entries. Returns the row's max.
     * The candidates (candidatesFor, or every entry) are ranked in the kernel by a stable radix sort
     * of order keys; at 2,048 entries and k = 256 this costs a fifth of sorting them in JavaScript.
     */
    topIds(out: Uint32Array): number {
        const n = this.size;
        let count = this.candidatesFor(out.length);
        if (count === undefined) {
            for (let i = 0; i < n; i++) this.candidateIds[i] = i;
            count = n;
        }
        this.rankCandidates(this.offsets.row, this.offsets.candidates, count, this.offsets.keys, this.offsets.rankedIds,
            this.offsets.spareKeys, this.offsets.spareIds, this.offsets.counts);
        out.set(this.rankedIds.subarray(0, out.length));
        return this.row[out[0]!]!;
    }

    /**
     * Writes the ids (increasing) of the loaded row's entries that may be among its k largest into
     * the candidates region and returns their count: the row is cut into about 4k blocks, and every
     * entry at or above the k-th largest block max is kept (k blocks reach it, so at least k entries
     * do: each of the k largest does too), plus the last n mod 4 entries. Undefined when there are
     * fewer than k blocks of 4 (then every entry is a candidate).
     */
    private candidatesFor(k: number): number | undefined {
        const n = this.size;
        const whole = n & ~3;
        const block = Math.max(4, Math.floor(whole / (4 * k) / 4) * 4);
        const blocks = Math.ceil(whole / block);
        if (blocks < k) return undefined;
        this.blockMaxima(this.offsets.row, n, block, this.offsets.maxima);
        const floor = this.kthLargestF32(this.offsets.maxima, blocks, k, this.offsets.counts);
        let count = this.candidatesOf(this.offsets.row, n, floor, this.offsets.candidates);
        for (let i = whole; i < n; i++) this.candidateIds[count++] = i;
        return count;
    }

    /**
     * The sums of exp(row[i] - shift) over the loaded row, and over it without the ids given (see
     * ExpSums): one exp pass, then float64 sums of the float32 exps. A rest is summed directly over
     * the entries it covers (the left-out ones zeroed for that pass), never as total - part; the
     * total is then that rest plus the left-out entries' exps, so one sum pass serves both.
     */
    sums(shift: number, leaveOutTop?: ArrayLike<number>, leaveOutAsked?: ArrayLike<number>): ExpSums {
        this.exps(this.row, shift);
        let total: number | undefined;
        const without = (ids: ArrayLike<number> | undefined) => {
            if (!ids) return 0;
            const saved = this.saved.length >= ids.length ? this.saved : (this.saved = new Float32Array(ids.length));
            let left = 0;
            for (let j = 0; j < ids.length; j++) {
                // A repeated id reads 0 the second time: counted once.
                left += saved[j] = this.scratch[ids[j]!]!;
                this.scratch[ids[j]!] = 0;
            }
            const rest = this.scratchSum();
            // In reverse: a repeated id gets its first (true) value back last.
            for (let j = ids.length - 1; j >= 0; j--) this.scratch[ids[j]!] = saved[j]!;
            total ??= rest + left;
            return rest;
        };
        const top = without(leaveOutTop);
        const asked = without(leaveOutAsked);
        return {total: total ?? this.scratchSum(), top, asked};
    }

    /** Float64 sum of the exps in the scratch. */
    private scratchSum(): number {
        const n = this.size;
        let sum = this.sumF32(this.offsets.scratch, n);
        for (let i = n & ~3; i < n; i++) sum += this.scratch[i]!;
        return sum;
    }

    /**
     * Exact comparison of a reference row with the loaded row (the compared model's), over the
     * whole vocabulary: the reference goes into the second row; returns both rows' max and log of
     * sum exp(x - max) (float64 sums), and sum_i p_i (r_i - max(c_i, floor)) with p the
     * reference's distribution, where floor keeps the compared log-probabilities at or above
     * `minLogprob`. KL(reference || compared) = weighted - (maxR + logSumR) + (maxC + logSumC).
     */
    compareWith(reference: Float32Array, minLogprob: number): {max: number; logSum: number; referenceMax: number; referenceLogSum: number; weighted: number} {
        if (reference.length !== this.size) throw new Error(`a reference row of ${reference.length} entries for a kernel of ${this.size}`);
        const n = this.size;
        const max = this.max();
        this.exps(this.row, max);
        const sum = this.scratchSum();
        this.other.set(reference);
        let referenceMax = n >= 4 ? this.maxF32(this.offsets.other, n) : -Infinity;
        for (let i = n & ~3; i < n; i++) if (this.other[i]! > referenceMax) referenceMax = this.other[i]!;
        this.exps(this.other, referenceMax);
        const floor = max + Math.log(sum) + minLogprob;
        this.klTerms(this.offsets.scratch, this.offsets.other, this.offsets.row, n, floor, this.offsets.out);
        let [referenceSum, weighted] = [this.out[0]!, this.out[1]!];
        for (let i = n & ~3; i < n; i++) {
            const y = this.scratch[i]!;
            if (y > 0) {
                referenceSum += y;
                weighted += y * (this.other[i]! - Math.max(this.row[i]!, Math.fround(floor)));
            }
        }
        return {max, logSum: Math.log(sum), referenceMax, referenceLogSum: Math.log(referenceSum), weighted: weighted / referenceSum};
    }

    /** The first id whose entry in the reference row of the last compareWith equals `max`. */
    referenceArgmax(max: number): number {
        let i = this.firstAtLeast(this.offsets.other, this.size, max);
        while (i < this.size && this.other[i]! !== max) i++;
        return i < this.size ? i : greedyIndex(this.other);
    }

    /** scratch[i] = exp(x[i] - shift) (float32): ggml's expf, or Math.exp where it is not reachable. */
    private exps(x: Float32Array, shift: number): void {
        if (this.native) {
            this.native(this.size, x, shift, this.scratch);
            return;
        }
        for (let i = 0; i < this.size; i++) this.scratch[i] = Math.exp(x[i]! - shift);
    }


}

/**
 * llama.cpp's greedy sampler in full: the first entry no later entry exceeds, comparing one by one
 * from entry 0. The same as the first index of the max, except on rows holding NaN (a broken model),
 * where the max is undefined: the result is then what llama.cpp would pick, always a valid id.
 */
function greedyIndex(row: Float32Array): number {
    let selected = 0;
    for (let i = 1; i < row.length; i++) if (row[i]! > row[selected]!) selected = i;
    return selected;
}
