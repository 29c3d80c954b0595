/**
 * The fidelity measures, as llama.cpp's `llama-perplexity --kl-divergence` defines them
 * (tools/perplexity/perplexity.cpp), computed from a reference's top-k next-token distribution:
 *
 *  - KL divergence of the quantized file's distribution Q from the reference's P at one position,
 *    over the reference's k most likely tokens plus one "rest" bin:
 *        KL_k = sum_{i in topK(P)} p_i (log p_i - log q_i) + P_rest (log P_rest - log Q_rest)
 *    where P_rest = 1 - sum_{topK} p_i and Q_rest = 1 - sum_{topK} q_i (Q's mass on the tokens outside
 *    the reference's top k; both summed directly over those tokens, not as 1 - sum). This is the KL
 *    between the two distributions lumped into k + 1 bins, so 0 <= KL_k <= KL (data-processing
 *    inequality), KL_k grows with k (each k refines the bins of the smaller one) and equals the full
 *    KL once k reaches the vocabulary size. llama.cpp sums over the whole vocabulary instead
 *    (tokens with log p > -16), from the reference's logits stored as uint16.
 *  - top-1 agreement ("same top p"): share of positions whose most likely token is the reference's.
 *  - Δp = q(actual next token) - p(actual next token); RMS Δp = sqrt(mean Δp²) (llama.cpp prints x100, in %).
 *  - perplexity = exp(mean negative log-likelihood of the actual next tokens), for both files.
 */

import {quantileSorted} from "../../util/stats.js";

/** What the reference cache holds for one scored position. */
export interface ReferencePosition {
    /** The reference's top-k token ids, most likely first, and their log-probabilities. */
    ids: ArrayLike<number>;
    logprobs: ArrayLike<number>;
    /** P_rest: the reference's probability outside those ids. */
    restMass: number;
    /** log p of the actual next token, and the reference's most likely token. */
    tokenLogprob: number;
    argmax: number;
}

/** What the compared file gives at the same position. */
export interface ComparedPosition {
    /** log q of the reference's top-k ids, in the same order. */
    idLogprobs: ArrayLike<number>;
    /** Q_rest: q's probability outside the reference's top-k ids. */
    idsRestMass: number;
    tokenLogprob: number;
    argmax: number;
}

/** A probability mass below this counts as this (float32's smallest positive value): keeps a log finite. */
export const MIN_MASS = 1.401298464324817e-45;

/** KL_k of one position (nats); see the module comment. */
export function klTopK(refLogprobs: ArrayLike<number>, refRestMass: number, logprobs: ArrayLike<number>, restMass: number): number {
    if (refLogprobs.length !== logprobs.length) throw new Error(`klTopK: ${refLogprobs.length} reference log-probabilities but ${logprobs.length} compared`);
    let kl = 0;
    for (let i = 0; i < refLogprobs.length; i++) {
        const lp = refLogprobs[i]!;
        const p = Math.exp(lp);
        if (p > 0) kl += p * (lp - logprobs[i]!);
    }
    if (refRestMass > 0) kl += refRestMass * (Math.log(refRestMass) - Math.log(Math.max(restMass, MIN_MASS)));
    return kl;
}

export interface PositionScores {
    kld: number;
    deltaP: number;
    nll: number;
    nllReference: number;
    sameTop: boolean;
}

export function comparePosition(reference: ReferencePosition, compared: ComparedPosition): PositionScores {
    return {
        kld: klTopK(reference.logprobs, reference.restMass, compared.idLogprobs, compared.idsRestMass),
        deltaP: Math.exp(compared.tokenLogprob) - Math.exp(reference.tokenLogprob),
        nll: -compared.tokenLogprob,
        nllReference: -reference.tokenLogprob,
        sameTop: reference.argmax === compared.argmax
    };
}

/** Sums over the scored positions of one chunk: what a chunk trial records and aggregate() adds up. */
export interface ChunkSums {
    tokens: number;
    sumKld: number;
    sumKld2: number;
    maxKld: number;
    sumNll: number;
    sumNllReference: number;
    sumDeltaP: number;
    sumDeltaP2: number;
    sameTop: number;
}

export function emptySums(): ChunkSums {
    return {tokens: 0, sumKld: 0, sumKld2: 0, maxKld: 0, sumNll: 0, sumNllReference: 0, sumDeltaP: 0, sumDeltaP2: 0, sameTop: 0};
}

export function addPosition(sums: ChunkSums, scores: PositionScores): void {
    sums.maxKld = sums.tokens === 0 ? scores.kld : Math.max(sums.maxKld, scores.kld);
    sums.tokens++;
    sums.sumKld += scores.kld;
    sums.sumKld2 += scores.kld * scores.kld;
    sums.sumNll += scores.nll;
    sums.sumNllReference += scores.nllReference;
    sums.sumDeltaP += scores.deltaP;
    sums.sumDeltaP2 += scores.deltaP * scores.deltaP;
    if (scores.sameTop) sums.sameTop++;
}

export function addSums(into: ChunkSums, from: ChunkSums): void {
    if (from.tokens === 0) return;
    into.maxKld = into.tokens === 0 ? from.maxKld : Math.max(into.maxKld, from.maxKld);
    into.tokens += from.tokens;
    into.sumKld += from.sumKld;
    into.sumKld2 += from.sumKld2;
    into.sumNll += from.sumNll;
    into.sumNllReference += from.sumNllReference;
    into.sumDeltaP += from.sumDeltaP;
    into.sumDeltaP2 += from.sumDeltaP2;
    into.sameTop += from.sameTop;
}

/** llama.cpp's mean_and_uncertainty: the mean and its standard error (0 for 10 values or fewer). */
export function meanAndUncertainty(sum: number, sum2: number, count: number): [number, number] {
    if (count < 1) return [0, 0];
    const mean = sum / count;
    const variance = sum2 / count - mean * mean;
    return [mean, variance > 0 && count > 10 ? Math.sqrt(variance / (count - 1)) : 0];
}

/** The headline figures of a set of positions (null where there are none). */
export function summarize(sums: ChunkSums) {
    const n = sums.tokens;
    if (n === 0) return {meanKld: null, meanKldError: null, maxKld: null, top1Agreement: null, rmsDeltaP: null, meanDeltaP: null, ppl: null, pplReference: null, lnPplRatio: null};
    const [meanKld, meanKldError] = meanAndUncertainty(sums.sumKld, sums.sumKld2, n);
    return {
        meanKld,
        meanKldError,
        maxKld: sums.maxKld,
        top1Agreement: sums.sameTop / n,
        rmsDeltaP: Math.sqrt(sums.sumDeltaP2 / n),
        meanDeltaP: sums.sumDeltaP / n,
        ppl: Math.exp(sums.sumNll / n),
        pplReference: Math.exp(sums.sumNllReference / n),
        lnPplRatio: (sums.sumNll - sums.sumNllReference) / n
    };
}

/** llama.cpp's KLD percentile: linear interpolation between the sorted values (numpy's default). */
export const percentileSorted = quantileSorted;

/** Float32 values as base64 (little-endian): how a chunk trial stores its per-position values. */
export function encodeFloat32(values: ArrayLike<number>): string {
    const buffer = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i]!, i * 4);
    return buffer.toString("base64");
}

export function decodeFloat32(encoded: string): Float32Array {
    const buffer = Buffer.from(encoded, "base64");
    if (buffer.length % 4 !== 0) throw new Error("not a float32 array");
    const values = new Float32Array(buffer.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = buffer.readFloatLE(i * 4);
    return values;
}
