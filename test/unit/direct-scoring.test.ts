// The direct path's reductions of raw logits (harness/providers/local-gguf/direct/scoring.ts) against
// straightforward float64 definitions, on seeded random rows with ties, and exact KLD against the
// top-k + rest formula of the fidelity task at k = the vocabulary.
import {describe, expect, it} from "vitest";
import {decodeRanges, MIN_SCORING_DECODE, scoredPerCall, scoringCalls} from "../../harness/providers/local-gguf/direct/schedule.js";
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

// Exps from Math.exp or ggml's expf (relative error < 7e-7 per entry, ~1e-7 on sums), stored as float32 and summed in float64.
describe.each([{kernel: "Math.exp", native: false, digits: 7}, {kernel: "ggml expf", native: true, digits: 6}])("LogitsReader, sums in $kernel", ({native, digits}) => {
    const random = new SeededRandom(7);
    const vocabulary = 300;
    const reader = new LogitsReader(vocabulary, native);

    it("uses the kernel asked for", () => {
        // ggml's CPU backend is reachable on Linux x64 with the bundled release (this machine).
        expect(reader.nativeExp).toBe(native);
    });

    it("gives the top k (most likely first, smaller id first on ties), requested ids and the masses outside them", () => {
        for (let trial = 0; trial < 20; trial++) {
            const row = randomRow(random, vocabulary);
            const logprobs = naiveLogprobs(row);
            const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
            const k = [1, 5, 64, vocabulary, 40][trial % 5]!;
            const ids = [random.int(0, vocabulary - 1), random.int(0, vocabulary - 1), order[0]!].filter((id, i, all) => all.indexOf(id) === i);
            const next = random.int(0, vocabulary - 1);
            const d = reader.read(row, 3, next, k, ids);
            expect(Array.from(d.topIds)).toEqual(order.slice(0, k));
            expect(d.argmax).toBe(order[0]);
            d.topLogprobs.forEach((lp, j) => expectFloat32Of(lp, logprobs[order[j]!]!));
            expectFloat32Of(d.tokenLogprob, logprobs[next]!);
            const mass = (keep: (id: number) => boolean) => logprobs.reduce((sum, lp, id) => sum + (keep(id) ? Math.exp(lp) : 0), 0);
            const top = new Set(order.slice(0, k));
            expect(d.restMass).toBeCloseTo(mass((id) => !top.has(id)), digits);
            ids.forEach((id, j) => expectFloat32Of(d.idLogprobs![j]!, logprobs[id]!));
            expect(d.idsRestMass!).toBeCloseTo(mass((id) => !ids.includes(id)), digits);
        }
    });

    it("ranks the top k of a larger row in the kernel's radix select and sort: ties, signs, wide ranges, a flat row, a tail past the last 4", () => {
        const size = 4099;
        const wide = new LogitsReader(size, native);
        const rows: Float32Array[] = [
            randomRow(random, size),
            // Every byte of the order keys varies: magnitudes from 1e-30 to 1e30, both signs, both zeros.
            Float32Array.from({length: size}, (_, i) => i === 7 ? -0 : i === 8 ? 0 : (random.int(0, 1) ? -1 : 1) * 10 ** random.int(-30, 30) * (1 + random.int(0, 999) / 1000)),
            new Float32Array(size).fill(1.5)
        ];
        for (const [r, row] of rows.entries()) {
            const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
            for (const k of [17, 256, 1000, size]) {
                const d = wide.read(row, 0, 0, k);
                expect(Array.from(d.topIds), `row ${r}, k ${k}`).toEqual(order.slice(0, k));
            }
        }
    });

    it("picks the token llama.cpp's greedy sampler picks, also on rows a broken model fills with NaN", () => {
        const row = randomRow(random, vocabulary);
        expect(reader.argmax(row)).toBe(rowStats(row).argmax);
        const broken = Float32Array.from(row, (value, i) => (i % 3 === 0 ? Number.NaN : value));
        let greedy = 0;
        for (let i = 1; i < vocabulary; i++) if (broken[i]! > broken[greedy]!) greedy = i;
        expect(reader.argmax(broken)).toBe(greedy);
        expect(reader.argmax(new Float32Array(vocabulary).fill(Number.NaN))).toBe(0);
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

describe.each([{kernel: "Math.exp", native: false, tolerance: 1e-8}, {kernel: "ggml expf", native: true, tolerance: 1e-7}])("exact comparison of two rows, exps in $kernel (float32 exps, float64 sums)", ({native, tolerance}) => {
    it("gives KL(p || q) over the whole vocabulary, both argmaxes and log-probabilities of the next token; masked (-inf) logits add nothing", () => {
        const random = new SeededRandom(13);
        const vocabulary = 1003; // not a multiple of 4: the kernels' tails count
        const reader = new LogitsReader(vocabulary, native);
        for (let trial = 0; trial < 6; trial++) {
            const p = randomRow(random, vocabulary);
            const q = Float32Array.from(p, (value) => value + random.int(-8, 8) / 16);
            if (trial % 2 === 1) for (const id of [3, 500, 1002]) p[id] = q[id] = -Infinity;
            const next = random.int(0, vocabulary - 1);
            const d = reader.compare(p, q, 7, next);
            expect(Math.abs(d.kld! - klExact(p, q))).toBeLessThan(tolerance);
            expect(d.kld!).toBeGreaterThan(0);
            expect(d.argmax).toBe(rowStats(q).argmax);
            expect(d.referenceArgmax).toBe(rowStats(p).argmax);
            expectFloat32Of(d.tokenLogprob, Math.max(logSoftmax(q)[next]!, Math.log(1.401298464324817e-45)));
            expect(Math.abs(d.referenceTokenLogprob! - Math.max(logSoftmax(p)[next]!, Math.log(1.401298464324817e-45)))).toBeLessThan(1e-6);
            expect(reader.compare(p, p, 7, next).kld).toBe(0);
        }
    });
});

describe("decode schedule shared by the sampler and direct paths", () => {
    it("cuts scored positions into calls of at most perCall, each call into decodes of the batch size from its start", () => {
        // 10 tokens, scored from 4, 3 scored positions per call, batches of 4.
        expect(scoringCalls(0, 4, 10, 3)).toEqual([[0, 7], [7, 10]]);
        expect(decodeRanges(0, 4, 10, 3, 4)).toEqual([[0, 4], [4, 7], [7, 10]]);
        // From a kept prefix past the first scored position: every call holds perCall scored positions.
        expect(decodeRanges(5, 2, 12, 3, 2)).toEqual([[5, 7], [7, 8], [8, 10], [10, 11], [11, 12]]);
        expect(scoredPerCall(2048)).toBe(2048);
        // 2^22 entries of logits per call, but never under the 64 tokens of flash attention's tiled kernel.
        expect(scoredPerCall(32_000)).toBe(131);
        expect(scoredPerCall(151_936)).toBe(MIN_SCORING_DECODE);
        expect(scoredPerCall(1 << 23)).toBe(MIN_SCORING_DECODE);
    });

    it("puts a remainder under 64 tokens first, where the unscored tokens before it make the first decode long enough", () => {
        // A 512-token fidelity chunk at 151,936 tokens of vocabulary: 255 scored positions, 64 per call.
        expect(scoringCalls(0, 256, 511, 64)).toEqual([[0, 319], [319, 383], [383, 447], [447, 511]]);
        expect(decodeRanges(0, 256, 511, 64, 512)).toEqual([[0, 319], [319, 383], [383, 447], [447, 511]]);
        // Cut from its start into batches of 300, that first call would end in a decode of 19 tokens: the plain cut instead.
        expect(scoringCalls(0, 256, 511, 64, 300)).toEqual([[0, 320], [320, 384], [384, 448], [448, 511]]);
        // No unscored tokens to lend: the plain cut.
        expect(scoringCalls(0, 0, 130, 64)).toEqual([[0, 64], [64, 128], [128, 130]]);
        // At 32,000 tokens (131 per call) the last call already holds 124: unchanged.
        expect(scoringCalls(0, 256, 511, 131)).toEqual([[0, 387], [387, 511]]);
    });

    it("covers every token once, at most perCall scored positions per call, in decodes of at most the batch size", () => {
        const random = new SeededRandom(5);
        for (let trial = 0; trial < 500; trial++) {
            const start = random.int(0, 50), end = start + random.int(1, 900), fromIndex = random.int(0, end - 1);
            const perCall = random.int(1, 200), batchSize = random.int(1, 600);
            const calls = scoringCalls(start, fromIndex, end, perCall, batchSize);
            expect(calls[0]![0]).toBe(start);
            expect(calls.at(-1)![1]).toBe(end);
            calls.forEach(([from, to], i) => {
                expect(to).toBeGreaterThan(from);
                if (i > 0) expect(from).toBe(calls[i - 1]![1]);
                expect(to - Math.max(from, fromIndex)).toBeLessThanOrEqual(perCall);
            });
            const ranges = decodeRanges(start, fromIndex, end, perCall, batchSize);
            expect(ranges.every(([from, to]) => to - from <= batchSize && to > from)).toBe(true);
            expect(ranges.reduce((sum, [from, to]) => sum + to - from, 0)).toBe(end - start);
        }
    });
});
