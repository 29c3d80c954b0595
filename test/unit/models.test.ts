import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {bitsPerWeightOfType} from "../../harness/models/ggml-types.js";
import {quantLabelFromFileName, readGgufFacts} from "../../harness/models/gguf-info.js";
import {resolveModels} from "../helpers/resolve.js";
import {MODELS, stories260K, testAssetRoots, tinyStories} from "../helpers/assets.js";

describe("GGUF facts from real files", () => {
    it("reads architecture, parameters, training context and the label of TinyStories-656K", async () => {
        const facts = await readGgufFacts(tinyStories("F32"));
        expect(facts).toMatchObject({architecture: "llama", name: "TinyStories-656K", contextLength: 512, quantLabel: "F32", bitsPerWeight: 32});
        // 2 layers of width 128 (n_ff 384, 4 KV heads of 16) + 2048 x 128 tied embeddings + norms
        const perLayer = 128 * 128 * 2 + 128 * 64 * 2 + 3 * 128 * 384 + 2 * 128;
        expect(facts.parameters).toBe(2048 * 128 + 2 * perLayer + 128);
    });

    it("reports the real tensor types: the tiny Q2_K file holds Q4_0 (legacy fallback), not Q2_K", async () => {
        const q2k = await readGgufFacts(tinyStories("Q2_K"));
        expect(q2k.quantLabel).toBe("Q2_K");
        expect(Object.keys(q2k.tensorTypes).sort()).toEqual(["F32", "Q4_0", "Q8_0"]);
        expect(q2k.tensorTypes.Q2_K).toBeUndefined();
        const q40 = await readGgufFacts(tinyStories("Q4_0"));
        expect(q2k.bitsPerWeight).toBe(q40.bitsPerWeight);
    });

    it("computes bits per weight as the weighted mean of the tensor types' storage cost", async () => {
        const facts = await readGgufFacts(tinyStories("Q8_0"));
        const expected = Object.entries(facts.tensorTypes)
            .reduce((bits, [type, {weights}]) => bits + weights * bitsPerWeightOfType(type)!, 0) / facts.parameters;
        expect(facts.bitsPerWeight).toBeCloseTo(expected, 10);
        expect(bitsPerWeightOfType("Q8_0")).toBe(8.5);
        expect(bitsPerWeightOfType("Q4_K")).toBe(4.5);
        expect(bitsPerWeightOfType("Q2_K")).toBe(2.625);
        expect(facts.bitsPerWeight).toBeGreaterThan(8.5); // Q8_0 weights plus a few F32 norm vectors
    });

    it("parses quantization labels from file names", () => {
        expect(quantLabelFromFileName("stories260K-Q4_K_M.gguf")).toBe("Q4_K_M");
        expect(quantLabelFromFileName("model.IQ2_XXS.gguf")).toBe("IQ2_XXS");
        expect(quantLabelFromFileName("tiny-f16.gguf")).toBe("F16");
        expect(quantLabelFromFileName("model.gguf")).toBeUndefined();
    });
});

describe("ladders", () => {
    const roots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-cache-")));

    it("groups a folder of two models into two ladders by GGUF metadata, each with its highest-precision reference", async () => {
        const {models, unresolved} = await resolveModels([path.join(MODELS, "stories260K"), path.join(MODELS, "tinystories-656k")], {assetRoots: roots});
        expect(unresolved).toEqual([]);
        const ladders = new Map<string, typeof models>();
        for (const model of models) ladders.set(model.ladder.id, [...(ladders.get(model.ladder.id) ?? []), model]);
        expect([...ladders.keys()].sort()).toEqual(["TinyStories-656K", "stories260K"]);
        for (const ladder of ladders.values()) {
            expect(ladder).toHaveLength(10);
            const references = ladder.filter((m) => m.ladder.isReference);
            expect(references.map((m) => m.quantLabel)).toEqual(["F32"]);
            expect(new Set(ladder.map((m) => m.ladder.referenceSha256))).toEqual(new Set([references[0]!.sha256]));
        }
    });

    it("groups by metadata, not by file name: a renamed file joins its ladder, F16 is the reference without F32", async () => {
        const {models} = await resolveModels([stories260K("Q8_0"), stories260K("F16"), tinyStories("Q4_0")], {assetRoots: roots});
        const stories = models.filter((m) => m.architecture === "llama" && m.parameters === 292800);
        expect(stories.map((m) => [m.quantLabel, m.ladder.isReference])).toEqual([["F16", true], ["Q8_0", false]]);
        expect(models.find((m) => m.name === "TinyStories-656K")!.ladder).toMatchObject({isReference: true, size: 1});
    });

    it("records sha256 and bytes, and caches the hash by path, size, mtime, inode and ctime", async () => {
        const {models} = await resolveModels([tinyStories("F16")], {assetRoots: roots});
        expect(models[0]).toMatchObject({
            sha256: "9a7a939e5487f7d5e13e48a97f7ecb6d92401cc89d5826eacc82f8ca26c89e3e",
            bytes: 1363552
        });
        const {readFileSync} = await import("node:fs");
        const cache = JSON.parse(readFileSync(path.join(roots.cacheDir, "sha256.json"), "utf8"));
        expect(Object.keys(cache).some((key) => key.startsWith(tinyStories("F16") + "|1363552|"))).toBe(true);
    });

    it("checks each label against the file's tensors and names the files of its ladder that hold the same tensors", async () => {
        const {models} = await resolveModels([path.join(MODELS, "stories260K"), path.join(MODELS, "wnft-sif-256")], {assetRoots: roots});
        const facts = (file: string) => {
            const m = models.find((model) => model.fileName === file)!;
            return {expectedMainType: m.expectedMainType, labelMatchesTensors: m.labelMatchesTensors, sameTensorsAs: m.sameTensorsAs};
        };
        // llama.cpp fell back to legacy types on stories260K's narrow rows: Q6_K holds Q8_0's tensors, Q2_K Q4_0's.
        expect(facts("stories260K-Q6_K.gguf")).toEqual({expectedMainType: "Q6_K", labelMatchesTensors: false, sameTensorsAs: ["stories260K-Q8_0.gguf"]});
        expect(facts("stories260K-Q8_0.gguf")).toEqual({expectedMainType: "Q8_0", labelMatchesTensors: true, sameTensorsAs: ["stories260K-Q6_K.gguf"]});
        expect(facts("stories260K-Q2_K.gguf")).toEqual({expectedMainType: "Q2_K", labelMatchesTensors: false, sameTensorsAs: ["stories260K-Q4_0.gguf"]});
        // A "Q4_K_M" file holding no Q4_K tensor at all (its rows are Q5_0).
        expect(facts("stories260K-Q4_K_M.gguf")).toEqual({expectedMainType: "Q4_K", labelMatchesTensors: false, sameTensorsAs: undefined});
        expect(facts("stories260K-F32.gguf")).toEqual({expectedMainType: "F32", labelMatchesTensors: true, sameTensorsAs: undefined});
        // Width 256 fits the K-quant super-block: wnft-sif-256's Q4_K_M and Q2_K are real.
        expect(facts("wnft-sif-256-Q4_K_M.gguf")).toEqual({expectedMainType: "Q4_K", labelMatchesTensors: true, sameTensorsAs: undefined});
        expect(facts("wnft-sif-256-Q2_K.gguf")).toMatchObject({expectedMainType: "Q2_K", labelMatchesTensors: true});
    });
});
