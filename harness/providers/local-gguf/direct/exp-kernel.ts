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

const KERNEL_BASE64 = "AGFzbQEAAAABNgdgBn9/f398fwBgAn9/AX1gBH9/f38BfWAEf399fwF/YAN/f30Bf2ACf38BfGAGf39/f31/AAMIBwABAgMEBQYFAwEAAQdgCAZtZW1vcnkCAAdzdW1fZXhwAAAHbWF4X2YzMgABDGJsb2NrX21heGltYQACCmNhbmRpZGF0ZXMAAw5maXJzdF9hdF9sZWFzdAAEB3N1bV9mMzIABQhrbF90ZXJtcwAGCoQPB8IGAgJ/FHsgBP0UIRdE/oIrZUcV9z/9FCEYRAAA4P5CLuY//RQhGUR2PHk17znqPf0UIRpEAAAAAAAghsD9FCEbIANBfHFBAnQhBwJAA0AgBiAHTw0BIAAgBmr9XQMA/V8gF/3xASAb/fUBIQggACAGav1dAwj9XyAX/fEBIBv99QEhDiAIIBj98gH9lAEhCSAIIAkgGf3yAf3xASAJIBr98gH98QEhCiAKIAr98gEhCyALIAv98gEhDEQAAAAAAADwP/0URAAAAAAAAPA//RQgCv3yAf3wAUQAAAAAAADgP/0URFVVVVVVVcU//RQgCv3yAf3wASAL/fIB/fABRFVVVVVVVaU//RREERERERERgT/9FCAK/fIB/fABRBdswRZswVY//RREGqABGqABKj/9FCAK/fIB/fABIAv98gH98AEgDP3yAf3wAUQaoAEaoAH6Pv0URDTHVqXjHcc+/RQgCv3yAf3wASAMIAz98gH98gH98AEgCf38Af3HAUL/B/0S/c4BQTT9ywH98gEhDSAOIBj98gH9lAEhDyAOIA8gGf3yAf3xASAPIBr98gH98QEhECAQIBD98gEhESARIBH98gEhEkQAAAAAAADwP/0URAAAAAAAAPA//RQgEP3yAf3wAUQAAAAAAADgP/0URFVVVVVVVcU//RQgEP3yAf3wASAR/fIB/fABRFVVVVVVVaU//RREERERERERgT/9FCAQ/fIB/fABRBdswRZswVY//RREGqABGqABKj/9FCAQ/fIB/fABIBH98gH98AEgEv3yAf3wAUQaoAEaoAH6Pv0URDTHVqXjHcc+/RQgEP3yAf3wASASIBL98gH98gH98AEgD/38Af3HAUL/B/0S/c4BQTT9ywH98gEhEyAUIA398AEhFCAVIA0gASAGav1dAwD9X/3yAf3wASEVIBYgDSACIAZq/V0DAP1f/fIB/fABIRYgFCAT/fABIRQgFSATIAEgBmr9XQMI/V/98gH98AEhFSAWIBMgAiAGav1dAwj9X/3yAf3wASEWIAZBEGohBgwACwsgBSAU/SEAIBT9IQGgOQMAIAUgFf0hACAV/SEBoDkDCCAFIBb9IQAgFv0hAaA5AxAL1QECA38EeyAA/QAEACEFIAUhBiAFIQcgBSEIIAFBfHFBAnQhAyABQXBxQQJ0IQQCQANAIAIgBE8NASAFIAAgAmr9AAQA/esBIQUgBiAAIAJq/QAEEP3rASEGIAcgACACav0ABCD96wEhByAIIAAgAmr9AAQw/esBIQggAkHAAGohAgwACwsCQANAIAIgA08NASAFIAAgAmr9AAQA/esBIQUgAkEQaiECDAALCyAFIAb96wEgByAI/esB/esBIQUgBf0fACAF/R8BlyAF/R8CIAX9HwOXlwumAQMDfwF7An0gAUF8cUECdCEFQwAAgP8hCQJAA0AgBCAFTw0BIAQgAkECdGohBiAGIAVLBEAgBSEGCyAAIARq/QAEACEHIARBEGohBAJAA0AgBCAGTw0BIAcgACAEav0ABAD96wEhByAEQRBqIQQMAAsLIAf9HwAgB/0fAZcgB/0fAiAH/R8Dl5chCCADIAg4AgAgA0EEaiEDIAkgCJchCQwACwsgCQvCAQMDfwJ7An8gAUF8cUECdCEFIAL9EyEHAkADQCAEIAVPDQEgACAEav0ABAAgB/1GIQggCP1TBEAgBEECdiEKIAMgBkECdGohCSAJIAo2AgAgBiAI/RsAayEGIAMgBkECdGohCSAJIApBAWo2AgAgBiAI/RsBayEGIAMgBkECdGohCSAJIApBAmo2AgAgBiAI/RsCayEGIAMgBkECdGohCSAJIApBA2o2AgAgBiAI/RsDayEGCyAEQRBqIQQMAAsLIAYLZQICfwF7IAFBfHFBAnQhBCAC/RMhBQJAA0AgAyAETw0BIAAgA2r9AAQAIAX9Rv1TDQEgA0EQaiEDDAALCwJAA0AgAyAETw0BIAAgA2oqAgAgAmANASADQQRqIQMMAAsLIANBAnYLbwICfwN7IAFBfHFBAnQhAwJAA0AgAiADTw0BIAAgAmr9AAQAIQQgBSAE/V/98AEhBSAGIAQgBP0NCAkKCwwNDg8AAQIDBAUGB/1f/fABIQYgAkEQaiECDAALCyAFIAb98AEhBSAF/SEAIAX9IQGgC6QCAgJ/DXsgA0F8cUECdCEHIAT9EyELAkADQCAGIAdPDQEgACAGav0ABAAhCCABIAZq/QAEACEJIAIgBmr9AAQAIAv96wEhCiAI/V8hDSAIIAj9DQgJCgsMDQ4PAAECAwQFBgf9XyEOIA0gDP1KIAn9XyAK/V/98QH9TiEPIA4gDP1KIAkgCf0NCAkKCwwNDg8AAQIDBAUGB/1fIAogCv0NCAkKCwwNDg8AAQIDBAUGB/1f/fEB/U4hECARIA398AEhESASIA798AEhEiATIA0gD/3yAf3wASETIBQgDiAQ/fIB/fABIRQgBkEQaiEGDAALCyARIBL98AEhESATIBT98AEhEyAFIBH9IQAgEf0hAaA5AwAgBSAT/SEAIBP9IQGgOQMICw==";

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
    private readonly sumF32: (y: number, n: number) => number;
    private readonly klTerms: (y: number, r: number, c: number, n: number, floor: number, out: number) => void;
    private readonly native: ExpSum | undefined;
    private readonly offsets: {row: number; other: number; top: number; asked: number; out: number; candidates: number; scratch: number; maxima: number};
    private readonly row: Float32Array;
    /** A second row: the reference of an exact comparison. */
    private readonly other: Float32Array;
    /** Weights of the WebAssembly sums, 1 or 0 per vocabulary entry (all 1 between calls). */
    private readonly topWeights: Float32Array;
    private readonly askedWeights: Float32Array;
    private readonly out: Float64Array;
    private readonly candidateIds: Int32Array;
    private readonly maxima: Float32Array;
    private sortedMaxima = new Float32Array(0);
    private saved = new Float32Array(0);
    /** exp(row[i] - shift) of the last exps() call. */
    private readonly scratch: Float32Array;

    /** `useNative` false keeps to the WebAssembly float64 sums (default: ggml's expf where reachable). */
    constructor(readonly size: number, useNative = true) {
        const padded = (Math.max(size, 4) + 3) & ~3;
        const bytes = padded * 4;
        // Regions, in order: row, other row, top weights, asked weights, out (32 bytes), candidate ids
        // (+ 4: the kernel writes past the last one), exp scratch, block maxima.
        const sizes = {row: bytes, other: bytes, top: bytes, asked: bytes, out: 32, candidates: bytes + 16, scratch: bytes, maxima: bytes / 4 + 16};
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
        this.sumExp = exports.sum_exp as ExpKernel["sumExp"];
        this.maxF32 = exports.max_f32 as ExpKernel["maxF32"];
        this.blockMaxima = exports.block_maxima as ExpKernel["blockMaxima"];
        this.candidatesOf = exports.candidates as ExpKernel["candidatesOf"];
        this.firstAtLeast = exports.first_at_least as ExpKernel["firstAtLeast"];
        this.sumF32 = exports.sum_f32 as ExpKernel["sumF32"];
        this.klTerms = exports.kl_terms as ExpKernel["klTerms"];
        // The memory never grows after this: the views below, and the pointers native code gets to them, stay valid.
        const buffer = memory.buffer;
        this.row = new Float32Array(buffer, this.offsets.row, size);
        this.other = new Float32Array(buffer, this.offsets.other, size);
        this.topWeights = new Float32Array(buffer, this.offsets.top, size).fill(1);
        this.askedWeights = new Float32Array(buffer, this.offsets.asked, size).fill(1);
        this.out = new Float64Array(buffer, this.offsets.out, 3);
        this.candidateIds = new Int32Array(buffer, this.offsets.candidates, padded + 4);
        this.scratch = new Float32Array(buffer, this.offsets.scratch, padded);
        this.maxima = new Float32Array(buffer, this.offsets.maxima, padded / 4 + 1);
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
        let max = n >= 4 ? this.maxF32(this.offsets.row, n) : -Infinity;
        for (let i = n & ~3; i < n; i++) if (this.row[i]! > max) max = this.row[i]!;
        return max;
    }

    /** The first id whose entry equals the loaded row's max (`max` as max() returned it). */
    argmax(max: number): number {
        const n = this.size;
        let i = this.firstAtLeast(this.offsets.row, n, max);
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
        let max = this.blockMaxima(this.offsets.row, n, block, this.offsets.maxima);
        if (this.sortedMaxima.length !== blocks) this.sortedMaxima = new Float32Array(blocks);
        this.sortedMaxima.set(this.maxima.subarray(0, blocks));
        const floor = kthLargest(this.sortedMaxima, k);
        let count = this.candidatesOf(this.offsets.row, n, floor, this.offsets.candidates);
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
        let sum = this.sumF32(this.offsets.scratch, n);
        for (let i = n & ~3; i < n; i++) sum += this.scratch[i]!;
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
        return i;
    }

    /** scratch[i] = exp(x[i] - shift) (float32): ggml's expf, or Math.exp where it is not reachable. */
    private exps(x: Float32Array, shift: number): void {
        if (this.native) {
            this.native(this.size, x, shift, this.scratch);
            return;
        }
        for (let i = 0; i < this.size; i++) this.scratch[i] = Math.exp(x[i]! - shift);
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
        this.sumExp(this.offsets.row, this.offsets.top, this.offsets.asked, n, shift, this.offsets.out);
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
