// LocalGgufSession.embed in-process on real GGUF files: same vectors as a bare node-llama-cpp loop,
// order and duplicates kept, long inputs truncated, the tiny LLMs embed too.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import type {Llama} from "node-llama-cpp";
import {beforeAll, describe, expect, it} from "vitest";
import {LocalEmbedder} from "../../harness/providers/local-gguf/embedding.js";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import {cosine} from "../../harness/util/correlation.js";
import {MODELS, stories260K} from "../helpers/assets.js";

const SENTENCES = [
    "A girl is styling her hair.",
    "A girl is brushing her hair.",
    "A group of men play soccer on the beach.",
    'A young boy jumping into a pool that says "no diving".',
    "Stocks fell sharply on Monday.",
    "The cat sat on the mat."
];
let llama: Llama;

beforeAll(async () => {
    llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
});

describe("local GGUF embeddings", () => {
    it("gives the bare one-at-a-time node-llama-cpp vectors (cosine 1e-6), in input order, duplicates embedded once", async () => {
        const model = await llama.loadModel({modelPath: `${MODELS}/wnft-sif-256/wnft-sif-256-F16.gguf`});
        const bare = await model.createEmbeddingContext({contextSize: 512, threads: 1});
        const expected: (readonly number[])[] = [];
        for (const sentence of SENTENCES) expected.push((await bare.getEmbeddingFor(sentence)).vector);
        await bare.dispose();

        const session = new LocalGgufSession(model, {contextSize: 512, threads: 1});
        expect(session.capabilities.has("embed")).toBe(true);
        const order = [0, 1, 2, 3, 4, 5, 1, 0];
        const input = order.map((i) => SENTENCES[i]!);
        const vectors = await session.embed(input);
        expect(vectors).toHaveLength(input.length);
        vectors.forEach((vector, i) => {
            expect(vector).toHaveLength(256);
            expect(1 - cosine(vector, expected[order[i]!]!)).toBeLessThanOrEqual(1e-6);
        });
        expect(vectors[6]).toEqual(vectors[1]);
        // A paraphrase is closer than an unrelated sentence.
        expect(cosine(vectors[0]!, vectors[1]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[4]!));
        // Embedding never opened the generation context.
        expect(session.counters().evaluatedTokens).toBe(0);
        await session.dispose();
        await model.dispose();
    });

    it("truncates an input longer than the context, as sentence-transformers does, instead of failing", async () => {
        const model = await llama.loadModel({modelPath: `${MODELS}/wnft-sif-256/wnft-sif-256-Q8_0.gguf`});
        const embedder = new LocalEmbedder(model, {contextSize: 16, threads: 1, contexts: 2});
        const long = "the cat sat on the mat and looked at the dog that barked at the bird in the tree all day long";
        const [short, truncated] = await embedder.embed(["the cat sat on the mat", long]);
        expect(embedder.truncated).toBe(1);
        expect(truncated).toHaveLength(256);
        expect(cosine(short!, truncated!)).toBeGreaterThan(0.5);
        await expect(embedder.embed([""])).rejects.toThrow(/gave no embedding/);
        await embedder.dispose();
        await model.dispose();
    });

    it("embeds with a tiny LLM too (stories260K: 64 wide), weakly", async () => {
        const model = await llama.loadModel({modelPath: stories260K("Q8_0")});
        const session = new LocalGgufSession(model, {contextSize: 512, threads: 1});
        const vectors = await session.embed(SENTENCES);
        expect(vectors.every((vector) => vector.length === 64 && vector.every(Number.isFinite))).toBe(true);
        await session.dispose();
        // A causal model's sentences packed into flash-attention tiles (the direct path) give node-llama-cpp's one-at-a-time vectors.
        const sampler = new LocalGgufSession(model, {contextSize: 512, threads: 1}, {scoring: "sampler"});
        const alone = await sampler.embed(SENTENCES);
        await sampler.dispose();
        vectors.forEach((vector, i) => expect(1 - cosine(vector, alone[i]!)).toBeLessThan(1e-6));
        await model.dispose();
    });
});
