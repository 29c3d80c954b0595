// Adding a task is one folder, adding a hosted protocol is one folder: the example task and
// provider in test/fixtures run end to end through the CLI, found through --task-dirs and
// --provider-dirs, with no edit anywhere else in the harness.
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {continuationScoresSchema} from "../fixtures/tasks/continuation/contract.js";
import {stories260K} from "../helpers/assets.js";
import {runCli, tempDir, writeSuite} from "../helpers/cli.js";
import {PROJECT_DIR} from "../helpers/assets.js";
import {readdirSync} from "node:fs";

const TASK_DIRS = path.join(PROJECT_DIR, "test/fixtures/tasks");
const PROVIDER_DIRS = path.join(PROJECT_DIR, "test/fixtures/providers");

/** A stand-in for an Ollama server: /api/chat answers "... and they lived happily ever after", counting tokens by words. */
let ollama: Server;
let ollamaUrl: string;
const seen: string[] = [];
beforeAll(async () => {
    ollama = createServer(async (req, res) => {
        let raw = "";
        for await (const chunk of req) raw += chunk;
        seen.push(req.url ?? "");
        const body = JSON.parse(raw) as {model: string; messages: {content: string}[]};
        res.writeHead(req.url === "/api/chat" ? 200 : 404, {"Content-Type": "application/json"});
        res.end(JSON.stringify({model: body.model, message: {role: "assistant", content: "and they lived happily ever after"}, done: true,
            done_reason: "stop", prompt_eval_count: body.messages.map((m) => m.content.split(" ").length).reduce((a, b) => a + b, 0), eval_count: 6}));
    });
    await new Promise<void>((resolve) => ollama.listen(0, "127.0.0.1", resolve));
    ollamaUrl = `http://127.0.0.1:${(ollama.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => ollama.close(() => resolve())));

const documentsIn = (dir: string) => Promise.all(readdirSync(dir, {recursive: true, encoding: "utf8"})
    .filter((file) => file.endsWith(".json")).map((file) => readResultDocument(path.join(dir, file))));

describe("extensions from their own folders", () => {
    it("runs the example task on a local ladder and on the example Ollama provider, compared with the ladder's reference", async () => {
        const out = tempDir("extensions");
        const suite = writeSuite({
            name: "extensions",
            models: [stories260K("F32"), stories260K("Q8_0"), `ollama:${ollamaUrl}#tiny-story`],
            tasks: [{type: "continuation", items: [{prompt: "Once upon a time", expect: "there"}, {prompt: "The end.", expect: "happily"}], maxNewTokens: 12}]
        });
        const result = await runCli(["--suite", suite, "--out", out, "-q", "--task-dirs", TASK_DIRS, "--provider-dirs", PROVIDER_DIRS]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const documents = await documentsIn(out);
        const byFile = (name: string) => documents.find((doc: ResultDocument) => doc.model.fileName === name)!;
        expect(documents.map((doc) => doc.model.fileName).sort()).toEqual(["stories260K-F32.gguf", "stories260K-Q8_0.gguf", "tiny-story"]);
        for (const doc of documents) {
            expect(doc.task.type).toBe("continuation");
            expect(doc.counts).toEqual({planned: 2, ok: 2, error: 0, skipped: 0});
            expect(continuationScoresSchema.safeParse(doc.scores).success).toBe(true);
            for (const trial of doc.trials) expect(String(trial.output!.text).length).toBeGreaterThan(0);
        }
        // The provider: its own protocol on the wire, its id, and what the server reported.
        const hosted = byFile("tiny-story");
        expect(hosted.model.provider).toBe("ollama");
        expect(hosted.model.id).toBe(`ollama:${ollamaUrl}#tiny-story`);
        expect(hosted.scores.main).toBe(50); // "happily" yes, "there" no
        expect(seen.every((route) => route === "/api/chat")).toBe(true);
        expect(seen).toHaveLength(2);
        // The task's own comparison, run by the harness against the ladder's reference.
        const q8 = continuationScoresSchema.parse(byFile("stories260K-Q8_0.gguf").scores);
        expect(q8.vsReference?.pairs).toBe(2);
        expect(byFile("stories260K-F32.gguf").scores.vsReference).toBeUndefined();
    }, 180_000);

    it("without those folders the same suite names what is unknown", async () => {
        const suite = writeSuite({name: "extensions", models: [`ollama:${ollamaUrl}#m`], tasks: [{type: "continuation", items: [{prompt: "a", expect: "b"}]}]});
        const result = await runCli(["--suite", suite, "--out", tempDir("extensions-none"), "-q"]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/models\[0\]: no provider answers to "ollama:/);
        expect(result.stderr).toMatch(/tasks\[0\]\.type: unknown task "continuation"/);
    }, 60_000);
});
