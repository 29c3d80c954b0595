/**
 * Next-token scoring on raw logits (one Float32Array row per position, as llama.cpp returns them),
 * with float64 accumulation: log-softmax, the reduction to what Session.nextTokenLogprobs returns
 * (top-k ids, log-probabilities of requested ids, the mass outside them), and the exact KL
 * divergence between two full rows. The definitions are those of harness/tasks/fidelity/metrics.ts
 * (top-k + "rest" bin, rest masses summed directly over the tokens outside the kept ones).
 */
import type {NextTokenLogprobs} from "../../../session/types.js";
import {ExpKernel} from "./exp-kernel.js";

/** log of float32's smallest positive value: the floor for a log-probability (as the sampler path, whose float32 probabilities underflow there). */
export const MIN_LOGPROB = Math.log(1.401298464324817e-45);

/** A row's log-softmax normalizer: log p_i = row[i] - max - logTotal. */
export interface RowStats {
    max: number;
    /** log of sum_i exp(row[i] - max), float64. */
    logTotal: number;
    /** Index of the largest logit (the smallest one among equal logits). */
    argmax: number;
}

export function rowStats(row: Float32Array): RowStats {
    let max = -Infinity;
    let argmax = 0;
    for (let i = 0; i < row.length; i++) {
        if (row[i]! > max) {
            max = row[i]!;
            argmax = i;
        }
    }
    let total = 0;
    for (let i = 0; i < row.length; i++) total += Math.exp(row[i]! - max);
    return {max, logTotal: Math.log(total), argmax};
}

/** log p of token `id` under a row with these stats, floored at MIN_LOGPROB. */
export function logprobOf(row: Float32Array, stats: RowStats, id: number): number {
    return Math.max(row[id]! - stats.max - stats.logTotal, MIN_LOGPROB);
}

/** The full log-softmax of a row (float64). */
export function logSoftmax(row: Float32Array, out = new Float64Array(row.length)): Float64Array {
    const stats = rowStats(row);
    const shift = stats.max + stats.logTotal;
    for (let i = 0; i < row.length; i++) out[i] = row[i]! - shift;
    return out;
}

/** Exact KL(P || Q) over the whole vocabulary, in nats, from the two rows of logits. */
export function klExact(reference: Float32Array, compared: Float32Array, referenceStats = rowStats(reference), comparedStats = rowStats(compared)): number {
    if (reference.length !== compared.length) throw new Error(`klExact: vocabularies differ (${reference.length} vs ${compared.length})`);
    const refShift = referenceStats.max + referenceStats.logTotal;
    const shift = comparedStats.max + comparedStats.logTotal;
    let kl = 0;
    for (let i = 0; i < reference.length; i++) {
        const lp = reference[i]! - refShift;
        const p = Math.exp(lp);
        if (p > 0) kl += p * (lp - Math.max(compared[i]! - shift, MIN_LOGPROB));
    }
    return kl;
}

/**
 * Reduces rows of logits to NextTokenLogprobs, reusing scratch space sized to the vocabulary, in
 * the kernels of ./exp-kernel.ts: the max (and, for top k, the few candidates above a floor the k
 * largest clear, ranked there), then the normalizer and the masses outside the kept and the asked
 * ids, each summed directly over the entries it covers.
 */
export class LogitsReader {
    private readonly kernel: ExpKernel;

    /** `nativeExp` false keeps the sums in the WebAssembly float64 kernel (default: ggml's expf where reachable). */
    constructor(readonly vocabularySize: number, nativeExp = true) {
        this.kernel = new ExpKernel(vocabularySize, nativeExp);
    }

    /** Whether the sums use ggml's float32 expf. */
    get nativeExp(): boolean {
        return this.kernel.nativeExp;
    }

    /** The most likely token of a row (the smallest id among equal logits), as llama.cpp's greedy sampler picks it. */
    argmax(row: Float32Array): number {
        this.kernel.load(row);
        return this.kernel.argmax(this.kernel.max());
    }

    /** log p of one token (float64 log-sum-exp over the row), unfloored. */
    tokenLogprob(row: Float32Array, token: number): number {
        this.kernel.load(row);
        const max = this.kernel.max();
        return row[token]! - max - Math.log(this.kernel.sums(max).total);
    }

    /**
     * The distribution after tokens[0..position] from its logits row: the `topK` most likely ids
     * (most likely first, the smaller id first among equal logits), the log-probability of `next`,
     * and with `ids` the log-probabilities of those ids and the mass outside them.
     */
    read(row: Float32Array, position: number, next: number, topK: number, ids?: ArrayLike<number>): NextTokenLogprobs {
        const vocabulary = this.vocabularySize;
        if (row.length !== vocabulary) throw new Error(`a row of ${row.length} logits for a vocabulary of ${vocabulary}`);
        const k = Math.max(1, Math.min(topK, vocabulary));
        if (ids) {
            for (let j = 0; j < ids.length; j++)
                if (!(ids[j]! >= 0 && ids[j]! < vocabulary)) throw new Error(`token id ${ids[j]} is outside the vocabulary (${vocabulary} tokens)`);
        }
        // Pass 1: max, argmax and the top k.
        this.kernel.load(row);
        const topIds = new Uint32Array(k);
        let max: number;
        if (k === 1) {
            max = this.kernel.max();
            topIds[0] = this.kernel.argmax(max);
        } else max = this.kernel.topIds(topIds);
        const argmax = topIds[0]!;
        // Pass 2: the normalizer and the masses outside the kept and the asked ids.
        const sums = this.kernel.sums(max, topIds, ids);
        const shift = max + Math.log(sums.total);
        const logprob = (id: number) => Math.max(row[id]! - shift, MIN_LOGPROB);
        const topLogprobs = new Float32Array(k);
        for (let j = 0; j < k; j++) topLogprobs[j] = logprob(topIds[j]!);
        const result: NextTokenLogprobs = {position, tokenLogprob: Math.fround(logprob(next)), argmax, topIds, topLogprobs, restMass: sums.top / sums.total};
        if (ids) {
            const idLogprobs = new Float32Array(ids.length);
            for (let j = 0; j < ids.length; j++) idLogprobs[j] = logprob(ids[j]!);
            result.idLogprobs = idLogprobs;
            result.idsRestMass = sums.asked / sums.total;
        }
        return result;
    }

    /**
     * The distribution after tokens[0..position] compared with the reference's over the whole
     * vocabulary: this row's argmax and log p of `next` (as read() with topK 1), and the exact
     * KL(reference || this), the reference's argmax and its log p of `next`.
     */
    compare(reference: Float32Array, row: Float32Array, position: number, next: number): NextTokenLogprobs {
        if (row.length !== this.vocabularySize) throw new Error(`a row of ${row.length} logits for a vocabulary of ${this.vocabularySize}`);
        this.kernel.load(row);
        const c = this.kernel.compareWith(reference, MIN_LOGPROB);
        const argmax = this.kernel.argmax(c.max);
        const shift = c.max + c.logSum;
        const referenceShift = c.referenceMax + c.referenceLogSum;
        const logprob = (id: number) => Math.max(row[id]! - shift, MIN_LOGPROB);
        return {
            position,
            tokenLogprob: Math.fround(logprob(next)),
            argmax,
            topIds: Uint32Array.of(argmax),
            topLogprobs: Float32Array.of(logprob(argmax)),
            // exp(max - max) = 1 is the argmax's share of the sum: the rest is exact up to the sum's rounding.
            restMass: 1 - Math.exp(-c.logSum),
            kld: Math.max(0, c.weighted - referenceShift + shift),
            referenceArgmax: this.kernel.referenceArgmax(c.referenceMax),
            referenceTokenLogprob: Math.fround(Math.max(reference[next]! - referenceShift, MIN_LOGPROB))
        };
    }
}
