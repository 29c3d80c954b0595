import {readdirSync} from "node:fs";
import path from "node:path";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {describe, expect, it} from "vitest";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {RULER_TASK_ORDER, rulerScoresSchema, rulerSummaries} from "../../harness/tasks/ruler/contract.js";
import {stories260K, tinyStories} from "../helpers/assets.js";
import {cliEnv, journalLines, killWhen, runCli, startCli, tempDir, writeSuite} from "../helpers/cli.js";
import {startFakeServer} from "../helpers/fake-server.js";

async function documentsIn(dir: string): Promise<ResultDocument[]> {
    const files = readdirSync(dir, {recursive: true, encoding: "utf8"}).filter((file) => file.endsWith(".json"));
    return Promise.all(files.map((file) => readResultDocument(path.join(dir, file))));
}

describe("tokenizer safety", () => {
    it("names the characters TinyStories-656K's tokenizer would abort on (models/MANIFEST.md), and none for stories260K", async () => {
        const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
        let printable = "\t\n";
        for (let code = 32; code < 127; code++) printable += String.fromCharCode(code);
        const unsupported = async (file: string) => {
            const model = await llama.loadModel({modelPath: file});
            const found = new LocalGgufSession(model, {contextSize: 512, threads: 1}).unsupportedCharacters(`${printable}é\u2019`);
            await model.dispose();
            return found;
        };
        expect(await unsupported(tinyStories("F32"))).toEqual(["\t", ..."#%&()*+/=@[\\]^`{}~", "é", "\u2019"]);
        expect(await unsupported(stories260K("F32"))).toEqual([]);
    });
});

describe("RULER's 11 tasks from the CLI (stories260K and TinyStories-656K F32)", () => {
    it("runs every task end to end, skips what cannot run with the reason, and resumes after kill -9 with every trial exactly once", async () => {
        const out = tempDir("out");
        const suite = writeSuite({
            name: "ruler-e2e",
            models: [stories260K("F32"), tinyStories("F32")],
            tasks: RULER_TASK_ORDER.map((task) => ({type: "ruler", id: task, task, lengths: [512, 2048], samples: 1}))
        });
        // Planned: 2 models x 11 tasks x 2 lengths; TinyStories-656K's 2048 is beyond its context (skipped at planning, not journaled).
        const journaled = 2 * 11 * 2 - 11;
        const journaledRecords = () => journalLines(out).map((line) => JSON.parse(line)).filter((line) => line.record);
        const child = startCli(["--suite", suite, "--out", out, "--quiet"]);
        await killWhen(child, () => journaledRecords().length >= 8);
        expect(journaledRecords().length).toBeLessThan(journaled);

        const resumed = await runCli(["--suite", suite, "--out", out, "--quiet"]);
        expect(resumed.stderr).toBe("");
        expect(resumed.code).toBe(0);
        const keys = journaledRecords().map((line) => `${line.key.instanceId}|${line.key.modelSha256}|${line.key.trialId}`);
        expect(keys).toHaveLength(journaled); // nothing ran twice
        expect(new Set(keys).size).toBe(journaled);

        const documents = await documentsIn(out);
        expect(documents).toHaveLength(22);
        const find = (model: string, task: string) => documents.find((d) => d.model.fileName.startsWith(`${model}-`) && d.task.id === task)!;
        for (const doc of documents) {
            const scores = rulerScoresSchema.parse(doc.scores);
            expect(scores.task).toBe(doc.task.id);
            expect(doc.counts.error).toBe(0);
            for (const trial of doc.trials.filter((t) => t.status === "ok")) {
                const target = trial.input!.targetPromptTokens as number;
                // Sized in the model's own tokens: never over the target, short of it by less than one haystack unit (a uuid needle line: ~80 tokens).
                expect(trial.promptTokens!).toBeLessThanOrEqual(target);
                expect(trial.promptTokens!, `${doc.task.id} ${trial.id}`).toBeGreaterThanOrEqual(target - 100);
                expect(Number.isFinite(trial.scores.stringMatch)).toBe(true);
                // The lift's "without" prompt and the answer fit the same length (scored in a context of that size).
                if (trial.input!.withoutPromptTokens != null) expect(trial.input!.withoutPromptTokens as number).toBeLessThan(Number(trial.cell.length) - 1);
                // A lift wherever the sample has a fair "without" prompt (fwe's needs 7 ranks in the text: not at 512 on stories260K).
                if (trial.input!.liftBaseline == null) expect(trial.scores.lift).toBeNull();
                else expect(trial.scores.lift, `${doc.task.id} ${trial.id}`).toBeCloseTo(trial.scores.answerLogprob! - trial.scores.baselineLogprob!, 9);
            }
        }
        // stories260K (2,048): every task runs at 2048; vt and cwe need more than 512.
        for (const task of RULER_TASK_ORDER) {
            const trial = find("stories260K", task).trials.find((t) => t.id === "L2048-S0")!;
            expect(trial.status, task).toBe("ok");
            expect(Number.isFinite(trial.scores.lift), task).toBe(true);
        }
        for (const task of ["vt", "cwe"]) expect(find("stories260K", task).trials.find((t) => t.id === "L512-S0")!.skipReason).toMatch(/length 512 is too short/);
        // TinyStories-656K (512): NIAH and fwe run; vt's characters would abort its tokenizer; cwe does not fit.
        const tiny = (task: string) => find("TinyStories-656K", task).trials.find((t) => t.id === "L512-S0")!;
        for (const task of RULER_TASK_ORDER.filter((t) => t !== "vt" && t !== "cwe")) expect(tiny(task).status, task).toBe("ok");
        expect(tiny("vt").status).toBe("skipped");
        expect(tiny("vt").skipReason).toMatch(/cannot encode "\(" "\)" .*"=".*llama\.cpp would abort/);
        expect(tiny("cwe").skipReason).toMatch(/length 512 is too short for cwe/);

        // The suite headline per model: stories260K has all 11 tasks at 2048; at 512 only the shortest prompts fit.
        const [headline] = rulerSummaries(documents.filter((d) => d.model.fileName === "stories260K-F32.gguf"));
        expect(headline!.byLength.map((l) => l.length)).toEqual([512, 2048]);
        expect(headline!.byLength[0]!.missing).toEqual(expect.arrayContaining(["vt", "cwe"]));
        expect(headline!.byLength[1]!.missing).toEqual([]);
        expect(headline!.byLength[1]!.average).toBeCloseTo(RULER_TASK_ORDER.reduce((sum, task) => sum + find("stories260K", task).trials.find((t) => t.id === "L2048-S0")!.scores.stringMatch!, 0) / 11, 9);
    }, 900_000);
});

describe("RULER on a hosted model (fake OpenAI-compatible server on 127.0.0.1)", () => {
    it("sizes prompts against the server's token counts and scores string match; no log-probabilities, so no lift", async () => {
        const server = await startFakeServer({modelName: "served-model"});
        try {
            const out = tempDir("out");
            const suite = writeSuite({
                name: "ruler-hosted",
                models: [{hosted: `openai:${server.url}#chat-model`, concurrency: 2, backoffMs: 5}],
                tasks: ["niah_single_1", "niah_multikey_2", "fwe"].map((task) => ({type: "ruler", id: task, task, lengths: [1024, 4096], samples: 2}))
            });
            const result = await runCli(["--suite", suite, "--out", out, "--quiet"], cliEnv());
            expect(result.code).toBe(0);
            const documents = await documentsIn(out);
            expect(documents).toHaveLength(3);
            for (const doc of documents) {
                expect(doc.counts).toEqual({planned: 4, ok: 4, error: 0, skipped: 0});
                expect(doc.scores.lift).toBeNull();
                for (const trial of doc.trials) {
                    expect(trial.input!.lengthSizing).toMatch(/^calibrated: /);
                    const target = Number(trial.input!.targetPromptTokens);
                    expect(trial.promptTokens!).toBeLessThanOrEqual(target);
                    expect(trial.promptTokens!).toBeGreaterThan(target - 40);
                }
            }
            // The fake model reads the queried needle back (RULER's NIAH question names one key); it knows nothing of fwe.
            expect(documents.find((d) => d.task.id === "niah_single_1")!.scores.main).toBe(100);
            expect(documents.find((d) => d.task.id === "niah_multikey_2")!.scores.main).toBe(100);
            expect(documents.find((d) => d.task.id === "fwe")!.scores.main).toBe(0);
            // The run ends with RULER's headline: (100 + 100 + 0) / 3 at both lengths.
            expect(result.stdout).toMatch(/RULER: average over tasks per length[\s\S]*66\.67\s+66\.67\s+-/);
        } finally {
            await server.close();
        }
    }, 120_000);
});
