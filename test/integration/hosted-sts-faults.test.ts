// A hosted embedding server that answers with malformed JSON during STS: one bad reply is retried
// like any transient fault; a request that keeps failing loses only its batch of 256 sentences
// (the others are cached), the terminal says why, and the rerun embeds only that batch.
// Part of the hostile-input matrix (bad-input.test.ts).
import {readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {cliEnv, runCli, tempDir, writeSuite} from "../helpers/cli.js";
import {FakeServer, startFakeServer} from "../helpers/fake-server.js";

const PAIRS = 400;
const POISON = "Sentence 301 is about a red kite.";

/** 400 pairs, 800 distinct sentences: four embedding batches (256, 256, 256, 32); POISON is in the second. */
function pairsFile(): string {
    const file = path.join(tempDir("sts-pairs"), "pairs.tsv");
    const rows = Array.from({length: PAIRS}, (_, i) =>
        [`Sentence ${2 * i} is about a red kite.`, `Sentence ${2 * i + 1} is about a red kite.`, (i % 50) / 10].join("\t"));
    writeFileSync(file, "sentence1\tsentence2\tscore\n" + rows.join("\n") + "\n");
    return file;
}

async function stsDocument(out: string): Promise<ResultDocument> {
    const runDir = path.join(out, readdirSync(out)[0]!);
    const task = path.join(runDir, "sts");
    const ladder = path.join(task, readdirSync(task)[0]!);
    return readResultDocument(path.join(ladder, readdirSync(ladder)[0]!));
}

describe("malformed hosted replies during STS", () => {
    let server: FakeServer;
    let poisoned = false;
    beforeAll(async () => {
        server = await startFakeServer({
            fault: (_n, request) => poisoned && JSON.stringify(request.body).includes(POISON) ? {malformed: true} : undefined
        });
    });
    afterAll(async () => server.close());

    const embeddingRequests = () => server.requests.filter((r) => r.path === "/v1/embeddings");

    it("one malformed reply is retried: the trial succeeds", async () => {
        server.reset();
        poisoned = false;
        server.faults.push({malformed: true});
        const suite = writeSuite({
            name: "sts-one-bad-reply",
            models: [{hosted: `openai:${server.url}#embedder-a`, backoffMs: 5, retries: 2}],
            tasks: [{type: "sts", dataset: {type: "file", file: pairsFile(), scoreRange: [0, 5]}}]
        });
        const out = tempDir("out");
        const cli = await runCli(["--suite", suite, "--out", out, "--quiet"], cliEnv({SLMBENCH_CACHE: tempDir("cache")}));
        expect(cli.code, cli.stderr).toBe(0);
        const document = await stsDocument(out);
        expect(document.counts).toEqual({planned: 1, ok: 1, error: 0, skipped: 0});
        expect(document.scores.pairs).toBe(PAIRS);
        // The canary sentence (one request: is this still the cached model?), 800 sentences in requests of 32, and the one retried.
        expect(embeddingRequests()).toHaveLength(1 + 800 / 32 + 1);
        expect(embeddingRequests().filter((r) => r.fault)).toHaveLength(1);
    });

    it("a request that keeps failing loses only its batch: the reason is printed, and the rerun embeds just those 256 sentences", async () => {
        server.reset();
        poisoned = true;
        const suite = writeSuite({
            name: "sts-bad-batch",
            models: [{hosted: `openai:${server.url}#embedder-b`, backoffMs: 5, retries: 1}],
            tasks: [{type: "sts", dataset: {type: "file", file: pairsFile(), scoreRange: [0, 5]}}]
        });
        const out = tempDir("out");
        const env = cliEnv({SLMBENCH_CACHE: tempDir("cache")});
        const failed = await runCli(["--suite", suite, "--out", out], env);
        expect(failed.code).toBe(1);
        const document = await stsDocument(out);
        expect(document.counts).toEqual({planned: 1, ok: 0, error: 1, skipped: 0});
        const message = document.trials[0]!.error!.message;
        expect(message).toMatch(/^embedding failed for 1 batch of up to 256 sentences; 544 of the 800 sentences to embed were embedded and cached, run again to embed the rest: /);
        expect(message).toMatch(/malformed JSON in the response \(HTTP 200\).*\(gave up after 2 attempts\)/);
        // The terminal names the reason, not only a count.
        expect(failed.stderr).toContain(`error: sts on openai:${server.url}#embedder-b: 1 of 1 trials failed (trial: embedding failed for 1 batch`);
        expect(failed.stderr).toContain("malformed JSON in the response");
        // The batches after the failed one still ran: every sentence was sent (and the canary).
        const sent = new Set(embeddingRequests().flatMap((r) => (r.body as {input: string[]}).input));
        expect(sent.size).toBe(800 + 1);

        server.reset();
        poisoned = false;
        const rerun = await runCli(["--suite", suite, "--out", out, "--quiet"], env);
        expect(rerun.code, rerun.stderr).toBe(0);
        const resumed = await stsDocument(out);
        expect(resumed.counts).toEqual({planned: 1, ok: 1, error: 0, skipped: 0});
        expect(resumed.trials[0]!.scores).toMatchObject({embeddedSentences: 256, cachedSentences: 544, distinctSentences: 800});
        expect(embeddingRequests()).toHaveLength(1 + 256 / 32);
    });
});
