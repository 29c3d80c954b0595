// How the embedder groups sentences into decodes (harness/providers/local-gguf/direct/tile-packing.ts):
// with flash attention, sentences packed into 64-token tiles so that none straddles a tile
// boundary, each decode a whole number of tiles; checked on seeded random lengths.
import {describe, expect, it} from "vitest";
import {consecutiveDecodes, FLASH_ATTENTION_TILE, packIntoTiles, type PlannedDecode} from "../../harness/providers/local-gguf/direct/tile-packing.js";
import {SeededRandom} from "../../harness/util/random.js";

const TILE = FLASH_ATTENTION_TILE;

/** Where each input starts in its decode, and the decode's tokens (filler included). */
function layout(decode: PlannedDecode, lengths: readonly number[]) {
    const starts: number[] = [];
    let at = 0;
    for (const index of decode.inputs) {
        starts.push(at);
        at += lengths[index]!;
    }
    return {starts, tokens: at + decode.filler};
}

describe("packIntoTiles", () => {
    const random = new SeededRandom(11);
    const cases: [string, number[]][] = [
        ["sentence lengths (3-40 tokens)", Array.from({length: 2000}, () => random.int(3, 40))],
        ["long and short inputs (1-511 tokens)", Array.from({length: 400}, () => (random.int(0, 9) === 0 ? random.int(65, 511) : random.int(1, 30)))],
        ["one-token inputs", Array.from({length: 300}, () => 1)],
        ["exactly a tile each", Array.from({length: 5}, () => TILE)]
    ];
    it.each(cases)("%s: every input once, none across a tile boundary, whole tiles per decode", (_name, lengths) => {
        const maxSequences = 64;
        const plan = packIntoTiles(lengths, maxSequences);
        expect(plan.flatMap((decode) => decode.inputs).sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
        for (const decode of plan) {
            const {starts, tokens} = layout(decode, lengths);
            expect(tokens % TILE).toBe(0);
            expect(decode.filler).toBeGreaterThanOrEqual(0);
            expect(decode.filler).toBeLessThan(TILE);
            expect(decode.inputs.length + (decode.filler > 0 ? 1 : 0)).toBeLessThanOrEqual(maxSequences);
            decode.inputs.forEach((index, k) => {
                const length = lengths[index]!;
                const start = starts[k]!;
                // A short input lies within one tile; a long one starts on a tile boundary (and has its decode to itself, but for short ones in its last tile).
                if (length <= TILE) expect(Math.floor(start / TILE)).toBe(Math.floor((start + length - 1) / TILE));
                else {
                    expect(start).toBe(0);
                    expect(tokens).toBe(Math.ceil(length / TILE) * TILE);
                }
            });
        }
    });

    it("wastes little: sentence lengths fill their tiles to within 2% (best fit, longest first)", () => {
        const lengths = cases[0]![1];
        const total = lengths.reduce((sum, length) => sum + length, 0);
        const filler = packIntoTiles(lengths, 64).reduce((sum, decode) => sum + decode.filler, 0);
        expect(filler / total).toBeLessThan(0.02);
    });

    it("keeps a sequence for the filler when the sequences run out before the tokens", () => {
        const plan = packIntoTiles(Array.from({length: 40}, () => 2), 8);
        for (const decode of plan) expect(decode.inputs.length + (decode.filler > 0 ? 1 : 0)).toBeLessThanOrEqual(8);
        expect(plan.every((decode) => decode.inputs.length === 7 && decode.filler === TILE - 14 || decode.inputs.length < 7)).toBe(true);
        expect(() => packIntoTiles([3], 1)).toThrow(/2 sequences/);
        expect(() => packIntoTiles([3, 0], 8)).toThrow(/input 1 has no tokens/);
    });
});

describe("consecutiveDecodes", () => {
    it("keeps input order, at most perDecode inputs and batchTokens tokens per decode", () => {
        const lengths = [10, 20, 30, 500, 5, 5, 5, 5, 5, 5];
        const plan = consecutiveDecodes(lengths, 4, 512);
        expect(plan.map((decode) => decode.inputs)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]);
        expect(plan.every((decode) => decode.filler === 0)).toBe(true);
    });
});
