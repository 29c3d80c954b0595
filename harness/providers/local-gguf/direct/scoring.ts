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
 * Reduces rows of logits to NextTokenLogprobs, reusing scratch space sized to the vocabulary:
 * two passes over a row (max and top-k selection in JavaScript; then one exp per entry, in the
 * WebAssembly kernel of ./exp-kernel.ts, which also sums the masses outside the kept and the asked ids).
 */
export class LogitsReader {
    private readonly kernel: ExpKernel;
    private heapIds = new Int32Array(0);
    private heapLogits = new Float32Array(0);

    constructor(readonly vocabularySize: number) {
        this.kernel = new ExpKernel(vocabularySize);
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
        const {topWeights, askedWeights} = this.kernel;
        // Pass 1: max, argmax and the top k (a min-heap of the best k seen so far).
        this.kernel.load(row);
        let max = this.kernel.max();
        let argmax = 0;
        const topIds = new Uint32Array(k);
        if (k === 1) {
            while (row[argmax]! !== max) argmax++;
            topIds[0] = argmax;
        } else {
            max = this.selectTop(row, k, topIds);
            argmax = topIds[0]!;
        }
        if (ids) {
            for (let j = 0; j < ids.length; j++)
                if (!(ids[j]! >= 0 && ids[j]! < vocabulary)) throw new Error(`token id ${ids[j]} is outside the vocabulary (${vocabulary} tokens)`);
        }
        // Pass 2: the normalizer and the masses outside the kept and the asked ids, summed directly (weights 0 leave an entry out).
        for (let j = 0; j < k; j++) topWeights[topIds[j]!] = 0;
        if (ids) for (let j = 0; j < ids.length; j++) askedWeights[ids[j]!] = 0;
        const sums = this.kernel.sums(max);
        for (let j = 0; j < k; j++) topWeights[topIds[j]!] = 1;
        if (ids) for (let j = 0; j < ids.length; j++) askedWeights[ids[j]!] = 1;
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

    /** Writes the k largest logits' ids into `out` (most likely first, smaller id first on ties); returns the max. */
    private selectTop(row: Float32Array, k: number, out: Uint32Array): number {
        if (this.heapIds.length < k) {
            this.heapIds = new Int32Array(k);
            this.heapLogits = new Float32Array(k);
        }
        const ids = this.heapIds, logits = this.heapLogits;
        // A min-heap whose root is the worst kept entry (smallest logit; the larger id among equal logits).
        const siftDown = (size: number) => {
            let at = 0;
            const id = ids[0]!, logit = logits[0]!;
            for (; ;) {
                const left = 2 * at + 1;
                if (left >= size) break;
                const right = left + 1;
                let child = left;
                if (right < size && (logits[right]! < logits[left]! || (logits[right]! === logits[left]! && ids[right]! > ids[left]!))) child = right;
                if (!(logits[child]! < logit || (logits[child]! === logit && ids[child]! > id))) break;
                ids[at] = ids[child]!;
                logits[at] = logits[child]!;
                at = child;
            }
            ids[at] = id;
            logits[at] = logit;
        };
        // The first k entries, heapified; then every later entry better than the root replaces it.
        for (let i = 0; i < k; i++) {
            ids[i] = i;
            logits[i] = row[i]!;
        }
        for (let start = (k >> 1) - 1; start >= 0; start--) {
            // Sift down from `start`: swap it to the root position's logic by a local loop.
            let at = start;
            const id = ids[at]!, logit = logits[at]!;
            for (; ;) {
                const left = 2 * at + 1;
                if (left >= k) break;
                const right = left + 1;
                let child = left;
                if (right < k && (logits[right]! < logits[left]! || (logits[right]! === logits[left]! && ids[right]! > ids[left]!))) child = right;
                if (!(logits[child]! < logit || (logits[child]! === logit && ids[child]! > id))) break;
                ids[at] = ids[child]!;
                logits[at] = logits[child]!;
                at = child;
            }
            ids[at] = id;
            logits[at] = logit;
        }
        let floor = logits[0]!;
        for (let i = k; i < row.length; i++) {
            // Ids come in increasing order: an equal logit with a larger id is never better than the root.
            if (row[i]! > floor) {
                ids[0] = i;
                logits[0] = row[i]!;
                siftDown(k);
                floor = logits[0]!;
            }
        }
        // Pop the worst repeatedly: fills `out` from the back.
        for (let n = k; n > 0; n--) {
            out[n - 1] = ids[0]!;
            ids[0] = ids[n - 1]!;
            logits[0] = logits[n - 1]!;
            siftDown(n - 1);
        }
        return row[out[0]!]!;
    }
}
