// The reference cache (binary chunk files), the corpus preparation and tokenization, and the plan.
import {mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import type {ModelInfo} from "../../harness/results/schema.js";
import {
    CACHE_FORMAT, chunkFile, chunkFromDistributions, decodeChunk, encodeChunk, readChunk, referenceCacheDir, referenceCacheKey, referencePosition, writeChunk
} from "../../harness/tasks/fidelity/cache.js";
import {DEFAULT_TOP_K, fidelityConfigSchema} from "../../harness/tasks/fidelity/config.js";
import {loadCorpusText, prepareText, tokensSha256, tokenStream} from "../../harness/tasks/fidelity/corpus.js";
import {planFidelity} from "../../harness/tasks/fidelity/plan.js";
import {chooseRoute, fullCacheBytes} from "../../harness/tasks/fidelity/route.js";
import {openRows, ROWS_FORMAT, rowsFile, RowsWriter} from "../../harness/tasks/fidelity/rows-cache.js";
import {testAssetRoots} from "../helpers/assets.js";

const SHA = "c".repeat(64);
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-"));

function distributions(positions: number, k: number) {
    return Array.from({length: positions}, (_, j) => ({
        position: 10 + j,
        tokenLogprob: Math.fround(-1 - j / 7),
        argmax: 100 + j,
        topIds: Uint32Array.from({length: k}, (_, i) => 100 + j + i),
        topLogprobs: Float32Array.from({length: k}, (_, i) => -0.5 - i - j / 3),
        restMass: 1e-3 / (j + 1)
    }));
}
const header = {referenceSha256: SHA, referenceFile: "ref.gguf", chunk: 3, chunkSize: 22, firstScored: 11, topK: 4, tokensSha256: "t".repeat(64)};

describe("fidelity reference cache", () => {
    it("round-trips a chunk exactly (float32 log-probs, float64 rest masses) through a file", async () => {
        const chunk = chunkFromDistributions(header, distributions(10, 4));
        expect(chunk.header).toMatchObject({format: CACHE_FORMAT, positions: 10, k: 4, chunk: 3});
        const dir = referenceCacheDir(tempDir(), SHA, referenceCacheKey({textSha256: "x", maxTokens: 400, chunkSize: 22, topK: 4, scoredPositions: "second-half", build: "ggml-org/llama.cpp@b1"}));
        const file = chunkFile(dir, 3);
        expect(path.basename(file)).toBe("chunk-0003.bin");
        expect(path.basename(dir)).toMatch(new RegExp(`^${SHA}-[0-9a-f]{16}$`));
        await writeChunk(file, chunk);
        // 8k + 16 bytes per position, plus magic, header and checksum.
        const headerBytes = Buffer.byteLength(JSON.stringify(chunk.header));
        expect(readFileSync(file).length).toBe(8 + 4 + headerBytes + 10 * (8 * 4 + 16) + 4);
        const back = readChunk(file)!;
        expect(back.header).toEqual(chunk.header);
        for (const key of ["ids", "logprobs", "restMass", "tokenLogprob", "argmax"] as const) expect([...back[key]]).toEqual([...chunk[key]]);
        const position = referencePosition(back, 2);
        expect(Array.from(position.ids)).toEqual([102, 103, 104, 105]);
        expect(position.restMass).toBe(1e-3 / 3);
        expect(position.argmax).toBe(102);
    });

    it("says a missing chunk is missing and refuses a damaged one", () => {
        const dir = tempDir();
        expect(readChunk(path.join(dir, "chunk-0000.bin"))).toBeUndefined();
        const data = encodeChunk(chunkFromDistributions(header, distributions(3, 2)));
        data[data.length - 20]! ^= 0xff;
        const file = path.join(dir, "chunk-0001.bin");
        writeFileSync(file, data);
        expect(() => readChunk(file)).toThrow(/chunk-0001.bin is damaged \(checksum mismatch\)/);
        expect(() => decodeChunk(Buffer.from("not a cache file at all"))).toThrow(/not a fidelity cache file/);
        expect(() => referenceCacheDir(dir, "F32", "key")).toThrow(/sha256/);
    });

    it("keys the cache by corpus text, tokens, chunking, k, scoring rule and llama.cpp build", () => {
        const base = {textSha256: "x", maxTokens: 400, chunkSize: 400, topK: 256, scoredPositions: "second-half", build: "ggml-org/llama.cpp@b1"};
        const keys = new Set([base, {...base, textSha256: "y"}, {...base, maxTokens: 800}, {...base, chunkSize: 200}, {...base, topK: 64}, {...base, scoredPositions: "all"},
            {...base, build: "ggml-org/llama.cpp@b2"}].map(referenceCacheKey));
        expect(keys.size).toBe(7);
        expect(referenceCacheKey({...base})).toBe(referenceCacheKey(base));
    });
});

describe("fidelity full-distribution rows (exact-cache route)", () => {
    const rowsHeader = {referenceSha256: SHA, referenceFile: "ref.gguf", chunk: 2, chunkSize: 12, firstScored: 6, positions: 5, vocabularySize: 7, tokensSha256: "t".repeat(64)};
    const rowsOf = (first: number, count: number) => Float32Array.from({length: count * 7}, (_, i) => Math.fround((first * 7 + i) / 3 - 5));

    it("round-trips rows written batch by batch, read back batch by batch (other batches), checksum checked at the end", () => {
        const file = rowsFile(tempDir(), 2);
        const writer = new RowsWriter(file, rowsHeader);
        writer.write(6, 2, rowsOf(6, 2));
        writer.write(8, 3, rowsOf(8, 3));
        writer.finish();
        const opened = openRows(file)!;
        expect(opened.header).toEqual({format: ROWS_FORMAT, ...rowsHeader});
        const into = new Float32Array(7 * 4);
        opened.rows.read(6, 4, into);
        expect(into).toEqual(rowsOf(6, 4));
        expect(() => opened.rows.finish!()).toThrow(/4 rows read of 5/);
        opened.rows.read(10, 1, into.subarray(0, 7));
        expect(into.subarray(0, 7)).toEqual(rowsOf(10, 1));
        opened.rows.finish!();
        opened.close();
    });

    it("is missing until complete, and refuses a damaged file", () => {
        const file = rowsFile(tempDir(), 2);
        const writer = new RowsWriter(file, rowsHeader);
        writer.write(6, 5, rowsOf(6, 5));
        expect(openRows(file)).toBeUndefined();
        expect(() => writer.write(12, 1, rowsOf(12, 1))).toThrow();
        writer.finish();
        const data = readFileSync(file);
        data[data.length - 20] ^= 0xff;
        writeFileSync(file, data);
        const opened = openRows(file)!;
        opened.rows.read(6, 5, new Float32Array(35));
        expect(() => opened.rows.finish!()).toThrow(/damaged \(checksum mismatch\)/);
        opened.close();
        writeFileSync(file, data.subarray(0, data.length - 3));
        expect(() => openRows(file)).toThrow(/damaged \(wrong length\)/);
    });
});

describe("fidelity route (exact or top-k)", () => {
    const config = fidelityConfigSchema.parse({});
    const facts = {fullDistributions: true, vocabularySize: 151_936, scoredPositions: 4096, referencePath: "/m/ref.gguf", referenceBytes: 1e9, machineBytes: 16e9};

    it("is exact from disk when the full distributions fit the disk budget, else in lockstep when both files fit memory, else top-k", () => {
        // 4 x 151,936 x 4,096 = 2.49 GB: over the default 2 GB.
        expect(fullCacheBytes(151_936, 4096)).toBe(2_489_319_424);
        expect(chooseRoute(config, facts).route).toBe("exact-lockstep");
        expect(chooseRoute(config, {...facts, scoredPositions: 3000}).route).toBe("exact-cache");
        expect(chooseRoute({...config, exactDiskBudget: "3GB"}, facts).route).toBe("exact-cache");
        // Two 1 GB files + allowance in half of 4 GB: no.
        expect(chooseRoute(config, {...facts, machineBytes: 4e9})).toEqual({route: "top-k", why: expect.stringMatching(/over exactMemoryBudget/)});
        expect(chooseRoute({...config, exactMemoryBudget: "8GB"}, {...facts, machineBytes: 4e9}).route).toBe("exact-lockstep");
        expect(chooseRoute(config, {...facts, referencePath: undefined, referenceBytes: undefined}).why).toMatch(/not readable here/);
    });

    it("is top-k when asked, or when the session reads no full distributions; forced routes ignore the budgets", () => {
        expect(chooseRoute({...config, exact: "off"}, {...facts, scoredPositions: 10}).route).toBe("top-k");
        expect(chooseRoute(config, {...facts, fullDistributions: false}).why).toMatch(/sampler/);
        expect(chooseRoute({...config, exact: "cache"}, facts).route).toBe("exact-cache");
        expect(chooseRoute({...config, exact: "lockstep"}, {...facts, scoredPositions: 10}).route).toBe("exact-lockstep");
        expect(() => chooseRoute({...config, exact: "lockstep"}, {...facts, referencePath: undefined})).toThrow(/reference file/);
        expect(() => fidelityConfigSchema.parse({exactDiskBudget: "lots"})).toThrow(/size/);
    });
});

describe("fidelity corpus", () => {
    it("ascii-safe keeps only letters, digits, space, newline and . , ! ? : ; ' \" -", () => {
        const raw = "“Hello,” said #1 (a+b)\tend—[x] 50% & ~{y}@=/\\^`*é\nNext line: ok? yes! 'q' \"r\" well-known;";
        const safe = prepareText(raw, {charset: "ascii-safe", whitespace: "keep"});
        expect(safe).toMatch(/^[A-Za-z0-9 \n.,!?:;'"-]*$/);
        expect(safe.length).toBe(raw.length);
        expect(safe).toBe(" Hello,  said  1  a b  end  x  50      y         \nNext line: ok? yes! 'q' \"r\" well-known;");
        expect(prepareText(raw, {charset: "ascii-safe", whitespace: "collapse"})).toBe("Hello, said 1 a b end x 50 y Next line: ok? yes! 'q' \"r\" well-known;");
        expect(prepareText("naïve “x”\t#", {charset: "ascii", whitespace: "keep"})).toBe("na ve  x \t#");
        expect(prepareText(" a \n\n b ", {charset: "any", whitespace: "collapse"})).toBe("a b");
    });

    it("reads the default books from the asset roots, and names a missing file", () => {
        const assetRoots = testAssetRoots(tempDir());
        const config = fidelityConfigSchema.parse({corpus: {charset: "ascii-safe"}});
        const text = loadCorpusText(config.corpus, assetRoots);
        expect(text).toMatch(/^[A-Za-z0-9 .,!?:;'"-]*$/);
        expect(text).toContain("It is a truth universally acknowledged");
        expect(text).toContain("To Sherlock Holmes she is always");
        expect(() => loadCorpusText({...config.corpus, files: ["haystacks/nope.txt"]}, assetRoots)).toThrow(/corpus file not found: haystacks\/nope.txt/);
    });

    it("tokenizes only as much of the text as maxTokens needs, BOS first", async () => {
        const text = Array.from({length: 5000}, (_, i) => `w${i}`).join(" ");
        const seen: number[] = [];
        // One token per word: its number.
        const session = {tokenizeText: async (t: string) => {
            seen.push(t.length);
            return {tokens: t.split(" ").filter(Boolean).map((w) => Number(w.slice(1))), bos: 7777};
        }};
        const {stream, bos} = await tokenStream(session, text, 100);
        expect(bos).toBe(7777);
        expect(stream).toHaveLength(100);
        expect(stream.slice(0, 4)).toEqual([7777, 0, 1, 2]);
        expect(stream.at(-1)).toBe(98);
        expect(seen[0]).toBeLessThan(text.length);
        // A corpus shorter than maxTokens gives what it has; no BOS when the model adds none.
        const short = await tokenStream({tokenizeText: async (t) => ({tokens: t.split(" ").map((w) => w.length), bos: null})}, "a bb ccc", 100);
        expect(short).toEqual({stream: [1, 2, 3], bos: null});
        expect(tokensSha256([1, 2, 3])).not.toBe(tokensSha256([1, 2, 4]));
    });
});

describe("fidelity plan", () => {
    const model = (contextLength: number | undefined, isReference: boolean) => ({
        contextLength,
        ladder: {id: "l", referenceFile: "m-F32.gguf", referenceSha256: SHA, isReference, size: 3}
    } as ModelInfo);

    it("cuts maxTokens into chunks of the training context (at most maxTokens), one trial each, carrying the reference", () => {
        const config = fidelityConfigSchema.parse({corpus: {maxTokens: 2000}});
        expect(config.topK).toBe(DEFAULT_TOP_K);
        const trials = planFidelity(config, model(512, false));
        expect(trials.map((t) => t.id)).toEqual(["chunk-0", "chunk-1", "chunk-2"]);
        expect(trials[1]!.spec).toEqual({chunk: 1, chunks: 3, chunkSize: 512, firstScored: 256, referenceSha256: SHA, referenceFile: "m-F32.gguf", isReference: false});
        expect(trials.every((t) => !t.skipReason)).toBe(true);
        expect(planFidelity(fidelityConfigSchema.parse({corpus: {maxTokens: 400}}), model(2048, true))[0]!.spec)
            .toMatchObject({chunkSize: 400, firstScored: 200, isReference: true});
        expect(planFidelity(fidelityConfigSchema.parse({corpus: {maxTokens: 400}, scoredPositions: "all"}), model(undefined, true))[0]!.spec)
            .toMatchObject({chunkSize: 400, firstScored: 0});
        // Pure: the same config and model give the same trials.
        expect(planFidelity(config, model(512, false))).toEqual(trials);
    });

    it("skips chunks longer than the training context, and says when maxTokens holds no chunk", () => {
        const tooLong = planFidelity(fidelityConfigSchema.parse({corpus: {maxTokens: 4096}, chunkSize: 1024}), model(512, false));
        expect(tooLong).toHaveLength(4);
        expect(tooLong[0]!.skipReason).toBe("chunkSize 1024 exceeds the model's training context (512 tokens)");
        const none = planFidelity(fidelityConfigSchema.parse({corpus: {maxTokens: 300}, chunkSize: 400}), model(512, false));
        expect(none).toHaveLength(1);
        expect(none[0]!.skipReason).toMatch(/maxTokens 300 is less than one chunk of 400 tokens/);
        expect(fidelityConfigSchema.safeParse({chunkSize: 3}).success).toBe(false);
        expect(fidelityConfigSchema.safeParse({corpus: {charset: "latin1"}}).success).toBe(false);
    });
});
