/**
 * Next-token scoring on raw logits (one Float32Array row per position, as llama.cpp returns them),
 * with float64 accumulation: log-softmax, the reduction to what Session.nextTokenLogprobs returns
 * (top-k ids, log-probabilities of requested ids, the mass outside them), and the exact KL
 * divergence between two full rows. The definitions are those of harness/tasks/fidelity/metrics.ts
 * (top-k + "rest" bin, rest masses summed directly over the tokens outside the kept ones).
 */
import type {NextTokenLogprobs} from "../../types.js";

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

const TOP = 1;
const ASKED = 2;

/**
 * Reduces rows of logits to NextTokenLogprobs, reusing scratch space sized to the vocabulary:
 * two passes over a row (max and top-k selection; then one exp per entry).
 */
export class LogitsReader {
    private readonly marks: Uint8Array;
    private heapIds = new Int32Array(0);
    private heapLogits = new Float32Array(0);

    constructor(readonly vocabularySize: number) {
        this.marks = new Uint8Array(vocabularySize);
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
        const marks = this.marks;
        // Pass 1: max, argmax and the top k (a min-heap of the best k seen so far).
        let max = -Infinity;
        let argmax = 0;
        const topIds = new Uint32Array(k);
        if (k === 1) {
            for (let i = 0; i < vocabulary; i++) if (row[i]! > max) { max = row[i]!; argmax = i; }
            topIds[0] = argmax;
        } else {
            max = this.selectTop(row, k, topIds);
            argmax = topIds[0]!;
        }
        for (let j = 0; j < k; j++) marks[topIds[j]!] = TOP;
        if (ids) {
            for (let j = 0; j < ids.length; j++) {
                const id = ids[j]!;
                if (!(id >= 0 && id < vocabulary)) {
                    for (let t = 0; t < k; t++) marks[topIds[t]!] = 0;
                    for (let t = 0; t < j; t++) marks[ids[t]!] = 0;
                    throw new Error(`token id ${id} is outside the vocabulary (${vocabulary} tokens)`);
                }
                marks[id]! |= ASKED;
            }
        }
        // Pass 2: the normalizer and the masses outside the kept and the asked ids, summed directly.
        let total = 0;
        let restTop = 0;
        let restAsked = 0;
        for (let i = 0; i < vocabulary; i++) {
            const e = Math.exp(row[i]! - max);
            total += e;
            const mark = marks[i]!;
            if ((mark & TOP) === 0) restTop += e;
            if ((mark & ASKED) === 0) restAsked += e;
        }
        const shift = max + Math.log(total);
        const logprob = (id: number) => Math.max(row[id]! - shift, MIN_LOGPROB);
        const topLogprobs = new Float32Array(k);
        for (let j = 0; j < k; j++) {
            topLogprobs[j] = logprob(topIds[j]!);
            marks[topIds[j]!] = 0;
        }
        const result: NextTokenLogprobs = {position, tokenLogprob: Math.fround(logprob(next)), argmax, topIds, topLogprobs, restMass: restTop / total};
        if (ids) {
            const idLogprobs = new Float32Array(ids.length);
            for (let j = 0; j < ids.length; j++) {
                idLogprobs[j] = logprob(ids[j]!);
                marks[ids[j]!] = 0;
            }
            result.idLogprobs = idLogprobs;
            result.idsRestMass = restAsked / total;
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
        // Root = the worst kept entry (smallest logit; the larger id among equal logits).
        const worse = (a: number, b: number) => logits[a]! < logits[b]! || (logits[a]! === logits[b]! && ids[a]! > ids[b]!);
        const siftDown = (size: number) => {
            let at = 0;
            for (; ;) {
                const left = 2 * at + 1, right = left + 1;
                let worst = at;
                if (left < size && worse(left, worst)) worst = left;
                if (right < size && worse(right, worst)) worst = right;
                if (worst === at) return;
                const id = ids[at]!, logit = logits[at]!;
                ids[at] = ids[worst]!;
                logits[at] = logits[worst]!;
                ids[worst] = id;
                logits[worst] = logit;
                at = worst;
            }
        };
        let size = 0;
        for (let i = 0; i < row.length; i++) {
            const value = row[i]!;
            if (size < k) {
                // Sift up.
                let at = size++;
                ids[at] = i;
                logits[at] = value;
                while (at > 0) {
                    const parent = (at - 1) >> 1;
                    if (!worse(at, parent)) break;
                    const id = ids[at]!, logit = logits[at]!;
                    ids[at] = ids[parent]!;
                    logits[at] = logits[parent]!;
                    ids[parent] = id;
                    logits[parent] = logit;
                    at = parent;
                }
            } else if (value > logits[0]!) {
                // Ids come in increasing order: an equal logit with a larger id is never better than the root.
                ids[0] = i;
                logits[0] = value;
                siftDown(size);
            }
        }
        // Pop the worst repeatedly: fills `out` from the back.
        for (let n = size; n > 0; n--) {
            out[n - 1] = ids[0]!;
            ids[0] = ids[n - 1]!;
            logits[0] = logits[n - 1]!;
            siftDown(n - 1);
        }
        return row[out[0]!]!;
    }
}
