// Bad inputs: each gets a clear error naming the file, field or model; the run goes on with the
// rest; result documents already written stay on disk. Model work uses the real tiny GGUF files
// of ../shared/assets (never copied into the repo: broken variants are made under os.tmpdir()).
import {copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {readGgufFileInfo} from "node-llama-cpp";
import {afterAll, describe, expect, it} from "vitest";
import {resolveAssetRoots} from "../../harness/assets/roots.js";
import {SuiteError} from "../../harness/config/suite.js";
import {loadSuiteFile, parseSuite} from "../../harness/run/suite.js";
import {resolveModels} from "../helpers/resolve.js";
import {readResultDocument} from "../../harness/results/write.js";
import {mergeRuns} from "../../harness/run/merge.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {PROJECT_DIR} from "../helpers/assets.js";
import {cliEnv, runCli as runCliProcess} from "../helpers/cli.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED_ASSETS = path.resolve(REPO, "../shared/assets");
const STORIES_F32 = path.join(SHARED_ASSETS, "models/stories260K/stories260K-F32.gguf");
const STORIES_Q8 = path.join(SHARED_ASSETS, "models/stories260K/stories260K-Q8_0.gguf");
const TINYSTORIES_F32 = path.join(SHARED_ASSETS, "models/tinystories-656k/TinyStories-656K-F32.gguf");
const TINYSTORIES_Q8 = path.join(SHARED_ASSETS, "models/tinystories-656k/TinyStories-656K-Q8_0.gguf");
const WNFT_Q2K = path.join(SHARED_ASSETS, "models/wnft-sif-256/wnft-sif-256-Q2_K.gguf");

/** Tiny NIAH: one length, two depths, four generated tokens. */
const tinyNiah = (id: string, haystack: unknown = {type: "noise"}) =>
    ({type: "niah", id, lengths: [256], depths: [0, 100], maxNewTokens: 4, haystack, mainScore: "lift"});

const madeDirs: string[] = [];
function tempDir(label: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), `slmbench-bad-input-${label}-`));
    madeDirs.push(dir);
    return dir;
}
afterAll(() => {
    for (const dir of madeDirs) rmSync(dir, {recursive: true, force: true});
});

/** Roots of an empty project: ../shared/assets and a private sha256 cache, nothing from the user's machine. */
function assetRoots() {
    return resolveAssetRoots({projectDir: tempDir("project"), env: {SLMBENCH_ASSETS: SHARED_ASSETS, SLMBENCH_CACHE: tempDir("cache")}});
}

/** The CLI with ../shared/assets and a private download cache. */
function runCli(args: string[]) {
    return runCliProcess(args, cliEnv({SLMBENCH_ASSETS: "../shared/assets"}));
}

describe("bad model files", () => {
    it("a missing path, a non-GGUF file and truncated GGUFs are named in errors; the good model still runs", async () => {
        const dir = tempDir("models");
        const missing = path.join(dir, "does-not-exist.gguf");
        const notGguf = path.join(dir, "notes.gguf");
        writeFileSync(notGguf, "These are notes, not a model.\n");
        const bytes = readFileSync(STORIES_F32);
        const truncated = path.join(dir, "stories260K-F32-first-half.gguf");
        writeFileSync(truncated, bytes.subarray(0, bytes.length / 2));
        const headerOnly = path.join(dir, "stories260K-F32-first-300-bytes.gguf");
        writeFileSync(headerOnly, bytes.subarray(0, 300));

        const suite = await parseSuite({
            name: "bad-models",
            models: [missing, notGguf, truncated, headerOnly, "no-such-asset", STORIES_Q8],
            tasks: [tinyNiah("niah-tiny")]
        }, "inline suite");
        const outDir = tempDir("out");
        const report = await runSuite(suite, {outDir, assetRoots: assetRoots(), quiet: true});

        expect(report.failures).toHaveLength(5);
        const failureFor = (name: string) => report.failures.find((failure) => failure.includes(name)) ?? `(no failure names ${name})`;
        expect(failureFor(missing)).toContain(`model path not found: ${missing}`);
        expect(failureFor(notGguf)).toMatch(/not a readable GGUF file \(Invalid GGUF magic/);
        expect(failureFor(truncated)).toContain(`${truncated}: truncated GGUF file: tensor data needs ${bytes.length} bytes, the file has ${bytes.length / 2}`);
        expect(failureFor(headerOnly)).toContain(`${headerOnly}: truncated GGUF file`);
        expect(failureFor("no-such-asset")).toMatch(/model path not found: no-such-asset .*SLMBENCH_ASSETS/);
        // An absolute path gets no "put it under models/" hint meant for asset names.
        expect(failureFor(missing)).not.toContain("models//");

        expect(report.complete).toBe(false);
        expect(report.documents.map((doc) => doc.model.fileName)).toEqual(["stories260K-Q8_0.gguf"]);
        expect(report.documents[0]!.counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        expect(report.documentFiles).toHaveLength(1);
        expect((await readResultDocument(report.documentFiles[0]!)).counts.ok).toBe(2);
    });

    it("every cell beyond the model's context is a warning with skipped trials, not a crash", async () => {
        const suite = await parseSuite({
            name: "too-long",
            models: [TINYSTORIES_F32], // training context 512 tokens
            tasks: [{...tinyNiah("niah-long"), lengths: [4096]}]
        }, "inline suite");
        const report = await runSuite(suite, {outDir: tempDir("out"), assetRoots: assetRoots(), quiet: true});

        expect(report.failures).toEqual([]);
        expect(report.complete).toBe(true); // skipped cells are not failures
        expect(report.documents).toHaveLength(1);
        const document = await readResultDocument(report.documentFiles[0]!);
        expect(document.model.contextLength).toBe(512);
        expect(document.warnings).toHaveLength(1);
        expect(document.warnings[0]).toContain("every cell of niah-long was skipped");
        expect(document.warnings[0]).toContain("length 4096 exceeds the model's training context (512 tokens)");
        expect(document.counts).toEqual({planned: 2, ok: 0, error: 0, skipped: 2});
        for (const trial of document.trials) {
            expect(trial.status).toBe("skipped");
            expect(trial.skipReason).toBe("length 4096 exceeds the model's training context (512 tokens)");
        }
        expect(document.scores.main).toBeNull();
        expect(document.modelError).toBeUndefined();
        expect(document.env.llamaCpp).toBe("unknown (model not loaded)"); // nothing to run: no model process started
        expect(document.performance).toBeUndefined();
    });
});

describe("invalid suites", () => {
    const badSuite = {
        name: "invalid",
        models: ["stories260K/stories260K-Q8_0.gguf"],
        tasks: [
            {type: "niah", id: "negative-length", lengths: [-256]},
            {type: "niah", id: "deep-needle", lengths: [256], depths: [0, 150]},
            {type: "no-such-task"}
        ]
    };

    it("lists each problem with its field path", async () => {
        const file = path.join(tempDir("suite"), "invalid.json");
        writeFileSync(file, JSON.stringify(badSuite));
        const error = await loadSuiteFile(file).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(SuiteError);
        const {issues, message} = error as SuiteError;
        expect(message).toContain(`invalid suite ${file}`);
        expect(issues).toHaveLength(3);
        expect(issues[0]).toMatch(/^tasks\[0\]\.lengths\[0\]: /);
        expect(issues[1]).toBe("tasks[1].depths[1]: depth must be at most 100 (%)");
        expect(issues[2]).toMatch(/^tasks\[2\]\.type: unknown task "no-such-task" \(known: .*niah/);

        const missingFile = path.join(tempDir("suite"), "missing.json");
        await expect(loadSuiteFile(missingFile)).rejects.toThrow(`invalid suite ${missingFile}:\n  - file not found`);
        const brokenJson = path.join(tempDir("suite"), "broken.json");
        writeFileSync(brokenJson, "{\"name\": ");
        await expect(loadSuiteFile(brokenJson)).rejects.toThrow(/not valid JSON/);
    });

    it("makes the CLI exit 2 before running anything", async () => {
        const dir = tempDir("suite");
        const file = path.join(dir, "invalid.json");
        writeFileSync(file, JSON.stringify(badSuite));
        const outDir = path.join(dir, "out");
        const cli = await runCli(["--suite", file, "--out", outDir, "--quiet"]);
        expect(cli.code, cli.stderr).toBe(2);
        expect(cli.stderr).toContain(`invalid suite ${file}`);
        expect(cli.stderr).toContain("tasks[0].lengths[0]");
        expect(cli.stderr).toContain("tasks[1].depths[1]: depth must be at most 100 (%)");
        expect(cli.stderr).toContain("tasks[2].type: unknown task \"no-such-task\"");
        expect(existsSync(outDir)).toBe(false);
    });
});

describe("bad haystack files", () => {
    it("missing, empty and untokenizable haystacks fail only their own task or model; the rest runs and is kept", async () => {
        const dir = tempDir("haystack");
        const missing = path.join(dir, "no-such-haystack.txt");
        const empty = path.join(dir, "empty-haystack.txt");
        writeFileSync(empty, "  \n\n");
        // '#' and '(' are outside TinyStories-656K's vocabulary: its tokenizer aborts the process (MANIFEST.md).
        const unsafe = path.join(dir, "unsafe-haystack.txt");
        writeFileSync(unsafe, "Item #1 is (almost) ready. The grass is green. The sky is blue. Room #2 is open.\n");
        const suite = await parseSuite({
            name: "bad-haystacks",
            models: [STORIES_Q8, TINYSTORIES_Q8],
            tasks: [
                tinyNiah("hay-missing", {type: "files", files: [missing]}),
                tinyNiah("hay-empty", {type: "files", files: [empty]}),
                tinyNiah("noise"),
                tinyNiah("hay-unsafe", {type: "files", files: [unsafe]})
            ]
        }, "inline suite");
        const report = await runSuite(suite, {outDir: tempDir("out"), assetRoots: assetRoots(), quiet: true});

        // Tasks whose file is missing or empty never start; the error names the file.
        expect(report.failures[0]).toMatch(new RegExp(`^task hay-missing: haystack file not found: ${missing}`));
        expect(report.failures[1]).toBe(`task hay-empty: haystack file is empty: ${empty}`);
        expect(report.documents.some((doc) => doc.task.id.startsWith("hay-missing") || doc.task.id === "hay-empty")).toBe(false);
        expect(report.complete).toBe(false);

        const doc = (model: string, task: string) => {
            const found = report.documents.find((d) => d.model.fileName === model && d.task.id === task);
            if (!found) throw new Error(`no result for ${model} ${task}`);
            return found;
        };
        // stories260K (byte-fallback tokenizer) runs both tasks; its documents are written before the next model starts.
        expect(doc("stories260K-Q8_0.gguf", "noise").counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        // No sentence of the short unsafe haystack fits beside the prompt: both depths give the same prompt, run once.
        expect(doc("stories260K-Q8_0.gguf", "hay-unsafe").counts).toEqual({planned: 2, ok: 1, error: 0, skipped: 1});
        expect(doc("stories260K-Q8_0.gguf", "hay-unsafe").trials.find((t) => t.status === "skipped")!.skipReason).toMatch(/^same prompt as depth \d+$/);

        // TinyStories-656K: the noise trials finished; each unsafe-haystack trial took its process down once
        // (maxCrashAttempts 2 per task in one run), and the run says which characters its tokenizer lacks.
        expect(doc("TinyStories-656K-Q8_0.gguf", "noise").counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        const aborted = doc("TinyStories-656K-Q8_0.gguf", "hay-unsafe");
        expect(aborted.counts).toMatchObject({planned: 2, ok: 0, error: 2});
        expect(aborted.modelError?.message).toMatch(/during trial \S+ \(hay-unsafe\)/);
        expect(aborted.modelError?.message).toContain("characters outside the model's vocabulary");
        expect(aborted.modelError?.message).toContain('"#" (U+0023), "(" (U+0028), ")" (U+0029)');
        expect(aborted.modelError?.trialId).toBeTruthy();
        expect(aborted.modelError?.signal).toBe("SIGABRT");
        expect(aborted.trials.map((t) => [t.error?.kind, t.error?.attempts])).toEqual([["model-process-aborted", 1], ["model-process-aborted", 1]]);
        expect(report.failures.some((f) => f.startsWith("model ") && f.includes("TinyStories-656K-Q8_0.gguf"))).toBe(true);

        // Every document reported is on disk.
        expect(report.documentFiles).toHaveLength(4);
        for (const file of report.documentFiles) await readResultDocument(file);
    });
});

describe("re-running after a failure", () => {
    it("keeps the result documents of the earlier run on disk, and resumes from its journal", async () => {
        const dir = tempDir("rerun");
        const modelFile = path.join(dir, "stories260K-Q8_0.gguf");
        copyFileSync(STORIES_Q8, modelFile);
        const suite = await parseSuite({name: "rerun", models: [modelFile], tasks: [tinyNiah("niah-tiny")]}, "inline suite");
        const outDir = path.join(dir, "out");
        const roots = assetRoots();

        const first = await runSuite(suite, {outDir, assetRoots: roots, quiet: true});
        expect(first.failures).toEqual([]);
        expect(first.documentFiles).toHaveLength(1);
        const documentFile = first.documentFiles[0]!;
        const written = readFileSync(documentFile, "utf8");
        expect(first.documents[0]!.counts.ok).toBe(2);

        // The model file breaks (cut in half): the second run fails on it and leaves the earlier document alone.
        const bytes = readFileSync(STORIES_Q8);
        writeFileSync(modelFile, bytes.subarray(0, bytes.length / 2));
        const second = await runSuite(suite, {outDir, assetRoots: roots, quiet: true});
        expect(second.runDir).toBe(first.runDir);
        expect(second.complete).toBe(false);
        expect(second.failures).toHaveLength(1);
        expect(second.failures[0]).toContain(`${modelFile}: truncated GGUF file`);
        expect(second.documents).toEqual([]);
        expect(readFileSync(documentFile, "utf8")).toBe(written);

        // Fixed again: the trials come from the journal (no model process), the document is whole.
        copyFileSync(STORIES_Q8, modelFile);
        const third = await runSuite(suite, {outDir, assetRoots: roots, quiet: true});
        expect(third.failures).toEqual([]);
        expect(third.complete).toBe(true);
        expect(third.documentFiles).toEqual([documentFile]);
        const resumed = await readResultDocument(documentFile);
        expect(resumed.trials).toEqual(first.documents[0]!.trials);
        // No model process this time: the measurements of the run that made the trials are kept (from the journal).
        expect(resumed.performance).toEqual(first.documents[0]!.performance);
        expect(resumed.env.llamaCpp).toBe(first.documents[0]!.env.llamaCpp);
    });
});


/** A copy of a real GGUF file whose header stays valid and whose tensor data is seeded random bytes. */
async function garbageTensorModel(source: string, file: string, seed = 12345): Promise<void> {
    const info = await readGgufFileInfo(source, {readTensorInfo: true, logWarnings: false});
    const dataStart = Math.min(...info.fullTensorInfo!.map((tensor) => Number(tensor.fileOffset)));
    const bytes = readFileSync(source);
    let state = seed >>> 0;
    for (let i = dataStart; i < bytes.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        bytes[i] = state >>> 24;
    }
    writeFileSync(file, bytes);
}

describe("a model whose tensors are garbage", () => {
    it("gives trial errors of kind \"non-finite score\"; its document is written, the next model runs, exit 1, and a rerun never turns NaN into a score", async () => {
        const dir = tempDir("garbage");
        const garbage = path.join(dir, "garbage-Q8_0.gguf");
        await garbageTensorModel(STORIES_Q8, garbage);
        expect(readFileSync(garbage).length - 300_000).toBeGreaterThan(0);
        const suite = path.join(dir, "suite.json");
        writeFileSync(suite, JSON.stringify({name: "garbage", models: [garbage, TINYSTORIES_Q8], tasks: [tinyNiah("niah-lift")]}));
        const out = path.join(dir, "out");

        for (const round of [1, 2]) {
            const cli = await runCli(["--suite", suite, "--out", out]);
            expect(cli.code, cli.stderr).toBe(1);
            expect(cli.stderr).not.toMatch(/ZodError|expected number, received NaN|\n\s+at /);
            expect(cli.stdout).toContain("2 result documents");
            expect(cli.stderr).toMatch(/niah-lift on garbage\/garbage-Q8_0\.gguf: 2 of 2 trials failed \(non-finite score: the model computed NaN or an infinite value: .*lift = NaN/);
            const runDir = path.join(out, readdirSync(out).find((name) => name.startsWith("garbage-"))!);
            const bad = await readResultDocument(path.join(runDir, "niah-lift", "garbage", "garbage-Q8_0.json"));
            expect(bad.counts, `round ${round}`).toEqual({planned: 2, ok: 0, error: 2, skipped: 0});
            expect(bad.trials.map((t) => t.error?.kind)).toEqual(["non-finite score", "non-finite score"]);
            expect(bad.scores.main).toBeNull();
            const good = await readResultDocument(path.join(runDir, "niah-lift", "TinyStories-656K", "TinyStories-656K-Q8_0.json"));
            expect(good.counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
            expect(Number.isFinite(good.scores.main)).toBe(true);
            // The journal holds the good trials and the errors: no garbage trial recorded as ok.
            const journal = readFileSync(path.join(runDir, "journal.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
            const garbageRecords = journal.filter((entry) => entry.record && entry.key.modelSha256 === bad.model.sha256).map((entry) => entry.record.status);
            expect(garbageRecords).toEqual(Array(2 * round).fill("error"));
        }
    });
});

describe("haystacks that are not text or have no sentences", () => {
    it("are refused at validation naming the file; a haystack with fewer sentences than depths runs with a warning", async () => {
        const dir = tempDir("haystack-kinds");
        const binary = path.join(dir, "binary.txt");
        writeFileSync(binary, readFileSync(STORIES_Q8).subarray(0, 4096));
        const runOn = path.join(dir, "run-on.txt");
        writeFileSync(runOn, "the grass is green and the sky is blue and the sun is yellow ".repeat(50));
        const short = path.join(dir, "two-sentences.txt");
        writeFileSync(short, "The grass is green. The sky is blue.\n");
        const suite = await parseSuite({
            name: "haystack-kinds",
            models: [STORIES_Q8],
            tasks: [
                tinyNiah("hay-binary", {type: "files", files: [binary]}),
                tinyNiah("hay-run-on", {type: "files", files: [runOn]}),
                {...tinyNiah("hay-short", {type: "files", files: [short]}), depths: [0, 25, 50, 75, 100]}
            ]
        }, "inline suite");
        const out = tempDir("out");
        const report = await runSuite(suite, {outDir: out, assetRoots: assetRoots(), quiet: true});
        expect(report.failures).toEqual([
            `task hay-binary: haystack file is not text (it holds NUL bytes: binary data?): ${binary}`,
            expect.stringMatching(new RegExp(`^task hay-run-on: no sentence boundary found in haystack file ${runOn} `))
        ]);
        expect(report.documents.map((d) => d.task.id)).toEqual(["hay-short"]);
        expect(report.documents[0]!.warnings).toContain(
            `haystack ${short} has 2 sentences, fewer than the 5 depths asked: it repeats to fill each length, and depths that fall on the same sentence boundary get the same prompt`);
        // Depths that land on one sentence boundary share a prompt: run once, the others skipped as the same prompt.
        expect(report.documents[0]!.counts).toMatchObject({planned: 5, error: 0});
        expect(report.documents[0]!.counts.ok).toBeGreaterThan(0);
        const errors = JSON.parse(readFileSync(report.errorsFile!, "utf8"));
        expect(errors.tasks.map((t: {id: string}) => t.id)).toEqual(["hay-binary", "hay-run-on"]);
        // The validation's warning is kept with the config, so merge (which does not validate) keeps it too.
        const merged = await mergeRuns([out], tempDir("merged"), {assetRoots: assetRoots()});
        expect(merged.documents[0]!.task.configWarnings).toEqual([expect.stringMatching(/^haystack .* has 2 sentences, fewer than the 5 depths asked/)]);
        expect(merged.documents[0]!.warnings).toEqual(report.documents[0]!.warnings);
    });
});

describe("inputs that cannot run, and inputs cut to fit", () => {
    it("a 10 MB line, a two-pair dataset, a zero-byte .gguf and unresolvable models: short errors by name, errors.json; a long sentence is counted as truncated", async () => {
        const dir = tempDir("unrunnable");
        const huge = path.join(dir, "huge-line.tsv");
        writeFileSync(huge, `sentence1\tsentence2\tscore\nA cat.\tA dog.\t${"9".repeat(10_000_000)}x\n`);
        const hugeJsonl = path.join(dir, "huge-line.jsonl");
        writeFileSync(hugeJsonl, `{"sentence1": "a", "sentence2": "b", "score": 1}\n${"x".repeat(10_000_000)}\n`);
        const twoPairs = path.join(dir, "two-pairs.tsv");
        writeFileSync(twoPairs, "sentence1\tsentence2\tscore\nA cat sits.\tA cat is sitting.\t4.5\nA man runs.\tThe sky is blue.\t0.2\n");
        const long = path.join(dir, "long.tsv");
        const longSentence = Array.from({length: 700}, (_, i) => `word${i}`).join(" ") + ".";
        writeFileSync(long, "sentence1\tsentence2\tscore\n" + [
            ["A cat sits on the mat.", "A cat is sitting on a mat.", 4.6],
            ["A man is playing a guitar.", "A woman is slicing an onion.", 0.4],
            ["Kids play in the park.", "Children are playing outside.", 3.9],
            [longSentence, "A very long list of words.", 1.0]
        ].map((row) => row.join("\t")).join("\n") + "\n");
        const empty = path.join(dir, "empty-Q8_0.gguf");
        writeFileSync(empty, "");
        const sts = (id: string, file: string) => ({type: "sts", id, dataset: {type: "file", file, scoreRange: [0, 10_000_000_000]}});
        const suite = path.join(dir, "suite.json");
        writeFileSync(suite, JSON.stringify({
            name: "unrunnable",
            models: [empty, path.join(dir, "missing.gguf"), "hf:nobody/none/model-Q8_0.gguf", WNFT_Q2K, "builtin:jaccard"],
            tasks: [sts("sts-huge", huge), sts("sts-huge-jsonl", hugeJsonl), sts("sts-two", twoPairs), sts("sts-long", long)]
        }));
        const out = path.join(dir, "out");
        const cli = await runCliProcess(["--suite", suite, "--out", out], cliEnv({SLMBENCH_ASSETS: "../shared/assets", HF_ENDPOINT: "http://127.0.0.1:9/"}));
        expect(cli.code, cli.stderr.slice(0, 2000)).toBe(1);
        expect(cli.stderr.length + cli.stdout.length).toBeLessThan(20_000);
        expect(cli.stderr).not.toContain("\u0000");
        expect(cli.stderr).toContain(`${huge}:2: score "${"9".repeat(200)}"... (9999801 more characters) is not a number`);
        expect(cli.stderr).toMatch(new RegExp(`${hugeJsonl}:2: not valid JSON`));
        expect(cli.stderr).toContain(`task sts-two: ${twoPairs}: 2 pairs; Spearman and Pearson need at least 3`);
        expect(cli.stderr).toContain(`${empty}: empty file (0 bytes): not a GGUF model`);
        expect(cli.stderr).toMatch(/download of hf:nobody\/none\/model-Q8_0\.gguf failed: cannot reach http:\/\/127\.0\.0\.1:9\//);

        // errors.json names what has no document: three models, three tasks.
        const runDir = path.join(out, readdirSync(out)[0]!);
        const errors = JSON.parse(readFileSync(path.join(runDir, "errors.json"), "utf8"));
        expect(errors.kind).toBe("slmbench.run-errors");
        expect(errors.models.map((m: {source: string}) => m.source)).toEqual(expect.arrayContaining([empty, path.join(dir, "missing.gguf"), "hf:nobody/none/model-Q8_0.gguf"]));
        expect(errors.models).toHaveLength(3);
        expect(errors.tasks.map((t: {id: string}) => t.id)).toEqual(["sts-huge", "sts-huge-jsonl", "sts-two"]);
        expect(cli.stderr).toContain(`and in ${path.relative(PROJECT_DIR, path.join(runDir, "errors.json"))}`);

        // The long sentence: cut to the embedding context, counted and warned about (the lexical baseline cuts nothing and cannot say).
        const wnft = await readResultDocument(path.join(runDir, "sts-long", "wnft-sif-d256", "wnft-sif-256-Q2_K.json"));
        expect(wnft.counts.ok).toBe(1);
        expect(wnft.scores.truncatedInputs).toBe(1);
        expect(wnft.warnings).toContain("1 sentence was longer than the model's embedding context and cut to fit before embedding (scores.truncatedInputs)");
        expect(cli.stderr).toContain("warning: sts-long on wnft-sif-d256/wnft-sif-256-Q2_K.gguf: 1 sentence was longer than the model's embedding context");
        const jaccard = (await readResultDocument(path.join(runDir, "sts-long", "builtin-jaccard", "jaccard.json")));
        expect(jaccard.scores.truncatedInputs).toBeUndefined();
    });
});
