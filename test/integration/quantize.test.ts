// `npm run quantize`: llama_model_quantize() of node-llama-cpp's prebuilt libllama through koffi.
// Rebuilds files of ../shared/assets/models from their F32/F16 sources and compares them byte for
// byte (the MANIFEST's files were made with the same function of the same library, one thread, no
// imatrix). Outputs go to os.tmpdir(); the shared files are only read.
import {spawn} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import os from "node:os";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {getLlama, LlamaLogLevel, readGgufFileInfo} from "node-llama-cpp";
import {afterAll, describe, expect, it} from "vitest";
import {readGgufFacts} from "../../harness/models/gguf-info.js";
import {ladderFileName, planLadder, quantizeLadder} from "../../harness/providers/local-gguf/quantize/quantize.js";
import {QuantizeUsageError} from "../../harness/providers/local-gguf/quantize/types.js";
import {MODELS, PROJECT_DIR, stories260K, tinyStories} from "../helpers/assets.js";

const wnft = (quant: string) => path.join(MODELS, "wnft-sif-256", `wnft-sif-256-${quant}.gguf`);

const madeDirs: string[] = [];
function tempDir(label: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), `slmbench-quantize-${label}-`));
    madeDirs.push(dir);
    return dir;
}
afterAll(() => {
    for (const dir of madeDirs) rmSync(dir, {recursive: true, force: true});
});

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** tsx by absolute URL, so the CLI can run from any working directory. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The quantize CLI as one node process (what `npm run quantize --` runs). */
function runQuantizeCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}) {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, path.join(PROJECT_DIR, "harness/quantize/cli.ts"), ...args], {
        cwd: options.cwd ?? PROJECT_DIR,
        env: {...process.env, ...options.env},
        stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    return new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) =>
        child.on("close", (code) => resolve({code, stdout, stderr})));
}

describe("ladder rebuilt from the shared F32 files is byte-identical", () => {
    it("TinyStories-656K Q8_0 and Q4_K_M: same bytes, llama.cpp's own tensor types, loads in node-llama-cpp", async () => {
        const out = tempDir("tinystories");
        const started: string[] = [];
        let tensorEvents = 0;
        const {results} = await quantizeLadder({input: tinyStories("F32"), types: "Q8_0,Q4_K_M", outDir: out, threads: 1}, {
            onStart: (step) => started.push(step.type.name),
            onTensor: () => tensorEvents++
        });
        expect(started).toEqual(["Q8_0", "Q4_K_M"]);
        expect(results[0]!.libllama).toMatchObject({release: "v0.4.0", path: expect.stringMatching(/@node-llama-cpp\/[^/]+\/bins\/.*llama/)});
        expect(tensorEvents).toBe(2 * 20); // llama.cpp logs "[ i/20]" once per tensor
        for (const result of results) {
            expect(result.ok, result.error).toBe(true);
            expect(path.basename(result.output)).toBe(`TinyStories-656K-${result.type}.gguf`);
            expect(sha256(result.output)).toBe(sha256(tinyStories(result.type)));
            expect(result.bytes).toBe(statSync(tinyStories(result.type)).size);

            const facts = await readGgufFacts(result.output);
            const shared = await readGgufFacts(tinyStories(result.type));
            expect(facts.tensorTypes).toEqual(shared.tensorTypes);
            expect(facts.quantLabel).toBe(result.type);
            expect(result.tensorTypes).toEqual(facts.tensorTypes);
        }
        // Width 128 is no multiple of 256: the "K-quant" file holds legacy types only.
        const q4km = results.find((result) => result.type === "Q4_K_M")!;
        expect(Object.keys(q4km.tensorTypes!).sort()).toEqual(["F32", "Q5_0", "Q8_0"]);

        const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
        const model = await llama.loadModel({modelPath: q4km.output, gpuLayers: 0});
        try {
            expect(model.fileInfo.metadata.general.name).toBe("TinyStories-656K");
            expect(model.tokenize("Once upon a time").length).toBeGreaterThan(0);
        } finally {
            await model.dispose();
        }
    });

    it("stories260K Q4_0 through the CLI: same bytes, one result line, exit 0", async () => {
        const out = tempDir("stories");
        const run = await runQuantizeCli([stories260K("F32"), "--types", "q4_0", "--out", out, "--threads", "1"]);
        expect(run.code, run.stderr).toBe(0);
        const output = path.join(out, "stories260K-Q4_0.gguf");
        expect(sha256(output)).toBe(sha256(stories260K("Q4_0")));
        expect(run.stdout).toMatch(/^Q4_0 +ok .*stories260K-Q4_0\.gguf {2}\[Q4_0 x\d+, /m);
        expect(run.stderr).toContain("1 of 1 types written");
        // stories260K's 172-wide ffn_down cannot be Q4_0: llama.cpp keeps it F16, as in the shared file.
        expect((await readGgufFacts(output)).tensorTypes).toEqual((await readGgufFacts(stories260K("Q4_0"))).tensorTypes);
    });
});

/** IEEE half -> number. */
function halfToNumber(bits: number): number {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 31) return mantissa ? NaN : sign * Infinity;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

async function tensorLayout(file: string) {
    const info = await readGgufFileInfo(file, {readTensorInfo: true, logWarnings: false});
    const tensors = info.fullTensorInfo!.map((tensor) => ({name: tensor.name, type: tensor.ggmlType, start: Number(tensor.fileOffset)}))
        .sort((a, b) => a.start - b.start);
    const size = statSync(file).size;
    return tensors.map((tensor, index) => ({...tensor, end: tensors[index + 1]?.start ?? size}));
}

describe("wnft-sif-256 (no F32 shipped): rebuilt from F16 with the token embedding forced", () => {
    it("Q4_0: same layout and metadata as the shared file; token_embd within one quantization step", async () => {
        const out = tempDir("wnft");
        const {results: [result]} = await quantizeLadder({input: wnft("F16"), types: ["Q4_0"], tokenEmbeddingType: "q4_0", outDir: out, threads: 1});
        expect(result!.ok, result!.error).toBe(true);
        const ours = readFileSync(result!.output);
        const shared = readFileSync(wnft("Q4_0"));
        // Same bytes as llama.cpp's own llama-quantize (tools/quantize of the bundled v0.4.0 source, linked against
        // the same prebuilt libllama) gives for `--token-embedding-type q4_0 wnft-sif-256-F16.gguf out.gguf Q4_0 1`.
        expect(sha256(result!.output)).toBe("fead04f30c314c9d844bd4140fa71cfa51f95f3365155f15644e6e297a7421cd");

        // Not byte-identical to the shared Q4_0: the MANIFEST's levels were made from the F32 original, which is not
        // shipped (F16 holds it rounded). Everything but token_embd's quantized values is the same.
        expect(ours.length).toBe(shared.length);
        const layout = await tensorLayout(result!.output);
        expect(layout).toEqual(await tensorLayout(wnft("Q4_0")));
        expect(ours.subarray(0, layout[0]!.start).equals(shared.subarray(0, layout[0]!.start))).toBe(true); // header + metadata
        const differing = layout.filter((tensor) => !ours.subarray(tensor.start, tensor.end).equals(shared.subarray(tensor.start, tensor.end)));
        expect(differing.map((tensor) => tensor.name).every((name) => name === "token_embd.weight")).toBe(true);
        const tokenEmbd = layout.find((tensor) => tensor.name === "token_embd.weight")!;
        expect(tokenEmbd.type).toBe(2); // GGML_TYPE_Q4_0, as forced (llama.cpp alone would pick Q6_K/Q8_0 here)

        // Q4_0 blocks: fp16 scale d + 32 4-bit values, x = d * (q - 8). Where inputs round differently (F16 vs F32
        // source), a value moves by at most one step, plus what a scale one fp16 ulp apart makes of it.
        let differingBlocks = 0;
        let worst = 0;
        const blocks = (tokenEmbd.end - tokenEmbd.start) / 18;
        for (let block = 0; block < blocks; block++) {
            const at = tokenEmbd.start + block * 18;
            if (ours.subarray(at, at + 18).equals(shared.subarray(at, at + 18))) continue;
            differingBlocks++;
            const dOurs = halfToNumber(ours.readUInt16LE(at));
            const dShared = halfToNumber(shared.readUInt16LE(at));
            const bound = Math.max(Math.abs(dOurs), Math.abs(dShared)) + 8 * Math.abs(dOurs - dShared);
            for (let j = 0; j < 32; j++) {
                const nibble = (buffer: Buffer) => (j < 16 ? buffer[at + 2 + j]! & 0x0f : buffer[at + 2 + j - 16]! >> 4) - 8;
                const diff = Math.abs(dOurs * nibble(ours) - dShared * nibble(shared));
                worst = Math.max(worst, diff / bound);
            }
        }
        expect(differingBlocks / blocks).toBeLessThan(0.02); // measured: 0.5% of the blocks
        expect(worst).toBeLessThanOrEqual(1 + 1e-9);
        expect((await readGgufFacts(result!.output)).tensorTypes).toEqual((await readGgufFacts(wnft("Q4_0"))).tensorTypes);
    });
});

// ---- importance matrices ------------------------------------------------------------------------

/** One deterministic importance value per column of every 2-D weight but token_embd (what llama-imatrix records). */
async function syntheticImatrix(model: string) {
    const info = await readGgufFileInfo(model, {readTensorInfo: true, logWarnings: false});
    return info.fullTensorInfo!
        .filter((tensor) => tensor.dimensions.length >= 2 && tensor.name !== "token_embd.weight")
        .map((tensor, k) => ({
            name: tensor.name,
            values: Float32Array.from({length: Number(tensor.dimensions[0])}, (_, i) => 0.25 + ((i * 37 + k * 101) % 97) / 8)
        }));
}

/** GGUF imatrix as llama-imatrix writes it: `<name>.in_sum2` [ncols, 1] and `<name>.counts` [1, 1], F32. */
function writeGgufImatrix(file: string, entries: {name: string; values: Float32Array}[], count: number) {
    const parts: Buffer[] = [];
    const u32 = (value: number) => {
        const buffer = Buffer.alloc(4);
        buffer.writeUInt32LE(value);
        parts.push(buffer);
    };
    const u64 = (value: number) => {
        const buffer = Buffer.alloc(8);
        buffer.writeBigUInt64LE(BigInt(value));
        parts.push(buffer);
    };
    const str = (text: string) => {
        u64(Buffer.byteLength(text));
        parts.push(Buffer.from(text));
    };
    const tensors = entries.flatMap(({name, values}) => [
        {name: `${name}.in_sum2`, dims: [values.length, 1], data: values.map((value) => value * count)},
        {name: `${name}.counts`, dims: [1, 1], data: Float32Array.of(count)}
    ]);
    parts.push(Buffer.from("GGUF"));
    u32(3);
    u64(tensors.length);
    u64(3);
    str("imatrix.datasets"); u32(9); u32(8); u64(1); str("slmbench-test.txt");
    str("imatrix.chunk_count"); u32(4); u32(4);
    str("imatrix.chunk_size"); u32(4); u32(512);
    const align = (n: number) => Math.ceil(n / 32) * 32;
    let offset = 0;
    for (const tensor of tensors) {
        str(tensor.name);
        u32(tensor.dims.length);
        for (const dim of tensor.dims) u64(dim);
        u32(0); // GGML_TYPE_F32
        u64(offset);
        offset += align(tensor.data.length * 4);
    }
    let header = Buffer.concat(parts);
    header = Buffer.concat([header, Buffer.alloc(align(header.length) - header.length)]);
    const data = Buffer.alloc(offset);
    offset = 0;
    for (const tensor of tensors) {
        Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(data, offset);
        offset += align(tensor.data.length * 4);
    }
    writeFileSync(file, Buffer.concat([header, data]));
}

/** Legacy imatrix (.dat): int32 n; n x {int32 len, name, int32 ncall, int32 nval, float sums[]}; int32 chunks, int32 len, dataset. */
function writeLegacyImatrix(file: string, entries: {name: string; values: Float32Array}[], ncall: number) {
    const parts: Buffer[] = [];
    const i32 = (value: number) => {
        const buffer = Buffer.alloc(4);
        buffer.writeInt32LE(value);
        parts.push(buffer);
    };
    i32(entries.length);
    for (const {name, values} of entries) {
        i32(Buffer.byteLength(name));
        parts.push(Buffer.from(name));
        i32(ncall);
        i32(values.length);
        const sums = values.map((value) => value * ncall);
        parts.push(Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength));
    }
    i32(6);
    i32(Buffer.byteLength("slmbench-legacy.txt"));
    parts.push(Buffer.from("slmbench-legacy.txt"));
    writeFileSync(file, Buffer.concat(parts));
}

describe("--imatrix", () => {
    it("GGUF and legacy imatrix files give llama-quantize's bytes (data and quantize.imatrix.* metadata)", async () => {
        const dir = tempDir("imatrix");
        const entries = await syntheticImatrix(tinyStories("F32"));
        writeGgufImatrix(path.join(dir, "imatrix.gguf"), entries, 64);
        writeLegacyImatrix(path.join(dir, "imatrix.dat"), entries, 10);
        // Run from `dir` with relative names: the name as given goes into the output's metadata, as in llama-quantize.
        const [fromGguf, fromLegacy] = await Promise.all(["gguf", "dat"].map((kind) =>
            runQuantizeCli([tinyStories("F32"), "--types", "Q4_K_M", "--out", kind, "--imatrix", `imatrix.${kind}`, "--threads", "1"], {cwd: dir})));
        expect(fromGguf!.code, fromGguf!.stderr).toBe(0);
        expect(fromLegacy!.code, fromLegacy!.stderr).toBe(0);
        expect(fromGguf!.stderr).toContain("imatrix imatrix.gguf (14 entries)");
        const outputOf = (kind: string) => path.join(dir, kind, "TinyStories-656K-Q4_K_M.gguf");
        // Expected: `llama-quantize --imatrix imatrix.<kind> TinyStories-656K-F32.gguf out.gguf Q4_K_M 1`, run in `dir`, with
        // tools/quantize of the bundled v0.4.0 source linked against node-llama-cpp's prebuilt libllama and libllama-common.
        expect(sha256(outputOf("gguf"))).toBe(EXPECTED_IMATRIX_SHA256.gguf);
        expect(sha256(outputOf("dat"))).toBe(EXPECTED_IMATRIX_SHA256.dat);
        expect(sha256(outputOf("gguf"))).not.toBe(sha256(tinyStories("Q4_K_M"))); // the imatrix changed the weights

        const info = await readGgufFileInfo(outputOf("gguf"), {logWarnings: false});
        const quantizeKeys = (info.metadata as Record<string, any>).quantize.imatrix;
        expect(quantizeKeys).toEqual({file: "imatrix.gguf", dataset: "slmbench-test.txt", entries_count: 14, chunks_count: 4});
    });

    it("an unreadable imatrix is a usage error", async () => {
        const dir = tempDir("bad-imatrix");
        writeFileSync(path.join(dir, "broken.gguf"), "GGUF\x03\x00\x00\x00");
        await expect(planLadder({input: tinyStories("F32"), types: "Q8_0", outDir: dir, imatrix: path.join(dir, "broken.gguf")}))
            .rejects.toThrow(/broken\.gguf: bad GGUF imatrix file/);
        await expect(planLadder({input: tinyStories("F32"), types: "Q8_0", outDir: dir, imatrix: path.join(dir, "missing.dat")}))
            .rejects.toThrow(/missing\.dat: cannot read the imatrix file \(ENOENT\)/);
    });
});

const EXPECTED_IMATRIX_SHA256 = {
    gguf: "53dba79a3ca3cf7665681c40b3ac3e0c0716578d04142fcd30b8289e6b2ab103",
    dat: "c7d32e7919fe6b6106fce59ed7cab7d47bae3ed4d2885134455a3761b33c0f66"
};

// ---- errors -------------------------------------------------------------------------------------

describe("errors", () => {
    it("unknown type: exit 2, the valid types listed, nothing written", async () => {
        const out = tempDir("unknown");
        const run = await runQuantizeCli([tinyStories("F32"), "--types", "Q8_0,Q4_K_X", "--out", out]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/unknown quantization type "Q4_K_X"\. Valid types: F32, F16, BF16, Q8_0, Q6_K, Q5_K_M, .*Q4_K_M.*Q2_K/);
        expect(run.stdout).toBe("");
        expect(readdirSync(out)).toEqual([]);
        await expect(planLadder({input: tinyStories("F32"), types: "Q8_0", outDir: out, tokenEmbeddingType: "Q4_K_M"}))
            .rejects.toThrow(/unknown tensor type "Q4_K_M" for --token-embedding-type\. Valid types: F32, F16, Q4_0/);
    });

    it("a quantized input is refused (tensor types read from the file)", async () => {
        const error = await planLadder({input: tinyStories("Q8_0"), types: "Q4_0", outDir: tempDir("requant")}).catch((e) => e);
        expect(error).toBeInstanceOf(QuantizeUsageError);
        expect(error.message).toMatch(/TinyStories-656K-Q8_0\.gguf: input is already quantized \(file type Q8_0; tensors Q8_0 x15\): quantize from an F32, F16 or BF16 GGUF file/);
        await expect(planLadder({input: path.join(tempDir("missing"), "nope-F32.gguf"), types: "Q4_0"}))
            .rejects.toThrow(/nope-F32\.gguf: file not found/);
    });

    it("existing outputs are refused unless --force; the input itself is never overwritten", async () => {
        const out = tempDir("exists");
        const existing = path.join(out, "stories260K-Q8_0.gguf");
        writeFileSync(existing, "not a model");
        await expect(planLadder({input: stories260K("F32"), types: "Q4_0,Q8_0", outDir: out}))
            .rejects.toThrow(`output already exists: ${existing} (pass --force to overwrite)`);
        expect(readFileSync(existing, "utf8")).toBe("not a model");

        const {results} = await quantizeLadder({input: stories260K("F32"), types: "Q8_0", outDir: out, threads: 1, force: true});
        expect(results[0]!.ok, results[0]!.error).toBe(true);
        expect(sha256(existing)).toBe(sha256(stories260K("Q8_0")));

        await expect(planLadder({input: stories260K("F32"), types: "F32", force: true}))
            .rejects.toThrow(/F32: the output would be the input file itself/);
    });

    it("a type that fails in llama.cpp or aborts its process is reported; the other types are written; exit 1", async () => {
        const out = tempDir("failures");
        // Width 256 makes IQ2_XXS real on wnft-sif-256, and llama.cpp refuses it without an imatrix (returns 1).
        const wnftRun = await quantizeLadder({input: wnft("F16"), types: "IQ2_XXS", outDir: out, threads: 1});
        expect(wnftRun.results[0]).toMatchObject({ok: false, error: "llama_model_quantize returned 1: this quantization requires an imatrix!"});

        // A native abort (stand-in: the child's test hook calls abort()) takes down that child only.
        const run = await runQuantizeCli([stories260K("F32"), "--types", "Q8_0,Q4_0,Q5_0", "--out", out, "--threads", "1"],
            {env: {SLMBENCH_QUANTIZE_TEST_ABORT: "Q4_0"}});
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(/^Q4_0 +FAILED +quantize process killed by SIGABRT \(llama\.cpp aborted\)/m);
        expect(run.stderr).toContain("2 of 3 types written");
        expect(sha256(path.join(out, "stories260K-Q8_0.gguf"))).toBe(sha256(stories260K("Q8_0")));
        expect(sha256(path.join(out, "stories260K-Q5_0.gguf"))).toBe(sha256(stories260K("Q5_0")));
        expect(readdirSync(out).sort()).toEqual(["stories260K-Q5_0.gguf", "stories260K-Q8_0.gguf"]); // no partial files left
    });
});

describe("planLadder", () => {
    it("accepts llama-quantize's aliases, drops repeats, and resolves --token-embedding-type match per level", async () => {
        const plan = await planLadder({input: wnft("F16"), types: "q8_0, Q4_K, Q4_K_M,Q2_K", outDir: tempDir("plan"), tokenEmbeddingType: "match"});
        expect(plan.steps.map((step) => [step.type.name, step.tokenEmbeddingType?.name, path.basename(step.output)])).toEqual([
            ["Q8_0", "Q8_0", "wnft-sif-256-Q8_0.gguf"],
            ["Q4_K_M", "Q4_K", "wnft-sif-256-Q4_K_M.gguf"],
            ["Q2_K", "Q2_K", "wnft-sif-256-Q2_K.gguf"]
        ]);
        expect(plan.inputFacts.quantLabel).toBe("F16");
    });
});

describe("ladderFileName", () => {
    it("replaces the quantization label of the input's name", () => {
        expect(ladderFileName("TinyStories-656K-F32.gguf", "Q4_K_M")).toBe("TinyStories-656K-Q4_K_M.gguf");
        expect(ladderFileName("stories260K-F32.gguf", "Q2_K")).toBe("stories260K-Q2_K.gguf");
        expect(ladderFileName("model.f16.gguf", "Q8_0")).toBe("model.Q8_0.gguf");
        expect(ladderFileName("llama-bf16-instruct.gguf", "Q6_K")).toBe("llama-Q6_K-instruct.gguf");
        expect(ladderFileName("stories260K.gguf", "Q4_0")).toBe("stories260K-Q4_0.gguf");
    });
});
