// The direct path's reductions of raw logits (harness/providers/local-gguf/direct/scoring.ts) against
// straightforward float64 definitions, on seeded random rows with ties, and exact KLD against the
// top-k + rest formula of the fidelity task at k = the vocabulary.
import {describe, expect, it} from "vitest";
import {klExact, LogitsReader, logSoftmax, rowStats} from "../../harness/providers/local-gguf/direct/scoring.js";
import {klTopK} from "../../harness/tasks/fidelity/metrics.js";
import {SeededRandom} from "../../harness/util/random.js";

function randomRow(random: SeededRandom, size: number): Float32Array {
    // Coarse values (steps of 1/8) so that ties are frequent, including at the top.
    return Float32Array.from({length: size}, () => random.int(-80, 40) / 8);
}

/** log-softmax by definition, float64. */
function naiveLogprobs(row: Float32Array): number[] {
    const max = Math.max(...row);
    const total = Array.from(row).reduce((sum, value) => sum + Math.exp(value - max), 0);
    return Array.from(row, (value) => value - max - Math.log(total));
}

/** A float32 log-probability is the float64 value rounded (within one float32 ulp). */
function expectFloat32Of(actual: number, expected: number) {
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2 ** -23 + 1e-12);
}

describe("LogitsReader", () => {
    const random = new SeededRandom(7);
    const vocabulary = 300;
    const reader = new LogitsReader(vocabulary);

    it("gives the top k (most likely first, smaller id first on ties), requested ids and the masses outside them", () => {
        for (let trial = 0; trial < 20; trial++) {
            const row = randomRow(random, vocabulary);
            const logprobs = naiveLogprobs(row);
            const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
            const k = [1, 5, 64, vocabulary][trial % 4]!;
            const ids = [random.int(0, vocabulary - 1), random.int(0, vocabulary - 1), order[0]!].filter((id, i, all) => all.indexOf(id) === i);
            const next = random.int(0, vocabulary - 1);
            const d = reader.read(row, 3, next, k, ids);
            expect(Array.from(d.topIds)).toEqual(order.slice(0, k));
            expect(d.argmax).toBe(order[0]);
            d.topLogprobs.forEach((lp, j) => expectFloat32Of(lp, logprobs[order[j]!]!));
            expectFloat32Of(d.tokenLogprob, logprobs[next]!);
            const mass = (keep: (id: number) => boolean) => logprobs.reduce((sum, lp, id) => sum + (keep(id) ? Math.exp(lp) : 0), 0);
            const top = new Set(order.slice(0, k));
            expect(d.restMass).toBeCloseTo(mass((id) => !top.has(id)), 12);
            ids.forEach((id, j) => expectFloat32Of(d.idLogprobs![j]!, logprobs[id]!));
            expect(d.idsRestMass!).toBeCloseTo(mass((id) => !ids.includes(id)), 12);
        }
    });

    it("leaves its scratch marks clean (a second read of another row is unaffected) and refuses ids outside the vocabulary", () => {
        const row = randomRow(random, vocabulary);
        const first = reader.read(row, 0, 1, 8, [2, 3]);
        expect(() => reader.read(row, 0, 1, 8, [4, vocabulary])).toThrow(/outside the vocabulary/);
        expect(reader.read(row, 0, 1, 8, [2, 3])).toEqual(first);
    });
});

describe("exact KL divergence", () => {
    it("equals the fidelity task's top-k + rest formula at k = the vocabulary, and log-softmax sums to 1", () => {
        const random = new SeededRandom(11);
        const vocabulary = 500;
        const reader = new LogitsReader(vocabulary);
        for (let trial = 0; trial < 5; trial++) {
            const p = randomRow(random, vocabulary);
            const q = Float32Array.from(p, (value) => value + random.int(-8, 8) / 16);
            const ref = reader.read(p, 0, 0, vocabulary);
            const compared = reader.read(q, 0, 0, 1, ref.topIds);
            const topK = klTopK(ref.topLogprobs, ref.restMass, compared.idLogprobs!, compared.idsRestMass!);
            const exact = klExact(p, q);
            expect(exact).toBeGreaterThan(0);
            // The top-k form reads float32 log-probabilities (the cache's format): equal to that rounding.
            expect(Math.abs(exact - topK)).toBeLessThan(1e-6);
            expect(klExact(p, p)).toBeCloseTo(0, 12);
            expect(Array.from(logSoftmax(p)).reduce((sum, lp) => sum + Math.exp(lp), 0)).toBeCloseTo(1, 12);
            expect(rowStats(p).argmax).toBe(ref.argmax);
        }
    });
});
