import {readdirSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {niahScoresSchema} from "../../harness/tasks/niah/contract.js";
import {MODELS, stories260K, tinyStories} from "../helpers/assets.js";
import {journalLines, killWhen, runCli, startCli, tempDir, writeSuite} from "../helpers/cli.js";

function jsonFiles(dir: string): string[] {
    return readdirSync(dir, {recursive: true, encoding: "utf8"})
        .filter((file) => file.endsWith(".json"))
        .map((file) => path.join(dir, file));
}
async function documentsIn(dir: string): Promise<ResultDocument[]> {
    return Promise.all(jsonFiles(dir).map(readResultDocument));
}

describe("npm run bench on both tiny ladders", () => {
    it("runs every file of both ladders and writes one schema-valid document per file and task", async () => {
        const out = tempDir("out");
        const suite = writeSuite({
            name: "both-ladders",
            models: [path.join(MODELS, "stories260K"), path.join(MODELS, "tinystories-656k")],
            tasks: [{type: "niah", lengths: [256, 1024], depths: [0, 100], maxNewTokens: 4, haystack: {type: "noise"}}]
        });
        const result = await runCli(["--suite", suite, "--out", out, "--threads", "1"]);
        expect(result.stderr).not.toMatch(/error/i);
        expect(result.code).toBe(0);
        const documents = await documentsIn(out);
        expect(documents).toHaveLength(20);
        for (const doc of documents) {
            niahScoresSchema.parse(doc.scores);
            expect(doc.env.threads).toBe(1);
            expect(doc.performance!.peakRssBytes).toBeGreaterThan(0);
            expect(doc.performance!.evaluatedTokens).toBeGreaterThan(0);
            const tiny = doc.model.ladder.id === "TinyStories-656K";
            // TinyStories-656K's training context is 512: its 1024 cells are skipped, not failed.
            expect(doc.counts).toEqual({planned: 4, ok: tiny ? 2 : 4, error: 0, skipped: tiny ? 2 : 0});
            for (const trial of doc.trials.filter((t) => t.status === "ok")) {
                expect(trial.promptTokens).toBeLessThanOrEqual(Number(trial.cell.length));
                expect(typeof trial.output!.text).toBe("string");
            }
        }
        expect(documents.filter((d) => d.model.ladder.isReference).map((d) => d.model.quantLabel)).toEqual(["F32", "F32"]);
        // The summary table names every file with its quant and bits per weight.
        expect(result.stdout).toMatch(/stories260K\/stories260K-Q4_K_M\.gguf\s+Q4_K_M\s+7\.9\d/);
        expect(result.stdout).toMatch(/TinyStories-656K\/TinyStories-656K-F32\.gguf \(ref\)\s+F32\s+32\.00/);
    }, 600_000);
});

describe("native faults", () => {
    it("contains TinyStories-656K's tokenizer abort: recorded as that model's error with its trial, the next model runs", async () => {
        const out = tempDir("out");
        const suite = writeSuite({
            name: "abort",
            models: [tinyStories("F32"), stories260K("Q8_0")],
            tasks: [{type: "niah", lengths: [256], depths: [0, 100], maxNewTokens: 4,
                // Curly quotes in the book are outside TinyStories-656K's vocabulary: llama.cpp aborts.
                haystack: {type: "files", files: ["haystacks/pg1342-pride-and-prejudice.txt"]}}]
        });
        const result = await runCli(["--suite", suite, "--out", out]);
        expect(result.code).toBe(1);
        const documents = await documentsIn(out);
        const tiny = documents.find((d) => d.model.name === "TinyStories-656K")!;
        const stories = documents.find((d) => d.model.fileName === "stories260K-Q8_0.gguf")!;
        expect(tiny.modelError!.signal).toBe("SIGABRT");
        expect(tiny.modelError!.message).toMatch(/killed by SIGABRT during trial L256-D100-T0.*out_of_range/);
        expect(tiny.modelError!.trialId).toBe("L256-D100-T0");
        // Each trial took the process down once (the second after a restart); the message names the characters.
        expect(tiny.trials.map((t) => [t.id, t.status, t.error!.kind, t.error!.attempts])).toEqual([
            ["L256-D0-T0", "error", "model-process-aborted", 1],
            ["L256-D100-T0", "error", "model-process-aborted", 1]
        ]);
        expect(tiny.modelError!.message).toMatch(/characters outside the model's vocabulary.*"\u2019" \(U\+2019\)|characters outside the model's vocabulary.*\(U\+201[89CD]\)/);
        // No book sentence fits beside the prompt at 256 tokens: both depths put the needle in an empty haystack, one prompt, run once.
        expect(stories.counts).toMatchObject({ok: 1, skipped: 1, error: 0});
        expect(stories.modelError).toBeUndefined();
        expect(result.stderr).toMatch(/TinyStories-656K-F32\.gguf: model process killed by SIGABRT/);
    }, 300_000);
});

describe("crash safety", () => {
    it("resumes a run killed with SIGKILL: every trial ends in the results exactly once, none runs twice", async () => {
        const out = tempDir("out");
        const suite = writeSuite({
            name: "resume",
            models: [stories260K("F32"), stories260K("Q8_0"), stories260K("Q4_0")],
            tasks: [{type: "niah", lengths: [256, 512], depths: {count: 5}, trialsPerCell: 2, maxNewTokens: 4}]
        });
        const planned = 3 * 2 * 5 * 2;
        const child = startCli(["--suite", suite, "--out", out, "--quiet"]);
        // Kill once a good part of the run, but not all of it, is journaled.
        await killWhen(child, () => journalLines(out).length >= 25);
        const beforeResume = journalLines(out).filter((line) => line.includes('"record"')).length;
        expect(beforeResume).toBeLessThan(planned);

        const resumed = await runCli(["--suite", suite, "--out", out, "--quiet"]);
        expect(resumed.code).toBe(0);
        const lines = journalLines(out).map((line) => JSON.parse(line)).filter((line) => line.record); // trial lines, not measurements
        const keys = lines.map((l) => `${l.key.modelSha256}|${l.key.trialId}`);
        expect(new Set(keys).size).toBe(planned);
        expect(keys).toHaveLength(planned); // nothing journaled twice: no trial ran again
        const documents = await documentsIn(out);
        expect(documents).toHaveLength(3);
        for (const doc of documents) {
            expect(doc.trials.map((t) => t.id).sort()).toEqual([...new Set(doc.trials.map((t) => t.id))].sort());
            // At 256 tokens the noise haystack holds a sentence or two: some depths share another's prompt (skipped, counted once).
            expect(doc.counts).toMatchObject({planned: 20, error: 0});
            expect(doc.counts.ok + doc.counts.skipped).toBe(20);
            expect(doc.trials.filter((t) => t.status === "skipped").every((t) => /^same prompt as depth \d+$/.test(t.skipReason!))).toBe(true);
            // A model whose trials all came from the journal keeps the measurements of the run that made them.
            expect(doc.performance!.peakRssBytes).toBeGreaterThan(0);
            expect(doc.env.llamaCpp).toMatch(/llama\.cpp@/);
        }

        // --fresh runs everything again.
        const fresh = await runCli(["--suite", suite, "--out", out, "--quiet", "--fresh", "--models", stories260K("Q4_0")]);
        expect(fresh.code).toBe(0);
    }, 600_000);
});
