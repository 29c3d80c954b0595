import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {niahScoresSchema} from "../../harness/tasks/niah/contract.js";
import {MODELS} from "../helpers/assets.js";
import {cliEnv, runCli, startCli, tempDir, writeSuite} from "../helpers/cli.js";
import {FakeServer, startFakeServer, TEST_CA_FILE} from "../helpers/fake-server.js";

const TOKEN = "hf_FAKEsecretTOKENnotReal0987654321";

let server: FakeServer;
beforeAll(async () => {
    server = await startFakeServer({modelName: "served-model"});
});
afterAll(async () => {
    await server.close();
});

function filesUnder(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, {recursive: true, encoding: "utf8"}).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}
async function documentsIn(dir: string, filter = (file: string) => true): Promise<ResultDocument[]> {
    return Promise.all(filesUnder(dir).filter((f) => f.endsWith(".json") && filter(f)).map(readResultDocument));
}
/** NIAH's sizing calibration: two one-token probes per model and run (harness/tasks/shared/approximate-sizing.ts). */
const isProbe = (r: {body: unknown}) => (r.body as {max_tokens?: number} | null)?.max_tokens === 1;
const chatRequests = () => server.requests.filter((r) => r.path.endsWith("/chat/completions") && !isProbe(r)).length;
const probeRequests = () => server.requests.filter((r) => r.path.endsWith("/chat/completions") && isProbe(r)).length;
const niah = (extra: object = {}) => ({type: "niah", lengths: [256, 512], depths: [0, 50, 100], trialsPerCell: 2, maxNewTokens: 16, ...extra});

describe("hosted models through the CLI", () => {
    it("runs NIAH and STS end to end on hosted models: schema-valid documents, server usage recorded, token in no file", async () => {
        server.reset();
        const out = tempDir("out");
        const cache = tempDir("cache");
        const pairs = path.join(tempDir("sts"), "pairs.tsv");
        writeFileSync(pairs, "sentence1\tsentence2\tscore\n" + [
            ["a man is playing a guitar", "a man plays the guitar", 4.8],
            ["a woman is slicing onions", "a woman cuts an onion", 4.2],
            ["a dog runs in the park", "a cat sleeps on the sofa", 0.4],
            ["the sky is blue today", "the stock market fell", 0.1],
            ["kids play football outside", "children are playing soccer outside", 3.9],
            ["a plane is taking off", "an airplane takes off", 4.9]
        ].map((row) => row.join("\t")).join("\n") + "\n");
        const suite = writeSuite({
            name: "hosted-e2e",
            models: [
                {hosted: `openai:${server.url}#chat-model`, concurrency: 4, backoffMs: 5},
                {hosted: `hf-endpoint:${server.url}`, concurrency: 2, backoffMs: 5, quantLabel: "BF16"}
            ],
            tasks: [niah(), {type: "sts", dataset: {type: "file", file: pairs, scoreRange: [0, 5]}}]
        });
        const env = cliEnv({HF_TOKEN: TOKEN, SLMBENCH_CACHE: cache});
        const result = await runCli(["--suite", suite, "--out", out], env);
        expect(result.stderr).not.toMatch(/error/i);
        expect(result.code).toBe(0);
        const documents = await documentsIn(out);
        expect(documents).toHaveLength(4);
        for (const doc of documents.filter((d) => d.task.type === "niah")) {
            niahScoresSchema.parse(doc.scores);
            expect(doc.counts).toEqual({planned: 12, ok: 12, error: 0, skipped: 0});
            expect(doc.scores.main).toBe(100);
            expect(doc.scores.lift).toBeNull();
            expect(doc.model).toMatchObject({bytes: 0, bitsPerWeight: 0, architecture: "hosted"});
            for (const trial of doc.trials) {
                expect(trial.input!.lengthSizing).toMatch(/^calibrated: 4\.\d{3} characters per token of haystack .* usage\.prompt_tokens \d+ and \d+\)/);
                expect(trial.scores.answerLogprob).toBeNull();
                // Calibrated sizing: the server's count lands on the target (length - answer budget), within a sentence or two.
                expect(trial.promptTokens!).toBeLessThanOrEqual(Number(trial.input!.targetPromptTokens));
                expect(trial.promptTokens!).toBeGreaterThan(Number(trial.input!.targetPromptTokens) - 20);
                expect(trial.output!.server).toMatchObject({attempts: 1, usage: {promptTokens: trial.promptTokens}});
            }
            expect(doc.performance!.promptTokens).toBeGreaterThan(0);
        }
        expect(documents.find((d) => d.model.provider === "openai" && d.task.type === "niah")!.trials[0]!.output!.server)
            .toMatchObject({model: "chat-model"});
        const sts = documents.filter((d) => d.task.type === "sts");
        expect(sts).toHaveLength(2);
        for (const doc of sts) {
            expect(doc.counts.ok).toBe(1);
            // Six pairs and a bag-of-words fake embedding: the score only has to be computed.
            expect(Number.isFinite(doc.scores.main)).toBe(true);
        }
        expect(server.requests.some((r) => r.path === "/v1/embeddings")).toBe(true);
        expect(server.requests.some((r) => r.path === "/" && r.body && typeof r.body === "object" && "inputs" in r.body)).toBe(true);
        // The token went to the hf-endpoint server only, and into no file: results, journals, caches.
        expect(server.requests.filter((r) => r.authorization === `Bearer ${TOKEN}`).length).toBeGreaterThan(0);
        expect(server.requests.filter((r) => r.authorization && r.authorization !== `Bearer ${TOKEN}`)).toHaveLength(0);
        const written = [...filesUnder(out), ...filesUnder(cache)];
        expect(written.some((f) => f.endsWith("journal.jsonl"))).toBe(true);
        for (const file of written) expect(readFileSync(file, "latin1").includes(TOKEN), file).toBe(false);
        expect(result.stdout + result.stderr).not.toContain(TOKEN);
    });

    it("records a request's final failure as that trial's error and goes on", async () => {
        server.reset();
        let trials = 0;
        server.options.fault = (_n, {body}) => (!isProbe({body}) && trials++ % 5 === 2 ? {status: 500} : undefined);
        try {
            const out = tempDir("out");
            const suite = writeSuite({name: "hosted-faults", models: [{hosted: `openai:${server.url}#m`, retries: 0, concurrency: 1}], tasks: [niah()]});
            const result = await runCli(["--suite", suite, "--out", out], cliEnv({HF_TOKEN: TOKEN}));
            expect(result.code).toBe(1);
            const [doc] = await documentsIn(out);
            expect(doc!.counts).toEqual({planned: 12, ok: 10, error: 2, skipped: 0});
            expect(doc!.trials.find((t) => t.status === "error")!.error!.message).toMatch(/HTTP 500/);
        } finally {
            server.options.fault = undefined;
        }
    });

    it("ranks NIAH by the LLM judge when mainScore is judge: main, interval and effective context on its 1-10 scale", async () => {
        server.reset();
        const out = tempDir("out");
        // The fake judge answers 10 when the answer holds the needle's value, else 1 (the fake model reads needles back).
        const suite = writeSuite({name: "hosted-judge", models: [{hosted: `openai:${server.url}#m`}],
            tasks: [niah({mainScore: "judge", judge: {model: `openai:${server.url}#judge-model`}})]});
        const result = await runCli(["--suite", suite, "--out", out], cliEnv({HF_TOKEN: TOKEN}));
        expect(result.stderr).not.toMatch(/error/i);
        expect(result.code).toBe(0);
        const [doc] = await documentsIn(out);
        expect(doc!.task.mainScore).toMatchObject({name: "judge", higherIsBetter: true});
        expect(doc!.task.mainScore.description).toMatch(/^LLM-judge score/);
        const scores = niahScoresSchema.parse(doc!.scores);
        expect(scores).toMatchObject({mainScore: "judge", main: 10, judge: 10, mainCi: [10, 10], stringMatch: 100,
            effectiveContext: {score: "judge", threshold: 8.704, length: 512}});
        expect(scores.byLength.map((row) => row.judge)).toEqual([10, 10]);
        const judgeRequests = server.requests.filter((r) => (r.body as {model?: string} | null)?.model === "judge-model");
        expect(judgeRequests).toHaveLength(12);
    });

    it("merge keeps a shard's errored trials as errors, and a rerun's finished copy wins over them", async () => {
        server.reset();
        const models = [{hosted: `openai:${server.url}#m`, retries: 0}];
        const suite = writeSuite({name: "hosted-merge-errors", models, tasks: [niah()]});
        const env = cliEnv({HF_TOKEN: TOKEN});
        const [failed, rerun, other, single] = ["failed", "rerun", "other", "single"].map(tempDir);
        expect((await runCli(["--suite", suite, "--out", single!], env)).code).toBe(0);
        // Shard 1/2 with every trial failing (the sizing probes pass), then the same shard again elsewhere without faults.
        server.options.fault = (_n, {body}) => (isProbe({body}) ? undefined : {status: 500});
        try {
            expect((await runCli(["--suite", suite, "--out", failed!, "--shard", "1/2"], env)).code).toBe(1);
        } finally {
            server.options.fault = undefined;
        }
        expect((await runCli(["--suite", suite, "--out", rerun!, "--shard", "1/2"], env)).code).toBe(0);
        expect((await runCli(["--suite", suite, "--out", other!, "--shard", "2/2"], env)).code).toBe(0);
        const [shardDoc] = await documentsIn(failed!);
        const errors = shardDoc!.counts.error;
        expect(errors).toBeGreaterThan(0);
        expect(shardDoc!.counts.ok).toBe(0);

        const withErrors = tempDir("merged-errors");
        const partial = await runCli(["merge", failed!, other!, "--out", withErrors], env);
        expect(partial.code).toBe(0);
        expect(partial.stderr).toContain(`${errors} of 12 trials errored in every shard that ran them`);
        const [merged] = await documentsIn(withErrors);
        expect(merged!.counts).toEqual({planned: 12, ok: 12 - errors, error: errors, skipped: 0});
        expect(merged!.trials.filter((t) => t.status === "error").every((t) => /HTTP 500/.test(t.error!.message))).toBe(true);

        for (const order of [[failed!, rerun!, other!], [rerun!, other!, failed!]]) {
            const out = tempDir("merged");
            const result = await runCli(["merge", ...order, "--out", out], env);
            expect(result.code).toBe(0);
            expect(result.stderr).toBe("");
            const [fixed] = await documentsIn(out);
            const [reference] = await documentsIn(single!);
            expect(fixed!.counts).toEqual({planned: 12, ok: 12, error: 0, skipped: 0});
            expect(fixed!.trials.map((t) => [t.id, t.output?.text])).toEqual(reference!.trials.map((t) => [t.id, t.output?.text]));
            expect(fixed!.scores).toEqual(reference!.scores);
        }
    });

    it("talks HTTPS (keep-alive agents of the harness's transport): trusted with NODE_EXTRA_CA_CERTS, else a clear error, not retried", async () => {
        const tls = await startFakeServer({tls: true});
        try {
            expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
            const pairs = path.join(tempDir("sts"), "pairs.tsv");
            writeFileSync(pairs, ["sentence1\tsentence2\tscore", "a dog runs\ta dog is running\t4.5", "the sky is blue\tstocks fell\t0.2", "kids play\tchildren play\t4.0"].join("\n") + "\n");
            const suite = writeSuite({name: "hosted-tls", models: [{hosted: `openai:${tls.url}#m`, backoffMs: 5}, {hosted: `hf-endpoint:${tls.url}`, backoffMs: 5}],
                tasks: [niah({lengths: [256], depths: [50], trialsPerCell: 1}), {type: "sts", dataset: {type: "file", file: pairs, scoreRange: [0, 5]}}]});
            const trusted = tempDir("trusted");
            const ok = await runCli(["--suite", suite, "--out", trusted], cliEnv({HF_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: TEST_CA_FILE}));
            expect(ok.stderr, ok.stderr).not.toMatch(/error/i);
            expect(ok.code).toBe(0);
            const documents = await documentsIn(trusted);
            expect(documents).toHaveLength(4);
            for (const doc of documents) expect(doc.counts.error).toBe(0);
            expect(documents.find((d) => d.task.type === "niah" && d.model.provider === "openai")!.scores.main).toBe(100);
            expect(tls.requests.filter((r) => r.authorization === `Bearer ${TOKEN}`).length).toBeGreaterThan(0);

            tls.reset();
            const untrusted = tempDir("untrusted");
            const failed = await runCli(["--suite", suite, "--out", untrusted], cliEnv({HF_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: undefined}));
            expect(failed.code).toBe(1);
            expect(tls.requests).toHaveLength(0); // nothing got past the handshake
            for (const doc of await documentsIn(untrusted)) {
                expect(doc.counts.ok).toBe(0);
                for (const trial of doc.trials) {
                    expect(trial.error!.message).toMatch(/TLS certificate not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\); .*NODE_EXTRA_CA_CERTS/);
                    expect(trial.error!.message).not.toMatch(/gave up after/);
                }
            }
        } finally {
            await tls.close();
        }
    });

    it("hosted reference of a local ladder: the ladder's files name it as reference", async () => {
        const {resolveModels} = await import("../helpers/resolve.js");
        const {testAssetRoots} = await import("../helpers/assets.js");
        const {models} = await resolveModels([{hosted: `openai:${server.url}#tiny-ref`, referenceOf: "stories260K", quantLabel: "F32"}, path.join(MODELS, "stories260K")],
            {assetRoots: testAssetRoots(tempDir("cache")), allowDownload: false});
        const reference = models[0]!;
        expect(reference.ladder).toMatchObject({id: "stories260K", isReference: true});
        const rungs = models.filter((m) => m.provider === "local-gguf");
        expect(rungs.length).toBeGreaterThan(1);
        for (const rung of rungs)
            expect(rung.ladder).toEqual({id: "stories260K", referenceFile: "tiny-ref", referenceSha256: reference.sha256, isReference: false, size: rungs.length + 1});
        expect(reference.ladder.size).toBe(rungs.length + 1);
    });

    it("resumes a run killed with kill -9: every trial exactly once, finished trials not requested again", async () => {
        const slow = await startFakeServer({delayMs: 150});
        try {
            const out = tempDir("out");
            const suite = writeSuite({name: "hosted-kill", models: [{hosted: `openai:${slow.url}#m`, concurrency: 2}],
                tasks: [niah({lengths: [256, 384, 512], depths: [0, 25, 50, 75, 100]})]});
            const env = cliEnv({HF_TOKEN: TOKEN});
            const child = startCli(["--suite", suite, "--out", out], env);
            const journal = () => filesUnder(out).find((f) => f.endsWith("journal.jsonl"));
            const lines = () => (journal() ? readFileSync(journal()!, "utf8").split("\n").filter(Boolean).length : 0);
            const deadline = Date.now() + 60_000;
            while (lines() < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            child.kill("SIGKILL");
            await new Promise((resolve) => child.on("close", resolve));
            const done = lines();
            expect(done).toBeGreaterThanOrEqual(8);
            expect(done).toBeLessThan(30);
            slow.reset();
            const result = await runCli(["--suite", suite, "--out", out], env);
            expect(result.code).toBe(0);
            const [doc] = await documentsIn(out);
            expect(doc!.counts).toEqual({planned: 30, ok: 30, error: 0, skipped: 0});
            expect(new Set(doc!.trials.map((t) => t.id)).size).toBe(30);
            // The resumed run probes again for its sizing (two one-token requests), then asks only for what is missing.
            expect(slow.requests.filter((r) => r.path.endsWith("/chat/completions") && !isProbe(r))).toHaveLength(30 - done);
            expect(slow.requests.filter(isProbe)).toHaveLength(2);
        } finally {
            await slow.close();
        }
    });

    it("--shard i/n runs disjoint slices with their own journals; merge gives a single run's documents", async () => {
        server.reset();
        const models = [{hosted: `openai:${server.url}#m`}, {hosted: `hf-endpoint:${server.url}`}];
        const suite = writeSuite({name: "hosted-shards", models, tasks: [niah({lengths: [256, 384, 512]})]});
        const env = cliEnv({HF_TOKEN: TOKEN});
        const single = tempDir("single");
        expect((await runCli(["--suite", suite, "--out", single], env)).code).toBe(0);
        const shards = tempDir("shards");
        const before = chatRequests();
        for (const shard of ["1/3", "2/3", "3/3"]) expect((await runCli(["--suite", suite, "--out", shards, "--shard", shard], env)).code).toBe(0);
        // Every trial ran once over the three shards.
        expect(chatRequests() - before).toBe(2 * 18);
        expect(probeRequests()).toBe(2 * 2 + 3 * 2 * 2); // per model: the single run's probes and each shard's
        expect(filesUnder(shards).filter((f) => /journal\.shard-\d-of-3\.jsonl$/.test(f))).toHaveLength(3);
        const shardDocs = await documentsIn(shards);
        expect(shardDocs).toHaveLength(6);
        expect(shardDocs.reduce((n, d) => n + d.trials.length, 0)).toBe(36);
        const merged = tempDir("merged");
        const result = await runCli(["merge", shards, "--out", merged], env);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const mergedDocs = await documentsIn(merged);
        const singleDocs = await documentsIn(single);
        expect(mergedDocs).toHaveLength(2);
        const rel = (dir: string) => (f: string) => path.relative(dir, f);
        expect(filesUnder(merged).map(rel(merged)).sort()).toEqual(filesUnder(single).filter((f) => f.endsWith(".json")).map(rel(single)).sort());
        for (const doc of singleDocs) {
            const twin = mergedDocs.find((d) => d.model.id === doc.model.id && d.task.id === doc.task.id)!;
            expect(twin.runId).toBe(doc.runId);
            expect(twin.counts).toEqual(doc.counts);
            expect(twin.warnings).toEqual(doc.warnings);
            const strip = (d: ResultDocument) => d.trials.map((t) => ({id: t.id, status: t.status, text: t.output?.text, scores: t.scores, input: t.input}));
            expect(strip(twin)).toEqual(strip(doc));
            expect(twin.scores).toEqual(doc.scores);
        }
    });
});
