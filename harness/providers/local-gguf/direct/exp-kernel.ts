/**
 * The per-position loops of log-softmax over the whole vocabulary in WebAssembly SIMD: the max of a
 * row (float32, four lanes) and the sums of exp(row[i] - shift) (float64, two lanes), a few times
 * faster than JavaScript loops of Math.exp; at large vocabularies these loops are the direct
 * path's main cost. Source: ./exp-kernel.wat (the bytes below are its wat2wasm output, see its
 * header). Accuracy of each exp: relative error < 7e-12, far below the float32 logits' precision.
 */
const KERNEL_BASE64 = "AGFzbQEAAAABEAJgBn9/f398fwBgAn9/AX0DAwIAAQUDAQABBx4DBm1lbW9yeQIAB3N1bV9leHAAAAdtYXhfZjMyAAEKnwcCwgYCAn8UeyAE/RQhF0T+gitlRxX3P/0UIRhEAADg/kIu5j/9FCEZRHY8eTXvOeo9/RQhGkQAAAAAACCGwP0UIRsgA0F8cUECdCEHAkADQCAGIAdPDQEgACAGav1dAwD9XyAX/fEBIBv99QEhCCAAIAZq/V0DCP1fIBf98QEgG/31ASEOIAggGP3yAf2UASEJIAggCSAZ/fIB/fEBIAkgGv3yAf3xASEKIAogCv3yASELIAsgC/3yASEMRAAAAAAAAPA//RREAAAAAAAA8D/9FCAK/fIB/fABRAAAAAAAAOA//RREVVVVVVVVxT/9FCAK/fIB/fABIAv98gH98AFEVVVVVVVVpT/9FEQRERERERGBP/0UIAr98gH98AFEF2zBFmzBVj/9FEQaoAEaoAEqP/0UIAr98gH98AEgC/3yAf3wASAM/fIB/fABRBqgARqgAfo+/RRENMdWpeMdxz79FCAK/fIB/fABIAwgDP3yAf3yAf3wASAJ/fwB/ccBQv8H/RL9zgFBNP3LAf3yASENIA4gGP3yAf2UASEPIA4gDyAZ/fIB/fEBIA8gGv3yAf3xASEQIBAgEP3yASERIBEgEf3yASESRAAAAAAAAPA//RREAAAAAAAA8D/9FCAQ/fIB/fABRAAAAAAAAOA//RREVVVVVVVVxT/9FCAQ/fIB/fABIBH98gH98AFEVVVVVVVVpT/9FEQRERERERGBP/0UIBD98gH98AFEF2zBFmzBVj/9FEQaoAEaoAEqP/0UIBD98gH98AEgEf3yAf3wASAS/fIB/fABRBqgARqgAfo+/RRENMdWpeMdxz79FCAQ/fIB/fABIBIgEv3yAf3yAf3wASAP/fwB/ccBQv8H/RL9zgFBNP3LAf3yASETIBQgDf3wASEUIBUgDSABIAZq/V0DAP1f/fIB/fABIRUgFiANIAIgBmr9XQMA/V/98gH98AEhFiAUIBP98AEhFCAVIBMgASAGav1dAwj9X/3yAf3wASEVIBYgEyACIAZq/V0DCP1f/fIB/fABIRYgBkEQaiEGDAALCyAFIBT9IQAgFP0hAaA5AwAgBSAV/SEAIBX9IQGgOQMIIAUgFv0hACAW/SEBoDkDEAtZAgJ/AXsgAP0ABAAhBCABQXxxQQJ0IQNBECECAkADQCACIANPDQEgBCAAIAJq/QAEAP3pASEEIAJBEGohAgwACwsgBP0fACAE/R8BlyAE/R8CIAT9HwOXlws=";

export interface ExpSums {
    /** sum_i exp(max(row[i] - shift, -708)), float64. */
    total: number;
    /** The same sum over the entries whose top weight is 1 (0 = left out). */
    top: number;
    /** The same sum over the entries whose asked weight is 1. */
    asked: number;
}

/** Compiled once per process: instances share its optimized code. */
let compiled: WebAssembly.Module | undefined;

/** One kernel instance with room for one row of a vocabulary and two weight vectors (all 1 until a caller sets some to 0). */
export class ExpKernel {
    private readonly sumExp: (row: number, wtop: number, wask: number, n: number, shift: number, out: number) => void;
    private readonly maxF32: (row: number, n: number) => number;
    private readonly topOffset: number;
    private readonly askedOffset: number;
    private readonly outOffset: number;
    private readonly row: Float32Array;
    /** Weights, 1 or 0 per vocabulary entry: callers set 0 on the entries they leave out, and 1 back after. */
    readonly topWeights: Float32Array;
    readonly askedWeights: Float32Array;
    private readonly out: Float64Array;

    constructor(readonly size: number) {
        const padded = (Math.max(size, 4) + 3) & ~3;
        this.topOffset = padded * 4;
        this.askedOffset = 2 * padded * 4;
        this.outOffset = 3 * padded * 4;
        const instance = new WebAssembly.Instance(compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_BASE64, "base64")));
        const memory = instance.exports.memory as WebAssembly.Memory;
        const pages = Math.ceil((this.outOffset + 24) / 65536) - memory.buffer.byteLength / 65536;
        if (pages > 0) memory.grow(pages);
        this.sumExp = instance.exports.sum_exp as ExpKernel["sumExp"];
        this.maxF32 = instance.exports.max_f32 as ExpKernel["maxF32"];
        const buffer = memory.buffer;
        this.row = new Float32Array(buffer, 0, size);
        this.topWeights = new Float32Array(buffer, this.topOffset, size).fill(1);
        this.askedWeights = new Float32Array(buffer, this.askedOffset, size).fill(1);
        this.out = new Float64Array(buffer, this.outOffset, 3);
    }

    /** Copies a row in: max() and sums() work on it. */
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

    /** The three sums of exp(row[i] - shift) over the loaded row (see ExpSums). */
    sums(shift: number): ExpSums {
        const n = this.size;
        this.sumExp(0, this.topOffset, this.askedOffset, n, shift, this.outOffset);
        let [total, top, asked] = [this.out[0]!, this.out[1]!, this.out[2]!];
        for (let i = n & ~3; i < n; i++) {
            const e = Math.exp(Math.max(this.row[i]! - shift, -708));
            total += e;
            top += e * this.topWeights[i]!;
            asked += e * this.askedWeights[i]!;
        }
        return {total, top, asked};
    }
}
