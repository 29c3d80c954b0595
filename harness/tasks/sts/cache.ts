import {createHash} from "node:crypto";
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {crc32} from "node:zlib";

/**
 * On-disk embedding cache: `<cacheDir>/embeddings/<model sha256>.<backend hash>.f32log`, one
 * append-only file per model file and backend (llama.cpp build), keyed per record by
 * sha256(prefix + NUL + text). llama.cpp computes in float32, so vectors are stored as float32
 * and come back bit-identical.
 *
 * Record (little-endian): "SLMBEMB1" (8 bytes) | dimensions u32 | crc32 of key+vector u32 |
 * key (32 bytes) | vector (dimensions x f32). Each flush is one write() in append mode, so a
 * killed run keeps everything flushed before the kill, and concurrent writers (two runs on the
 * same model) do not interleave records. Reading skips a torn or damaged record by its CRC and
 * resynchronizes on the next magic; a key written twice keeps its last vector.
 */
const MAGIC = Buffer.from("SLMBEMB1", "ascii");
const HEADER = MAGIC.length + 4 + 4 + 32;
const LITTLE_ENDIAN = os.endianness() === "LE";

export function embeddingKey(prefix: string, text: string): string {
    return createHash("sha256").update(prefix).update("\0").update(text).digest("hex");
}

/** One file per model file and backend (another llama.cpp build may give other vectors: it starts a new file). */
export function embeddingCacheFile(cacheDir: string, modelSha256: string, backend?: string): string {
    if (!/^[0-9a-f]{64}$/.test(modelSha256)) throw new Error(`embedding cache needs a model sha256, got ${JSON.stringify(modelSha256)}`);
    const backendTag = backend ? `.${createHash("sha256").update(backend).digest("hex").slice(0, 12)}` : "";
    return path.join(cacheDir, "embeddings", `${modelSha256}${backendTag}.f32log`);
}

export class EmbeddingCache {
    private readonly vectors = new Map<string, Float32Array>();
    private pending: Buffer[] = [];
    private damaged = 0;

    private constructor(readonly file: string) {}

    /** Opens (reads) the cache of one model file under one backend; a missing file is an empty cache. */
    static open(cacheDir: string, modelSha256: string, backend?: string): EmbeddingCache {
        const cache = new EmbeddingCache(embeddingCacheFile(cacheDir, modelSha256, backend));
        if (existsSync(cache.file)) cache.damaged = cache.load(readFileSync(cache.file));
        return cache;
    }

    private load(data: Buffer): number {
        let damaged = 0;
        let position = 0;
        // Skips bytes that are not a whole, intact record (counted once per stretch) to the next magic.
        const skip = () => {
            damaged++;
            const next = data.indexOf(MAGIC, position + 1);
            position = next === -1 ? data.length : next;
        };
        while (position < data.length) {
            if (position + HEADER > data.length || !data.subarray(position, position + MAGIC.length).equals(MAGIC)) {
                skip();
                continue;
            }
            const dimensions = data.readUInt32LE(position + 8);
            const checksum = data.readUInt32LE(position + 12);
            const end = position + HEADER + dimensions * 4;
            if (dimensions === 0 || end > data.length || crc32(data.subarray(position + 16, end)) !== checksum) {
                skip();
                continue;
            }
            const key = data.subarray(position + 16, position + 48).toString("hex");
            const vector = new Float32Array(dimensions);
            if (LITTLE_ENDIAN) new Uint8Array(vector.buffer).set(data.subarray(position + HEADER, end));
            else for (let i = 0; i < dimensions; i++) vector[i] = data.readFloatLE(position + HEADER + i * 4);
            this.vectors.set(key, vector);
            position = end;
        }
        return damaged;
    }

    /** Records that failed their CRC while reading (torn writes). */
    get damagedRecords(): number {
        return this.damaged;
    }

    get size(): number {
        return this.vectors.size;
    }

    get(key: string): Float32Array | undefined {
        return this.vectors.get(key);
    }

    /** Adds a vector (kept in memory now, on disk at the next flush). */
    set(key: string, vector: ArrayLike<number>) {
        const stored = Float32Array.from(vector);
        this.vectors.set(key, stored);
        const record = Buffer.alloc(HEADER + stored.length * 4);
        MAGIC.copy(record, 0);
        record.writeUInt32LE(stored.length, 8);
        Buffer.from(key, "hex").copy(record, 16);
        for (let i = 0; i < stored.length; i++) record.writeFloatLE(stored[i]!, HEADER + i * 4);
        record.writeUInt32LE(crc32(record.subarray(16)), 12);
        this.pending.push(record);
    }

    /** Forgets every vector, in memory and on disk (the model behind them changed). */
    clear() {
        this.vectors.clear();
        this.pending = [];
        if (existsSync(this.file)) writeFileSync(this.file, "");
    }

    /** Appends the vectors added since the last flush, in one write. */
    flush() {
        if (this.pending.length === 0) return;
        const data = Buffer.concat(this.pending);
        this.pending = [];
        mkdirSync(path.dirname(this.file), {recursive: true});
        const fd = openSync(this.file, "a");
        try {
            let written = 0;
            while (written < data.length) written += writeSync(fd, data, written);
        } finally {
            closeSync(fd);
        }
    }
}

/**
 * A fixed sentence every STS run embeds first. Its vector is kept in the cache under its own key;
 * when a run's vector differs, the model behind the name changed (another model served at the same
 * URL, another build) and the cached vectors are discarded.
 */
export const CANARY_SENTENCE = "A canary sentence: the quick brown fox jumps over the lazy dog, 0123456789.";
export const CANARY_KEY = embeddingKey("\0slmbench-canary\0", CANARY_SENTENCE);

/** Same vector up to float noise: relative L2 distance at most 1e-4 (a requantized model moves it ~1e-3 and more). */
export function sameVector(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
    if (a.length !== b.length) return false;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < a.length; i++) {
        diff += (a[i]! - b[i]!) ** 2;
        norm += a[i]! ** 2;
    }
    return Math.sqrt(diff) <= 1e-4 * Math.max(Math.sqrt(norm), 1e-30);
}
