// The on-disk embedding cache: exact float32 round trip, keyed by model + prefix + text, torn writes survived.
import {appendFileSync, mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {EmbeddingCache, embeddingCacheFile, embeddingKey} from "../../harness/tasks/sts/cache.js";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "slmbench-sts-cache-"));

describe("STS embedding cache", () => {
    it("returns float32 vectors bit-identical after a reopen, per model file and prefix", () => {
        const dir = tempDir();
        const cache = EmbeddingCache.open(dir, SHA_A);
        const vector = [0.1, -2.5, 1e-7, 3.4028234663852886e38];
        cache.set(embeddingKey("", "a sentence"), vector);
        cache.set(embeddingKey("query: ", "a sentence"), [1, 2, 3, 4]);
        cache.flush();
        const reopened = EmbeddingCache.open(dir, SHA_A);
        expect(reopened.size).toBe(2);
        expect([...reopened.get(embeddingKey("", "a sentence"))!]).toEqual([...Float32Array.from(vector)]);
        expect([...reopened.get(embeddingKey("query: ", "a sentence"))!]).toEqual([1, 2, 3, 4]);
        expect(reopened.get(embeddingKey("", "another"))).toBeUndefined();
        expect(EmbeddingCache.open(dir, SHA_B).size).toBe(0);
        expect(embeddingCacheFile(dir, SHA_A)).toBe(path.join(dir, "embeddings", `${SHA_A}.f32log`));
        // Per backend: vectors from another llama.cpp build are not reused.
        const build1 = EmbeddingCache.open(dir, SHA_A, "ggml-org/llama.cpp@b1");
        build1.set(embeddingKey("", "x"), [1, 2, 3]);
        build1.flush();
        expect(EmbeddingCache.open(dir, SHA_A, "ggml-org/llama.cpp@b1").size).toBe(1);
        expect(EmbeddingCache.open(dir, SHA_A, "ggml-org/llama.cpp@b2").size).toBe(0);
        expect(embeddingCacheFile(dir, SHA_A, "ggml-org/llama.cpp@b1")).toMatch(new RegExp(`${SHA_A}\\.[0-9a-f]{12}\\.f32log$`));
        // The prefix and the text cannot trade characters.
        expect(embeddingKey("a", "b c")).not.toBe(embeddingKey("a b", "c"));
    });

    it("keeps flushed records when a write was torn, and resynchronizes after a damaged record", () => {
        const dir = tempDir();
        const file = embeddingCacheFile(dir, SHA_A);
        const cache = EmbeddingCache.open(dir, SHA_A);
        for (let i = 0; i < 3; i++) cache.set(embeddingKey("", `s${i}`), [i, i + 1]);
        cache.flush();
        const bytes = readFileSync(file);
        const recordBytes = bytes.length / 3; // 48-byte header + 2 floats
        expect(recordBytes).toBe(56);
        bytes[recordBytes + 50] = bytes[recordBytes + 50]! ^ 0xff; // damage s1's vector
        writeFileSync(file, bytes);

        // A record torn in half at the end (a run killed mid-write) ...
        const elsewhere = tempDir();
        const other = EmbeddingCache.open(elsewhere, SHA_A);
        other.set(embeddingKey("", "s3"), [3, 4]);
        other.flush();
        appendFileSync(file, readFileSync(embeddingCacheFile(elsewhere, SHA_A)).subarray(0, 30));
        const afterTear = EmbeddingCache.open(dir, SHA_A);
        expect(afterTear.damagedRecords).toBe(2);
        expect([...afterTear.get(embeddingKey("", "s0"))!]).toEqual([0, 1]);
        expect(afterTear.get(embeddingKey("", "s1"))).toBeUndefined();
        expect([...afterTear.get(embeddingKey("", "s2"))!]).toEqual([2, 3]);
        expect(afterTear.get(embeddingKey("", "s3"))).toBeUndefined();

        // ... and records appended after the torn one are found again.
        afterTear.set(embeddingKey("", "s4"), [4, 5]);
        afterTear.flush();
        const reopened = EmbeddingCache.open(dir, SHA_A);
        expect([...reopened.get(embeddingKey("", "s4"))!]).toEqual([4, 5]);
        expect(reopened.size).toBe(3);
    });

    it("keeps the last vector of a key written twice, and refuses a model id that is not a sha256", () => {
        const dir = tempDir();
        const first = EmbeddingCache.open(dir, SHA_A);
        first.set(embeddingKey("", "x"), [1, 1]);
        first.flush();
        const second = EmbeddingCache.open(dir, SHA_A);
        second.set(embeddingKey("", "x"), [2, 2]);
        second.flush();
        expect([...EmbeddingCache.open(dir, SHA_A).get(embeddingKey("", "x"))!]).toEqual([2, 2]);
        expect(() => EmbeddingCache.open(dir, "../escape")).toThrow(/needs a model sha256/);
    });
});
