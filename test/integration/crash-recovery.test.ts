// A native abort in one task must not hold the model's other tasks back: TinyStories-656K's
// tokenizer aborts the process on STS-B's "(" (its vocabulary has no byte tokens). The run names
// the characters, starts the model again with the other tasks first, and records the crashing
// trial as an error after maxCrashAttempts (default 2), so a resume does not retry it forever.
// Part of the hostile-input matrix (bad-input.test.ts).
import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {parseSuite} from "../../harness/run/suite.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {unsafeCharacterCheck} from "../../harness/providers/local-gguf/tokenizer-guard.js";
import {readGgufFileInfo} from "node-llama-cpp";
import {testAssetRoots, tinyStories, stories260K} from "../helpers/assets.js";
import {tempDir} from "../helpers/cli.js";

describe("a task whose input aborts the model process", () => {
    it("TinyStories-656K on STS-B: the characters are named, the NIAH task still runs, the STS trial is an error after 2 attempts and is not retried on resume", async () => {
        const suite = await parseSuite({
            name: "crash-recovery",
            models: [tinyStories("Q8_0")],
            tasks: [
                {type: "sts", id: "stsb-dev", dataset: {type: "stsb", split: "dev"}},
                {type: "niah", id: "niah-noise", lengths: [256], depths: [0, 100], maxNewTokens: 4, mainScore: "lift"}
            ]
        }, "inline suite");
        const out = tempDir("crash-out");
        const assetRoots = testAssetRoots(tempDir("crash-cache"));
        const first = await runSuite(suite, {outDir: out, assetRoots, quiet: true});

        const byTask = (report: typeof first, id: string) => report.documents.find((d) => d.task.id === id)!;
        // The other task ran although the STS trial came first and crashed.
        expect(byTask(first, "niah-noise").counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
        const sts = byTask(first, "stsb-dev");
        expect(sts.counts).toEqual({planned: 1, ok: 0, error: 1, skipped: 0});
        const error = sts.trials[0]!.error!;
        expect(error.kind).toBe("model-process-aborted");
        expect(error.attempts).toBe(2);
        expect(error.signal).toBe("SIGABRT");
        expect(error.message).toMatch(/^model process killed by SIGABRT during trial stsb-dev \(stsb-dev\): .*std::out_of_range/);
        expect(error.message).toContain(`it was tokenizing a text with characters outside the model's vocabulary, which its tokenizer cannot encode (no byte fallback): "(" (U+0028)`);
        expect(sts.modelError).toMatchObject({trialId: "stsb-dev", signal: "SIGABRT"});
        expect(first.failures.filter((f) => f.includes("SIGABRT"))).toHaveLength(2);
        expect(first.complete).toBe(false);

        // Resumed: nothing runs again (no model process: the NIAH trials come from the journal, the STS trial is final).
        const second = await runSuite(suite, {outDir: out, assetRoots, quiet: true});
        expect(second.failures).toEqual([]);
        expect(second.complete).toBe(false);
        expect(byTask(second, "stsb-dev").trials).toEqual(sts.trials);
        expect(byTask(second, "niah-noise").trials).toEqual(byTask(first, "niah-noise").trials);
        const journal = readFileSync(path.join(first.runDir, "journal.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
        expect(journal.filter((entry) => entry.record?.error?.kind === "model-process-aborted").map((entry) => entry.record.error.attempts)).toEqual([1, 2]);
    });

    it("the safe-character check matches the vocabularies: TinyStories-656K lacks TAB # % & ( ) * + / = @ [ \\ ] ^ ` { } ~ and non-ASCII; stories260K has byte fallback", async () => {
        const check = unsafeCharacterCheck((await readGgufFileInfo(tinyStories("Q8_0"), {logWarnings: false})).metadata)!;
        const ascii = Array.from({length: 127 - 32}, (_, i) => String.fromCharCode(32 + i)).join("") + "\t\n";
        expect(check(ascii).join("")).toBe("#%&()*+/=@[\\]^`{}~\t");
        expect(check("café “quoted”")).toEqual(["é", "“", "”"]);
        expect(check("Letters, digits 0-9, space . , ! ? : ; ' \" - are safe.\n")).toEqual([]);
        expect(unsafeCharacterCheck((await readGgufFileInfo(stories260K("Q8_0"), {logWarnings: false})).metadata)).toBeUndefined();
    });
});
