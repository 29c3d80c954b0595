/**
 * The per-row loops of the direct scoring path over a whole vocabulary, in WebAssembly SIMD
 * (./exp-kernel.wat; the bytes below are its wat2wasm output, see its header): the row's max, a
 * floor under its k largest entries with the candidates above it (so top-k selection looks at a
 * few thousand entries, not the vocabulary), and the sums of exp(row[i] - shift). The sums use
 * ggml's vectorized expf where it is reachable (./native-exp.ts, float32 exps summed in float64),
 * else the WebAssembly float64 exp (relative error < 7e-12 per entry). At large vocabularies these
 * loops are the direct path's main cost after the decode itself.
 */
import {ExpSum, nativeExpSum} from "./native-exp.js";

const KERNEL_BASE64 = "AGFzbQEAAAABJwVgBn9/f398fwBgAn9/AX1gBH9/f38BfWAEf399fwF/YAN/f30BfwMGBQABAgMEBQMBAAEHSwYGbWVtb3J5AgAHc3VtX2V4cAAAB21heF9mMzIAAQxibG9ja19tYXhpbWEAAgpjYW5kaWRhdGVzAAMOZmlyc3RfYXRfbGVhc3QABAruCwXCBgICfxR7IAT9FCEXRP6CK2VHFfc//RQhGEQAAOD+Qi7mP/0UIRlEdjx5Ne856j39FCEaRAAAAAAAIIbA/RQhGyADQXxxQQJ0IQcCQANAIAYgB08NASAAIAZq/V0DAP1fIBf98QEgG/31ASEIIAAgBmr9XQMI/V8gF/3xASAb/fUBIQ4gCCAY/fIB/ZQBIQkgCCAJIBn98gH98QEgCSAa/fIB/fEBIQogCiAK/fIBIQsgCyAL/fIBIQxEAAAAAAAA8D/9FEQAAAAAAADwP/0UIAr98gH98AFEAAAAAAAA4D/9FERVVVVVVVXFP/0UIAr98gH98AEgC/3yAf3wAURVVVVVVVWlP/0URBEREREREYE//RQgCv3yAf3wAUQXbMEWbMFWP/0URBqgARqgASo//RQgCv3yAf3wASAL/fIB/fABIAz98gH98AFEGqABGqAB+j79FEQ0x1al4x3HPv0UIAr98gH98AEgDCAM/fIB/fIB/fABIAn9/AH9xwFC/wf9Ev3OAUE0/csB/fIBIQ0gDiAY/fIB/ZQBIQ8gDiAPIBn98gH98QEgDyAa/fIB/fEBIRAgECAQ/fIBIREgESAR/fIBIRJEAAAAAAAA8D/9FEQAAAAAAADwP/0UIBD98gH98AFEAAAAAAAA4D/9FERVVVVVVVXFP/0UIBD98gH98AEgEf3yAf3wAURVVVVVVVWlP/0URBEREREREYE//RQgEP3yAf3wAUQXbMEWbMFWP/0URBqgARqgASo//RQgEP3yAf3wASAR/fIB/fABIBL98gH98AFEGqABGqAB+j79FEQ0x1al4x3HPv0UIBD98gH98AEgEiAS/fIB/fIB/fABIA/9/AH9xwFC/wf9Ev3OAUE0/csB/fIBIRMgFCAN/fABIRQgFSANIAEgBmr9XQMA/V/98gH98AEhFSAWIA0gAiAGav1dAwD9X/3yAf3wASEWIBQgE/3wASEUIBUgEyABIAZq/V0DCP1f/fIB/fABIRUgFiATIAIgBmr9XQMI/V/98gH98AEhFiAGQRBqIQYMAAsLIAUgFP0hACAU/SEBoDkDACAFIBX9IQAgFf0hAaA5AwggBSAW/SEAIBb9IQGgOQMQC9UBAgN/BHsgAP0ABAAhBSAFIQYgBSEHIAUhCCABQXxxQQJ0IQMgAUFwcUECdCEEAkADQCACIARPDQEgBSAAIAJq/QAEAP3rASEFIAYgACACav0ABBD96wEhBiAHIAAgAmr9AAQg/esBIQcgCCAAIAJq/QAEMP3rASEIIAJBwABqIQIMAAsLAkADQCACIANPDQEgBSAAIAJq/QAEAP3rASEFIAJBEGohAgwACwsgBSAG/esBIAcgCP3rAf3rASEFIAX9HwAgBf0fAZcgBf0fAiAF/R8Dl5cLpgEDA38BewJ9IAFBfHFBAnQhBUMAAID/IQkCQANAIAQgBU8NASAEIAJBAnRqIQYgBiAFSwRAIAUhBgsgACAEav0ABAAhByAEQRBqIQQCQANAIAQgBk8NASAHIAAgBGr9AAQA/esBIQcgBEEQaiEEDAALCyAH/R8AIAf9HwGXIAf9HwIgB/0fA5eXIQggAyAIOAIAIANBBGohAyAJIAiXIQkMAAsLIAkLwgEDA38CewJ/IAFBfHFBAnQhBSAC/RMhBwJAA0AgBCAFTw0BIAAgBGr9AAQAIAf9RiEIIAj9UwRAIARBAnYhCiADIAZBAnRqIQkgCSAKNgIAIAYgCP0bAGshBiADIAZBAnRqIQkgCSAKQQFqNgIAIAYgCP0bAWshBiADIAZBAnRqIQkgCSAKQQJqNgIAIAYgCP0bAmshBiADIAZBAnRqIQkgCSAKQQNqNgIAIAYgCP0bA2shBgsgBEEQaiEEDAALCyAGC2UCAn8BeyABQXxxQQJ0IQQgAv0TIQUCQANAIAMgBE8NASAAIANq/QAEACAF/Ub9Uw0BIANBEGohAwwACwsCQANAIAMgBE8NASAAIANqKgIAIAJgDQEgA0EEaiEDDAALCyADQQJ2Cw==";

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
    private readonly sumExp: (row: number, wtop: number, wask: number, n: number, shift: number, out: number) => void;
    private readonly maxF32: (row: number, n: number) => number;
    private readonly blockMaxima: (row: number, n: number, block: number, out: number) => number;
    private readonly candidatesOf: (row: number, n: number, floor: number, out: number) => number;
    private readonly firstAtLeast: (row: number, n: number, value: number) => number;
    private readonly native: ExpSum | undefined;
    private readonly offsets: {top: number; asked: number; out: number; candidates: number; maxima: number};
    private readonly row: Float32Array;
    /** Weights of the WebAssembly sums, 1 or 0 per vocabulary entry (all 1 between calls). */
    private readonly topWeights: Float32Array;
    private readonly askedWeights: Float32Array;
    private readonly out: Float64Array;
    private readonly candidateIds: Int32Array;
    private readonly maxima: Float32Array;
    private sortedMaxima = new Float32Array(0);
    private saved = new Float32Array(0);
    private readonly scratch: Float32Array;

    /** `useNative` false keeps to the WebAssembly float64 sums (default: ggml's expf where reachable). */
    constructor(readonly size: number, useNative = true) {
        const padded = (Math.max(size, 4) + 3) & ~3;
        const bytes = padded * 4;
        // row | top weights | asked weights | out | candidate ids (+ 4: the kernel writes past the last one) | exp scratch | block maxima
        const scratchOffset = 3 * bytes + 32 + bytes + 16;
        this.offsets = {top: bytes, asked: 2 * bytes, out: 3 * bytes, candidates: 3 * bytes + 32, maxima: scratchOffset + bytes};
        const instance = new WebAssembly.Instance(compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_BASE64, "base64")));
        const memory = instance.exports.memory as WebAssembly.Memory;
        const pages = Math.ceil((this.offsets.maxima + bytes / 4 + 16) / 65536) - memory.buffer.byteLength / 65536;
        if (pages > 0) memory.grow(pages);
        this.sumExp = instance.exports.sum_exp as ExpKernel["sumExp"];
        this.maxF32 = instance.exports.max_f32 as ExpKernel["maxF32"];
        this.blockMaxima = instance.exports.block_maxima as ExpKernel["blockMaxima"];
        this.candidatesOf = instance.exports.candidates as ExpKernel["candidatesOf"];
        this.firstAtLeast = instance.exports.first_at_least as ExpKernel["firstAtLeast"];
        // The memory never grows after this: the views below, and the pointers native code gets to them, stay valid.
        const buffer = memory.buffer;
        this.row = new Float32Array(buffer, 0, size);
        this.topWeights = new Float32Array(buffer, this.offsets.top, size).fill(1);
        this.askedWeights = new Float32Array(buffer, this.offsets.asked, size).fill(1);
        this.out = new Float64Array(buffer, this.offsets.out, 3);
        this.candidateIds = new Int32Array(buffer, this.offsets.candidates, padded + 4);
        this.maxima = new Float32Array(buffer, this.offsets.maxima, padded / 4 + 1);
        this.scratch = new Float32Array(buffer, scratchOffset, padded);
        this.native = useNative ? nativeExpSum() : undefined;
    }

    /** Whether sums use ggml's float32 expf (else the WebAssembly float64 one). */
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
        let max = n >= 4 ? this.maxF32(0, n) : -Infinity;
        for (let i = n & ~3; i < n; i++) if (this.row[i]! > max) max = this.row[i]!;
        return max;
    }

    /** The first id whose entry equals the loaded row's max (`max` as max() returned it). */
    argmax(max: number): number {
        const n = this.size;
        let i = this.firstAtLeast(0, n, max);
        while (i < n && this.row[i]! !== max) i++;
        return i;
    }

    /**
     * Ids (increasing) of the loaded row's entries that may be among its k largest, and the row's
     * max: the row is cut into about 4k blocks, and every entry at or above the k-th largest block
     * max is kept (k blocks reach it, so at least k entries do: each of the k largest does too),
     * plus the last n mod 4 entries. Undefined when there are fewer than k blocks of 4 (callers then
     * look at every entry). The ids are a view valid until the next call.
     */
    topCandidates(k: number): {ids: Int32Array; max: number} | undefined {
        const n = this.size;
        const whole = n & ~3;
        const block = Math.max(4, Math.floor(whole / (4 * k) / 4) * 4);
        const blocks = Math.ceil(whole / block);
        if (blocks < k) return undefined;
        let max = this.blockMaxima(0, n, block, this.offsets.maxima);
        if (this.sortedMaxima.length !== blocks) this.sortedMaxima = new Float32Array(blocks);
        this.sortedMaxima.set(this.maxima.subarray(0, blocks));
        const floor = kthLargest(this.sortedMaxima, k);
        let count = this.candidatesOf(0, n, floor, this.offsets.candidates);
        for (let i = whole; i < n; i++) {
            this.candidateIds[count++] = i;
            if (this.row[i]! > max) max = this.row[i]!;
        }
        return {ids: this.candidateIds.subarray(0, count), max};
    }

    /** The sums of exp(row[i] - shift) over the loaded row, and over it without the ids given (see ExpSums). */
    sums(shift: number, leaveOutTop?: ArrayLike<number>, leaveOutAsked?: ArrayLike<number>): ExpSums {
        return this.native ? this.nativeSums(this.native, shift, leaveOutTop, leaveOutAsked) : this.wasmSums(shift, leaveOutTop, leaveOutAsked);
    }

    /**
     * One native pass for the total and one per sum left out of, with those entries at -inf (exp 0):
     * each rest is summed directly, never as total - part, and the total never depends on which
     * ids are left out.
     */
    private nativeSums(native: ExpSum, shift: number, leaveOutTop?: ArrayLike<number>, leaveOutAsked?: ArrayLike<number>): ExpSums {
        const without = (ids: ArrayLike<number> | undefined) => {
            if (!ids) return 0;
            const saved = this.saved.length >= ids.length ? this.saved : (this.saved = new Float32Array(ids.length));
            for (let j = 0; j < ids.length; j++) {
                saved[j] = this.row[ids[j]!]!;
                this.row[ids[j]!] = -Infinity;
            }
            const rest = native(this.size, this.row, shift, this.scratch);
            // In reverse: a repeated id gets its first (true) value back last.
            for (let j = ids.length - 1; j >= 0; j--) this.row[ids[j]!] = saved[j]!;
            return rest;
        };
        return {total: native(this.size, this.row, shift, this.scratch), top: without(leaveOutTop), asked: without(leaveOutAsked)};
    }

    private wasmSums(shift: number, leaveOutTop?: ArrayLike<number>, leaveOutAsked?: ArrayLike<number>): ExpSums {
        const n = this.size;
        const {topWeights, askedWeights} = this;
        if (leaveOutTop) for (let j = 0; j < leaveOutTop.length; j++) topWeights[leaveOutTop[j]!] = 0;
        if (leaveOutAsked) for (let j = 0; j < leaveOutAsked.length; j++) askedWeights[leaveOutAsked[j]!] = 0;
        this.sumExp(0, this.offsets.top, this.offsets.asked, n, shift, this.offsets.out);
        let [total, top, asked] = [this.out[0]!, this.out[1]!, this.out[2]!];
        for (let i = n & ~3; i < n; i++) {
            const e = Math.exp(Math.max(this.row[i]! - shift, -708));
            total += e;
            top += e * topWeights[i]!;
            asked += e * askedWeights[i]!;
        }
        if (leaveOutTop) for (let j = 0; j < leaveOutTop.length; j++) topWeights[leaveOutTop[j]!] = 1;
        if (leaveOutAsked) for (let j = 0; j < leaveOutAsked.length; j++) askedWeights[leaveOutAsked[j]!] = 1;
        return {total, top: leaveOutTop ? top : 0, asked: leaveOutAsked ? asked : 0};
    }
}

/** The k-th largest value of `values` (1 <= k <= length; reorders them): Hoare's quickselect. */
export function kthLargest(values: Float32Array, k: number): number {
    const want = values.length - k;
    let lo = 0, hi = values.length - 1;
    while (lo < hi) {
        const pivot = values[(lo + hi) >> 1]!;
        let i = lo, j = hi;
        while (i <= j) {
            while (values[i]! < pivot) i++;
            while (values[j]! > pivot) j--;
            if (i <= j) {
                const swap = values[i]!;
                values[i++] = values[j]!;
                values[j--] = swap;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else break;
    }
    return values[want]!;
}
