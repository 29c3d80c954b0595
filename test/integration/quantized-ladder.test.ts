// Ladders built on demand: the default suite's stories260K entry ({quantize: {from, types}}) on a
// machine holding only the public stories260K.gguf (as its download leaves it in the cache) and no
// asset roots: the missing levels are quantized into the cache, the whole ladder is benchmarked,
// and a second run reuses the files. With asset roots, the ladder beside the F32 file is used.
import {copyFileSync, mkdirSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import {afterEach, beforeAll, describe, expect, it, vi} from "vitest";
import defaultSuite from "../../benchmarks/suites/default.js";
import {resolveAssetRoots} from "../../harness/assets/roots.js";
import type {Suite} from "../../harness/config/suite.js";
import {sha256OfFile} from "../../harness/models/sha256-cache.js";
import type {ResultDocument} from "../../harness/results/schema.js";
import {stableForm} from "../../harness/run/diff.js";
import {resolveModels} from "../../harness/run/resolve-models.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import {MODELS, stories260K, testAssetRoots} from "../helpers/assets.js";
import {tempDir} from "../helpers/cli.js";

const entry = defaultSuite.models.find((ref) => typeof ref === "object" && "quantize" in ref)!;
const LEVELS = ["F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K"];

/** Asset roots of a machine with no asset folders: only the cache, holding the public file where its download lands. */
function bareMachine() {
    const cache = tempDir("bare-cache");
    const downloaded = path.join(cache, "models", "hf", "ggml-org", "models", "main", "tinyllamas");
    mkdirSync(downloaded, {recursive: true});
    copyFileSync(stories260K("F32"), path.join(downloaded, "stories260K.gguf"));
    return resolveAssetRoots({projectDir: tempDir("bare-project"), env: {SLMBENCH_CACHE: cache}});
}

const filesOf = (dir: string) => readdirSync(dir).sort().map((name) => {
    const {mtimeMs, ino} = statSync(path.join(dir, name));
    return {name, mtimeMs, ino};
});

let stderr: string[] = [];
const captureStderr = () => {
    stderr = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
};
afterEach(() => vi.restoreAllMocks());

describe("the default suite's stories260K ladder on a machine with only the public F32 file", () => {
    let assetRoots: ReturnType<typeof bareMachine>;
    let outDir: string;
    let suite: Suite;
    let first: ResultDocument[];
    let firstLog: string;
    let quantizedDir: string;

    beforeAll(async () => {
        assetRoots = bareMachine();
        outDir = tempDir("on-demand-out");
        suite = await parseSuite({
            name: "on-demand", models: [entry],
            tasks: [{type: "niah", lengths: [256], depths: [50], trialsPerCell: 1, maxNewTokens: 4, haystack: {type: "noise"}}]
        }, "quantized-ladder.test.ts");
        captureStderr();
        try {
            first = (await runSuite(suite, {outDir, assetRoots})).documents;
        } finally {
            firstLog = stderr.join("");
            vi.restoreAllMocks();
        }
        const folders = readdirSync(path.join(assetRoots.cacheDir, "quantized"));
        expect(folders).toHaveLength(1);
        quantizedDir = path.join(assetRoots.cacheDir, "quantized", folders[0]!);
    }, 300_000);

    it("quantizes every missing level into the cache, keyed by the source's sha256 and the llama.cpp build", async () => {
        expect(firstLog).toContain(`quantizing stories260K.gguf to ${LEVELS.join(", ")} into ${quantizedDir}`);
        const sourceSha = await sha256OfFile(stories260K("F32"));
        expect(path.basename(quantizedDir)).toMatch(new RegExp(`^${sourceSha.slice(0, 16)}-v\\d+\\.\\d+\\.\\d+$`));
        expect(filesOf(quantizedDir).map((f) => f.name)).toEqual(LEVELS.map((level) => `stories260K-${level}.gguf`).sort());
        // The same function of the same libllama made the shared ladder: the files are byte-identical.
        for (const level of LEVELS)
            expect(await sha256OfFile(path.join(quantizedDir, `stories260K-${level}.gguf`)), level).toBe(await sha256OfFile(stories260K(level)));
    });

    it("benchmarks the whole ladder against the source file as its reference", () => {
        expect(first).toHaveLength(10);
        const reference = first.find((d) => d.model.ladder.isReference)!;
        expect(reference.model).toMatchObject({fileName: "stories260K.gguf", quantLabel: "F32"});
        expect(first.map((d) => d.model.quantLabel).sort()).toEqual(["F32", ...LEVELS].sort());
        for (const document of first) {
            expect(document.model.ladder).toMatchObject({id: "stories260K", size: 10, referenceFile: "stories260K.gguf"});
            expect(document.counts).toMatchObject({planned: 1, ok: 1, error: 0});
            if (!document.model.ladder.isReference) expect(document.scores.vsReference, document.model.fileName).toBeDefined();
        }
    });

    it("a second run (resuming into the same folder) reuses the cached levels: nothing is quantized, the documents are the same", async () => {
        const before = filesOf(quantizedDir);
        captureStderr();
        let second: ResultDocument[];
        try {
            second = (await runSuite(suite, {outDir, assetRoots})).documents;
        } finally {
            vi.restoreAllMocks();
        }
        expect(stderr.join("")).not.toContain("quantizing");
        expect(filesOf(quantizedDir)).toEqual(before);
        expect(second!.map(stableForm).sort()).toEqual(first.map(stableForm).sort());
    }, 300_000);
});

describe("ladders on demand with asset roots, and bad specs", () => {
    it("uses the ladder beside the F32 file in an asset root as is, quantizing nothing", async () => {
        const assetRoots = testAssetRoots(tempDir("with-assets-cache"));
        const {models, unresolved} = await resolveModels([entry], {assetRoots, progress: false});
        expect(unresolved).toEqual([]);
        expect(models.map((m) => m.info.path).sort()).toEqual(["F32", ...LEVELS].map(stories260K).sort());
        expect(readdirSync(assetRoots.cacheDir)).not.toContain("quantized");
    });

    it("names the field and the valid types in a suite, and refuses sources that cannot be a ladder's reference", async () => {
        await expect(parseSuite({name: "bad", models: [{quantize: {from: stories260K("F32"), types: ["Q4_K_W"]}}], tasks: [{type: "niah"}]}, "bad.json"))
            .rejects.toThrow(/models\[0\]\.quantize\.types: unknown quantization type "Q4_K_W"\. Valid types: .*Q4_K_M/);
        await expect(parseSuite({name: "bad", models: [{quantize: {from: stories260K("F32")}}], tasks: [{type: "niah"}]}, "bad.json"))
            .rejects.toThrow(/models\[0\]\.quantize\.types/);
        const assetRoots = testAssetRoots(tempDir("bad-cache"));
        const messages = async (quantize: object) => (await resolveModels([{quantize}], {assetRoots, progress: false})).unresolved.map((u) => u.message);
        expect(await messages({from: stories260K("F16"), types: ["Q8_0", "F32"]})).toEqual([expect.stringMatching(/F32 is not below the source's precision \(stories260K-F16\.gguf is F16\)/)]);
        expect(await messages({from: stories260K("Q8_0"), types: ["Q4_0"]})).toEqual([expect.stringMatching(/is already quantized \(Q8_0.* an F32, F16 or BF16 file/)]);
        expect(await messages({from: path.join(MODELS, "stories260K"), types: ["Q4_0"]})).toEqual([expect.stringMatching(/quantize\.from must name one GGUF file; .* holds 10/)]);
        expect(readdirSync(assetRoots.cacheDir)).not.toContain("quantized");
    });
});
