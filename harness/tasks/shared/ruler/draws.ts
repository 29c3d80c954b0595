/**
 * The random draws RULER's generators make (Python's random.shuffle, random.sample, random.choices),
 * as algorithms over our SeededRandom. Same distributions, not Python's bytes.
 */
import {deriveSeed, SeededRandom} from "../../../util/random.js";

/** Independent random streams of one sample, one per purpose, so e.g. a sample's keys stay the same whatever its size. */
export function streams<const Names extends readonly string[]>(seed: number, names: Names): Record<Names[number], SeededRandom> {
    return Object.fromEntries(names.map((name) => [name, new SeededRandom(deriveSeed(seed, "ruler", name))])) as Record<Names[number], SeededRandom>;
}

/** random.shuffle: Fisher-Yates from the end, in place; returns the array. */
export function shuffle<T>(random: SeededRandom, items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
        const j = random.int(0, i);
        [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
}

/**
 * random.sample(items, k): k distinct items in draw order (partial Fisher-Yates). Draw i depends
 * only on the draws before it, so the first draws are the same whatever k is.
 */
export function sampleItems<T>(random: SeededRandom, items: readonly T[], k: number): T[] {
    if (!Number.isInteger(k) || k < 0 || k > items.length) throw new Error(`cannot sample ${k} distinct items from ${items.length}`);
    const pool = [...items];
    for (let i = 0; i < k; i++) {
        const j = random.int(i, pool.length - 1);
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, k);
}

/** random.sample(range(n), k): k distinct integers in [0, n), in draw order, without building the range. */
export function sampleIndices(random: SeededRandom, n: number, k: number): number[] {
    if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`cannot sample ${k} distinct positions from ${n}`);
    if (k * 4 > n) return sampleItems(random, Array.from({length: n}, (_, i) => i), k);
    const picked = new Set<number>();
    const out: number[] = [];
    while (out.length < k) {
        const index = random.int(0, n - 1);
        if (!picked.has(index)) {
            picked.add(index);
            out.push(index);
        }
    }
    return out;
}

/** ''.join(random.choices(alphabet, k=length)): letters drawn with replacement. */
export function randomString(random: SeededRandom, alphabet: string, length: number): string {
    return Array.from({length}, () => alphabet[random.int(0, alphabet.length - 1)]).join("");
}

export const UPPERCASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";

/** `count` distinct strings of `length` random letters, in draw order (RULER draws then tops up until enough are distinct). */
export function distinctStrings(random: SeededRandom, alphabet: string, length: number, count: number): string[] {
    if (alphabet.length ** length < count) throw new Error(`only ${alphabet.length ** length} strings of ${length} letters exist, ${count} asked for`);
    const seen = new Set<string>();
    while (seen.size < count) seen.add(randomString(random, alphabet, length));
    return [...seen];
}
