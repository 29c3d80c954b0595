import {mkdirSync, readdirSync} from "node:fs";
import path from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {readResultDocument} from "../../harness/results/write.js";
import {tinyStories} from "../helpers/assets.js";
import {runCli, tempDir, writeSuite} from "../helpers/cli.js";

describe("npm run bench -- recommend", () => {
    let results: string;
    beforeAll(async () => {
        // A tiny real run, so the documents carry the memory facts of this slmbench.
        results = tempDir("recommend");
        const suite = writeSuite({
            name: "recommend-cli",
            models: [tinyStories("F32"), tinyStories("Q4_0")],
            tasks: [{type: "niah", id: "niah-tiny", lengths: [256], depths: [50], maxNewTokens: 4, haystack: {type: "noise"}}]
        });
        const run = await runCli(["--suite", suite, "--out", results, "--threads", "1", "--quiet"]);
        expect(run.code, run.stderr).toBe(0);
    }, 300_000);

    it("records memory facts in the run's documents", async () => {
        const files = readdirSync(results, {recursive: true, encoding: "utf8"}).filter((f) => f.endsWith(".json"));
        expect(files).toHaveLength(2);
        for (const file of files) {
            const document = await readResultDocument(path.join(results, file));
            // TinyStories-656K: 2 layers x (4 KV heads x 16 + 4 x 16) x 2 bytes.
            expect(document.model.memory).toEqual({kvBytesPerToken: 512, overheadBytes: expect.any(Number)});
        }
    });

    it("prints the best fit, the Pareto front and each file's verdict against its reference", async () => {
        const result = await runCli(["recommend", "--memory", "1GiB", "--context", "512", "--results", results]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/Budget 1\.0 GiB at a context of 512 tokens/);
        expect(result.stdout).toMatch(/niah-tiny \(niah\): stringMatch, higher is better/);
        expect(result.stdout).toMatch(/best that fits: TinyStories-656K\/TinyStories-656K-(F32|Q4_0)\.gguf/);
        expect(result.stdout).toMatch(/Pareto front/);
        // One trial: one (length, trial) group, no interval, so no verdict but "inconclusive"; never "as good as".
        expect(result.stdout).toMatch(/TinyStories-656K \(reference F32, stringMatch \d+\.\d+\):/);
        expect(result.stdout).toMatch(/\* Q4_0 {2}stringMatch [\d.]+, ~[\d.]+ MiB {2}Δ [-+][\d.]+ over 1 clusters \(length, trial\): no interval \(it needs 2 or more\) {2}inconclusive/);
        expect(result.stdout).toMatch(/equivalent: inside ±5; better/);
        expect(result.stdout).not.toMatch(/as good as/);
        const margin = await runCli(["recommend", "--memory", "1GiB", "--context", "512", "--results", results, "--margin", "niah=7.5"]);
        expect(margin.stdout).toMatch(/equivalent: inside ±7\.5; better/);
        const within = await runCli(["recommend", "--memory", "1GiB", "--results", results, "--within", "1"]);
        expect(within.code).not.toBe(0);
        expect(within.stderr).toMatch(/--within is gone: .* pass --margin/);
    });

    it("marks what does not fit: a small budget, or a context beyond the trained one", async () => {
        const small = await runCli(["recommend", "--memory", "1MiB", "--context", "512", "--results", results]);
        expect(small.code).toBe(0);
        expect(small.stdout).toMatch(/best that fits: none of the 2 ranked model files fits/);
        expect(small.stdout).toMatch(/\(over budget\)/);
        const long = await runCli(["recommend", "--memory", "8GiB", "--context", "8192", "--tasks", "niah", "--results", results]);
        expect(long.code).toBe(0);
        expect(long.stdout).toMatch(/trained context 512/);
    });

    it("fails clearly on a bad size, an unknown task and a folder without results", async () => {
        const badSize = await runCli(["recommend", "--memory", "8 gigs", "--results", results]);
        expect(badSize.code).not.toBe(0);
        expect(badSize.stderr).toMatch(/bad size "8 gigs"/);
        const unknown = await runCli(["recommend", "--memory", "8GiB", "--tasks", "nope", "--results", results]);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toMatch(/unknown task "nope": the results have niah-tiny/);
        const empty = tempDir("empty");
        mkdirSync(path.join(empty, "sub"));
        const none = await runCli(["recommend", "--memory", "8GiB", "--results", empty]);
        expect(none.code).toBe(2);
        expect(none.stderr).toMatch(/no result documents in/);
    });
});
