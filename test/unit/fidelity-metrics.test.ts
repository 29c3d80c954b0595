// The fidelity measures on hand-made distributions, against values computed by hand (llama.cpp's definitions).
import {describe, expect, it} from "vitest";
import type {TrialRecord} from "../../harness/results/schema.js";
import {aggregateFidelity} from "../../harness/tasks/fidelity/aggregate.js";
import {fidelityConfigSchema} from "../../harness/tasks/fidelity/config.js";
import {
    addPosition, comparePosition, decodeFloat32, emptySums, encodeFloat32, klTopK, meanAndUncertainty, percentileSorted, summarize
} from "../../harness/tasks/fidelity/metrics.js";
import {fidelityScoresSchema} from "../../harness/tasks/fidelity/contract.js";

const log = Math.log;

/** KL_k from full distributions given as arrays (token id = index): the reference's top k by probability plus the rest bin. */
function klFromFull(p: number[], q: number[], k: number): number {
    const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, k);
    const inTop = new Set(order);
    const rest = (d: number[]) => d.reduce((sum, v, i) => (inTop.has(i) ? sum : sum + v), 0);
    return klTopK(order.map((i) => log(p[i]!)), rest(p), order.map((i) => log(q[i]!)), rest(q));
}

describe("KL divergence from the reference's top k plus the rest mass", () => {
    it("equals the full KL when the top k covers the distribution (P = .5 .3 .2, Q = .4 .4 .2)", () => {
        // 0.5 ln(0.5/0.4) + 0.3 ln(0.3/0.4) + 0.2 ln(1) = 0.111571776 - 0.086304622
        const p = [0.5, 0.3, 0.2];
        const q = [0.4, 0.4, 0.2];
        expect(klFromFull(p, q, 3)).toBeCloseTo(0.025267154, 8);
        // k = 2: the rest bins hold 0.2 on both sides, so the tail term is 0 and nothing is lost.
        expect(klFromFull(p, q, 2)).toBeCloseTo(0.025267154, 8);
        // k = 1: 0.5 ln(0.5/0.4) + 0.5 ln(0.5/0.6) = 0.111571776 - 0.091160778
        expect(klFromFull(p, q, 1)).toBeCloseTo(0.020410998, 8);
    });

    it("computes the tail term with the two rest masses, and is a lower bound growing with k", () => {
        // P = .6 .2 .1 .1, Q = .5 .2 .05 .25
        const p = [0.6, 0.2, 0.1, 0.1];
        const q = [0.5, 0.2, 0.05, 0.25];
        const full = 0.6 * log(1.2) + 0.1 * log(2) + 0.1 * log(0.4); // 0.08707858
        expect(full).toBeCloseTo(0.08707858, 7);
        expect(klFromFull(p, q, 4)).toBeCloseTo(full, 12);
        // k = 2: 0.6 ln 1.2 + 0.2 ln 1 + rest 0.2 ln(0.2 / 0.3)
        expect(klFromFull(p, q, 2)).toBeCloseTo(0.10939294 - 0.08109302, 7);
        // k = 1: 0.6 ln 1.2 + rest 0.4 ln(0.4 / 0.5)
        expect(klFromFull(p, q, 1)).toBeCloseTo(0.10939294 - 0.08925742, 7);
        const byK = [1, 2, 3, 4].map((k) => klFromFull(p, q, k));
        for (let i = 1; i < byK.length; i++) expect(byK[i]!).toBeGreaterThanOrEqual(byK[i - 1]! - 1e-15);
        expect(byK[3]).toBeCloseTo(full, 12);
    });

    it("is 0 for identical inputs (the reference against itself) and finite when the compared file gives the rest no mass", () => {
        const lp = [log(0.7), log(0.2)];
        expect(klTopK(lp, 0.1, lp, 0.1)).toBe(0);
        expect(Number.isFinite(klTopK(lp, 0.1, lp, 0))).toBe(true);
        expect(klTopK([log(0.5), log(0.5)], 0, [log(0.25), log(0.75)], 0)).toBeCloseTo(0.5 * log(2) + 0.5 * log(2 / 3), 12);
        expect(() => klTopK([0], 0, [0, 0], 0)).toThrow(/1 reference log-probabilities but 2/);
    });
});

describe("top-1 agreement, RMS Δp and perplexity over positions", () => {
    // Four positions: p and q of the actual next token, and whether the most likely tokens agree.
    const pActual = [0.5, 0.25, 0.8, 0.1];
    const qActual = [0.4, 0.25, 0.9, 0.05];
    const argmaxes = [[3, 3], [7, 7], [1, 1], [2, 5]];
    const sums = emptySums();
    pActual.forEach((p, i) => addPosition(sums, comparePosition(
        {ids: [argmaxes[i]![0]!], logprobs: [log(0.9)], restMass: 0.1, tokenLogprob: log(p), argmax: argmaxes[i]![0]!},
        {idLogprobs: [log(0.9)], idsRestMass: 0.1, tokenLogprob: log(qActual[i]!), argmax: argmaxes[i]![1]!})));
    const summary = summarize(sums);

    it("counts positions whose most likely token is the reference's (3 of 4)", () => {
        expect(sums.sameTop).toBe(3);
        expect(summary.top1Agreement).toBe(0.75);
    });

    it("takes RMS Δp of q(actual) - p(actual): Δp = -.1, 0, .1, -.05 gives sqrt(0.005625) = 0.075", () => {
        expect(summary.rmsDeltaP).toBeCloseTo(0.075, 12);
        expect(summary.meanDeltaP).toBeCloseTo(-0.0125, 12);
    });

    it("takes perplexity as exp(mean -log p(actual)): (0.4*0.25*0.9*0.05)^(-1/4) = 3.86097, the reference's 0.01^(-1/4)", () => {
        expect(summary.ppl).toBeCloseTo(0.0045 ** -0.25, 10);
        expect(summary.ppl).toBeCloseTo(3.86097, 4);
        expect(summary.pplReference).toBeCloseTo(Math.sqrt(10), 10);
        expect(summary.lnPplRatio).toBeCloseTo(log(summary.ppl! / summary.pplReference!), 12);
        // Identical top-1 distributions: every KL is 0.
        expect(summary.meanKld).toBe(0);
        expect(summary.maxKld).toBe(0);
    });

    it("gives nulls for no positions, and llama.cpp's standard error (0 for 10 values or fewer)", () => {
        expect(summarize(emptySums()).meanKld).toBeNull();
        expect(meanAndUncertainty(10, 30, 4)).toEqual([2.5, 0]);
        // 11 values: ten 0s and one 11 -> mean 1, variance 121/11 - 1 = 10, error sqrt(10/10) = 1.
        const [mean, error] = meanAndUncertainty(11, 121, 11);
        expect(mean).toBe(1);
        expect(error).toBeCloseTo(1, 12);
    });
});

describe("percentiles and the aggregate over chunks", () => {
    it("interpolates percentiles linearly between sorted values, as llama.cpp does", () => {
        expect(percentileSorted([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96, 12);
        expect(percentileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
        expect(percentileSorted([1, 2, 3], 0)).toBe(1);
        expect(percentileSorted([1, 2, 3], 1)).toBe(3);
        expect(() => percentileSorted([], 0.5)).toThrow();
    });

    it("stores per-position values as float32 base64, bit-exactly", () => {
        const values = [0, 1e-9, 0.123456789, 3.5, -2e-7];
        expect([...decodeFloat32(encodeFloat32(values))]).toEqual([...Float32Array.from(values)]);
    });

    /** A chunk trial record as the runner writes it, from per-position KLDs (p and q of the actual token fixed). */
    function chunkRecord(chunk: number, klds: number[], sameTop: number): TrialRecord {
        const sums = emptySums();
        klds.forEach((kld, i) => addPosition(sums, {kld, deltaP: 0.01, nll: 1, nllReference: 0.5, sameTop: i < sameTop}));
        return {
            id: `chunk-${chunk}`, cell: {chunk}, seed: 0, status: "ok",
            input: {chunk, chunkSize: 2 * klds.length + 2, reference: "ref.gguf", isReference: false, topK: 8},
            output: {kld: encodeFloat32(klds), deltaP: encodeFloat32(klds.map(() => 0.01))},
            scores: {...sums}, timings: {evaluateMs: 10}
        };
    }

    it("weights chunks by their scored tokens, and takes percentiles and the maximum over every position", () => {
        const config = fidelityConfigSchema.parse({});
        const records = [chunkRecord(0, [0.1, 0.2, 0.3], 3), chunkRecord(1, [0.5], 0),
            {id: "chunk-2", cell: {chunk: 2}, seed: 0, status: "error", error: {message: "boom", kind: "trial"}, scores: {}, timings: {}} as TrialRecord];
        const scores = fidelityScoresSchema.parse(aggregateFidelity(config, records));
        // (0.1 + 0.2 + 0.3 + 0.5) / 4, not the mean of the chunk means (0.2 and 0.5).
        expect(scores.main).toBeCloseTo(0.275, 12);
        expect(scores.scoredTokens).toBe(4);
        expect(scores.top1Agreement).toBe(0.75);
        expect(scores.maxKld).toBeCloseTo(0.5, 7);
        expect(scores.medianKld).toBeCloseTo(0.25, 7);
        // Sorted 0.1 0.2 0.3 0.5: position 0.99 * 3 = 2.97 -> 0.3 + 0.97 * 0.2
        expect(scores.kldP99).toBeCloseTo(0.494, 6);
        expect(scores.rmsDeltaP).toBeCloseTo(0.01, 12);
        expect(scores.ppl).toBeCloseTo(Math.E, 12);
        expect(scores.lnPplRatio).toBeCloseTo(0.5, 12);
        expect(scores.chunks).toEqual({planned: 3, ok: 2, error: 1, skipped: 0});
        expect(scores.byChunk.map((c) => [c.chunk, c.tokens])).toEqual([[0, 3], [1, 1]]);
        expect(scores.byChunk[0]!.meanKld).toBeCloseTo(0.2, 12);
        expect(scores.reference).toBe("ref.gguf");
        // 8 + 2 chunk tokens minus one each, in 20 ms.
        expect(scores.tokensPerSecond).toBeCloseTo(((8 - 1) + (4 - 1)) / 0.02, 9);
    });

    it("gives a null main score when no chunk ran", () => {
        const scores = aggregateFidelity(fidelityConfigSchema.parse({}), []);
        expect(scores.main).toBeNull();
        expect(scores.kldP99).toBeNull();
        expect(fidelityScoresSchema.safeParse(scores).success).toBe(true);
    });
});
