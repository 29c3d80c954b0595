import {uniformInt} from "pure-rand/distribution/uniformInt";
import {xoroshiro128plus} from "pure-rand/generator/xoroshiro128plus";
import {createHash} from "node:crypto";

/** A seeded random source (pure-rand's xoroshiro128+): the same seed always gives the same draws. */
export class SeededRandom {
    private readonly rng;
    constructor(seed: number) {
        this.rng = xoroshiro128plus(seed | 0);
    }
    /** Integer in [from, to], both included. */
    int(from: number, to: number): number {
        return uniformInt(this.rng, from, to);
    }
    pick<T>(items: readonly T[]): T {
        return items[this.int(0, items.length - 1)]!;
    }
    /** k distinct items, in draw order. */
    sample<T>(items: readonly T[], k: number): T[] {
        const pool = [...items];
        const out: T[] = [];
        while (out.length < k && pool.length > 0) out.push(pool.splice(this.int(0, pool.length - 1), 1)[0]!);
        return out;
    }
    uuid(): string {
        const hex = Array.from({length: 32}, () => this.int(0, 15).toString(16));
        hex[12] = "4";
        hex[16] = (8 + this.int(0, 3)).toString(16);
        const s = hex.join("");
        return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    }
}

/** A 31-bit seed derived from a base seed and named parts, so each grid group gets its own stream. */
export function deriveSeed(base: number, ...parts: (string | number)[]): number {
    const digest = createHash("sha256").update([base, ...parts].join("|")).digest();
    return digest.readUInt32BE(0) & 0x7fffffff;
}
