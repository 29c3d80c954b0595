import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {hfEndpointProtocol} from "../../harness/providers/hf-endpoint/index.js";
import {hfInferenceProtocol} from "../../harness/providers/hf-inference/index.js";
import {parseRetryAfter, retryDelay} from "../../harness/providers/hosted/http.js";
import {HostedModelRef, parseHostedUri as parseWith, resolveHostedModel} from "../../harness/providers/hosted/models.js";
import {HostedSession} from "../../harness/providers/hosted/session.js";
import {openAiProtocol} from "../../harness/providers/openai/index.js";
import {modelOpener} from "../../harness/run/open-model.js";
import {fakeEmbedding, FakeServer, fakeTokenEmbeddings, startFakeServer} from "../helpers/fake-server.js";

const TOKEN = "hf_FAKEsecretTOKENnotReal1234567890";
const prompt = {system: "Be brief.", user: "One of the special magic numbers for bold-river is: 4412345.\nWhat is the special magic number for bold-river mentioned in the provided text?"};

let server: FakeServer;
beforeAll(async () => {
    server = await startFakeServer({modelName: "served-model"});
});
afterAll(async () => {
    await server.close();
});

const protocolOf = (uri: string) => [hfInferenceProtocol, hfEndpointProtocol, openAiProtocol].find((p) => uri.startsWith(`${p.kind}:`))!;
const parseHostedUri = (uri: string) => parseWith(protocolOf(uri), uri);
const hostedModelInfo = (ref: string | HostedModelRef) => resolveHostedModel(protocolOf(typeof ref === "string" ? ref : ref.hosted), ref).info;

function session(uri: string, extra: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {HF_TOKEN: TOKEN}) {
    const protocol = protocolOf(uri);
    return new HostedSession(protocol, resolveHostedModel(protocol, {hosted: uri, backoffMs: 5, timeoutMs: 2000, ...extra}).settings, env);
}

describe("hosted model URIs", () => {
    it("parses the three prefixes and rejects credentials in URLs", () => {
        expect(parseHostedUri("hf-inference:meta-llama/Llama-3.2-1B-Instruct@together"))
            .toEqual({kind: "hf-inference", model: "meta-llama/Llama-3.2-1B-Instruct", inferenceProvider: "together"});
        expect(parseHostedUri("hf-inference:meta-llama/Llama-3.2-1B-Instruct").inferenceProvider).toBe("auto");
        expect(parseHostedUri("openai:http://127.0.0.1:8000/v1/#qwen")).toEqual({kind: "openai", url: "http://127.0.0.1:8000/v1", model: "qwen"});
        expect(parseHostedUri("hf-endpoint:https://x.endpoints.huggingface.cloud")).toEqual({kind: "hf-endpoint", url: "https://x.endpoints.huggingface.cloud", model: undefined});
        expect(() => parseHostedUri("openai:http://user:pw@host#m")).toThrow(/credentials/);
        expect(() => parseHostedUri("hf-inference:not-a-model-id")).toThrow(/hf-inference:<org>\/<model>/);
    });

    it("gives hosted models an identity hash, no weights, and the suite's quant label", () => {
        const a = hostedModelInfo({hosted: "openai:http://127.0.0.1:1/#m", concurrency: 9});
        const b = hostedModelInfo({hosted: "openai:http://127.0.0.1:1#m", quantLabel: "BF16"});
        expect(a.sha256).toBe(b.sha256);
        expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect([a.bytes, a.bitsPerWeight, a.parameters, a.quantLabel, b.quantLabel]).toEqual([0, 0, 0, "hosted", "BF16"]);
    });

    it("computes backoff with jitter and honours Retry-After", () => {
        expect(parseRetryAfter("3")).toBe(3000);
        expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3500);
        for (let retry = 0; retry < 5; retry++) {
            const ceiling = 100 * 2 ** retry;
            expect(retryDelay(retry, 100, undefined, () => 0)).toBe(ceiling / 2);
            expect(retryDelay(retry, 100, undefined, () => 0.999)).toBeLessThanOrEqual(ceiling);
        }
        expect(retryDelay(0, 100, 2000)).toBe(2000);
    });
});

describe("hosted sessions against a fake server on 127.0.0.1", () => {
    it("openai: chat completion, usage and the served model name", async () => {
        server.reset();
        const s = session(`openai:${server.url}#my-model`);
        const result = await s.generate(prompt, {maxTokens: 16});
        expect(result.text).toContain("4412345");
        expect(result.server).toMatchObject({model: "my-model", attempts: 1, endpoint: server.url});
        expect(result.promptTokens).toBe(result.server.usage!.promptTokens);
        expect(server.requests[0]!.path).toBe("/v1/chat/completions");
        expect(server.requests[0]!.body).toMatchObject({model: "my-model", max_tokens: 16, temperature: 0});
        // openai: sends no token unless the suite names a tokenEnv.
        expect(server.requests[0]!.authorization).toBeUndefined();
    });

    it("hf-endpoint: the token from HF_TOKEN as bearer, feature extraction as {inputs} at the bare URL", async () => {
        server.reset();
        const s = session(`hf-endpoint:${server.url}`);
        await s.generate(prompt, {maxTokens: 8});
        const vectors = await s.embed(["a cat sits", "a dog runs"]);
        expect(vectors).toHaveLength(2);
        expect(server.requests.map((r) => r.path)).toEqual(["/v1/chat/completions", "/"]);
        expect(server.requests[1]!.body).toEqual({inputs: ["a cat sits", "a dog runs"]});
        expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });

    it("openai: embeddings at /v1/embeddings in batches, in order", async () => {
        server.reset();
        const s = session(`openai:${server.url}/v1#emb`);
        const texts = Array.from({length: 70}, (_, i) => `sentence number ${i}`);
        const vectors = await s.embed(texts);
        expect(vectors).toHaveLength(70);
        expect(server.requests.map((r) => r.path)).toEqual(["/v1/embeddings", "/v1/embeddings", "/v1/embeddings"]);
        const {fakeEmbedding} = await import("../helpers/fake-server.js");
        expect(vectors[69]).toEqual(fakeEmbedding("sentence number 69"));
    });

    it("hf-inference: provider mapping from the Hub and the router's provider route (redirected to the fake server)", async () => {
        server.reset();
        process.env.SLMBENCH_HF_ROUTER_URL = server.url;
        process.env.SLMBENCH_HF_HUB_URL = server.url;
        try {
            const s = session("hf-inference:meta-llama/Llama-3.2-1B-Instruct@together");
            const result = await s.generate(prompt, {maxTokens: 8});
            expect(result.text).toContain("4412345");
            const paths = server.requests.map((r) => r.path);
            expect(paths).toContain("/together/v1/chat/completions");
            expect(server.requests.find((r) => r.path.endsWith("/chat/completions"))!.body).toMatchObject({model: "together/meta-llama/Llama-3.2-1B-Instruct"});
        } finally {
            delete process.env.SLMBENCH_HF_ROUTER_URL;
            delete process.env.SLMBENCH_HF_HUB_URL;
        }
    });

    it("hf-inference: feature extraction through the router's hf-inference pipeline route, vectors in input order", async () => {
        server.reset();
        process.env.SLMBENCH_HF_ROUTER_URL = server.url;
        process.env.SLMBENCH_HF_HUB_URL = server.url;
        try {
            const texts = ["a dog runs in the park", "the stock market fell", "a dog is running in a park"];
            const vectors = await session("hf-inference:sentence-transformers/all-MiniLM-L6-v2@hf-inference").embed(texts);
            expect(vectors).toEqual(texts.map(fakeEmbedding));
            const call = server.requests.find((r) => r.path.endsWith("/pipeline/feature-extraction"))!;
            expect(call.path).toBe("/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction");
            expect(call.body).toMatchObject({inputs: texts});
            expect(call.authorization).toBe(`Bearer ${TOKEN}`);
        } finally {
            delete process.env.SLMBENCH_HF_ROUTER_URL;
            delete process.env.SLMBENCH_HF_HUB_URL;
        }
    });

    it("429 with Retry-After as an HTTP date: waits until then, then succeeds", async () => {
        server.reset();
        // HTTP dates have whole seconds: two seconds ahead is at least one second away.
        server.faults.push({status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString()});
        const started = performance.now();
        const result = await session(`openai:${server.url}#m`).generate(prompt, {maxTokens: 8});
        expect(performance.now() - started).toBeGreaterThanOrEqual(950);
        expect(result.server.attempts).toBe(2);
    });

    it("429 with Retry-After: waits at least that long, then succeeds", async () => {
        server.reset();
        server.faults.push({status: 429, retryAfter: "1"});
        const started = performance.now();
        const result = await session(`openai:${server.url}#m`).generate(prompt, {maxTokens: 8});
        expect(performance.now() - started).toBeGreaterThanOrEqual(950);
        expect(result.server.attempts).toBe(2);
        expect(server.requests).toHaveLength(2);
    });

    it("asks for compressed answers and decodes gzip, as fetch does (chat, /v1/embeddings, feature extraction)", async () => {
        const zipped = await startFakeServer({gzip: true, modelName: "zipped"});
        try {
            const chat = await session(`openai:${zipped.url}#m`).generate(prompt, {maxTokens: 8});
            expect(chat.text).toContain("4412345");
            expect(chat.server.usage!.promptTokens).toBeGreaterThan(0);
            const texts = ["a dog runs in the park", "the stock market fell"];
            expect(await session(`openai:${zipped.url}#m`).embed(texts)).toEqual(texts.map(fakeEmbedding));
            expect(await session(`hf-endpoint:${zipped.url}`).embed(texts)).toEqual(texts.map(fakeEmbedding));
            // Every request offered gzip, so every answer came gzipped.
            expect(zipped.requests).toHaveLength(3);
            for (const request of zipped.requests) expect(request.acceptEncoding).toMatch(/\bgzip\b/);
        } finally {
            await zipped.close();
        }
    });

    it("token-level feature extraction: an error naming the fix by default, mean-pooled with pooling: \"mean\"", async () => {
        const tokens = await startFakeServer({tokenLevel: true});
        try {
            const texts = ["a dog runs in the park", "the stock market fell", "kids"];
            await expect(session(`hf-endpoint:${tokens.url}`).embed(texts)).rejects.toThrow(/got an array of 3 × an array of 6 × an array of 64 .*set pooling: "mean"/);
            const pooled = await session(`hf-endpoint:${tokens.url}`, {pooling: "mean"}).embed(texts);
            const mean = (vectors: number[][]) => vectors[0]!.map((_, i) => vectors.reduce((sum, v) => sum + v[i]!, 0) / vectors.length);
            expect(pooled).toHaveLength(3);
            for (const [k, text] of texts.entries()) {
                const expected = mean(fakeTokenEmbeddings(text));
                pooled[k]!.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 12));
            }
            // One text alone, and an ordinary (already pooled) server with pooling on, still come back as one vector each.
            expect(await session(`hf-endpoint:${tokens.url}`, {pooling: "mean"}).embed(["kids"])).toHaveLength(1);
            expect(await session(`hf-endpoint:${server.url}`, {pooling: "mean"}).embed(texts)).toEqual(texts.map(fakeEmbedding));
            expect(await session(`hf-endpoint:${server.url}`, {pooling: "mean"}).embed(["kids play"])).toEqual([fakeEmbedding("kids play")]);
        } finally {
            await tokens.close();
        }
    });

    it("follows redirects as fetch does: 307 replays the POST; another origin gets no Authorization; a loop fails once, not retried", async () => {
        server.reset();
        server.faults.push({redirect: "/moved/v1/chat/completions", status: 307});
        const same = await session(`hf-endpoint:${server.url}`).generate(prompt, {maxTokens: 8});
        expect(same.text).toContain("4412345");
        expect(server.requests.map((r) => [r.path, r.authorization])).toEqual([
            ["/v1/chat/completions", `Bearer ${TOKEN}`], ["/moved/v1/chat/completions", `Bearer ${TOKEN}`]]);
        expect(server.requests[1]!.body).toEqual(server.requests[0]!.body);

        const other = await startFakeServer();
        try {
            server.reset();
            server.faults.push({redirect: `${other.url}/v1/chat/completions`, status: 308});
            const cross = await session(`hf-endpoint:${server.url}`).generate(prompt, {maxTokens: 8});
            expect(cross.text).toContain("4412345");
            expect(server.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
            expect(other.requests).toHaveLength(1);
            expect(other.requests[0]!.authorization).toBeUndefined(); // the token does not follow a redirect off its host
            expect(other.requests[0]!.body).toMatchObject({messages: expect.any(Array)});
        } finally {
            await other.close();
        }

        server.reset();
        for (let i = 0; i < 30; i++) server.faults.push({redirect: "/v1/chat/completions", status: 302});
        await expect(session(`openai:${server.url}#m`, {retries: 3}).generate(prompt, {maxTokens: 8}))
            .rejects.toThrow(/more than 20 redirects/);
        expect(server.requests).toHaveLength(21); // one attempt: the request and 20 redirects, no retries
        // 302 after a POST continues as a GET without body, as fetch does.
        expect(server.requests[1]!.method).toBe("GET");
        expect(server.requests[1]!.body).toBeNull();
    });

    it("500 then success: retried with backoff", async () => {
        server.reset();
        server.faults.push({status: 500}, {status: 503});
        const result = await session(`openai:${server.url}#m`).generate(prompt, {maxTokens: 8});
        expect(result.server.attempts).toBe(3);
    });

    it("a hanging request hits the timeout, is retried, and the final failure says so", async () => {
        server.reset();
        server.faults.push({hang: true});
        const ok = await session(`openai:${server.url}#m`, {timeoutMs: 200}).generate(prompt, {maxTokens: 8});
        expect(ok.server.attempts).toBe(2);
        server.reset();
        server.faults.push({hang: true}, {hang: true});
        await expect(session(`openai:${server.url}#m`, {timeoutMs: 200, retries: 1}).generate(prompt, {maxTokens: 8}))
            .rejects.toThrow(/timed out after 200 ms \(gave up after 2 attempts\)/);
    });

    it("malformed JSON: retried like other transient faults; an error naming it once the retries are spent", async () => {
        server.reset();
        server.faults.push({malformed: true});
        const ok = await session(`openai:${server.url}#m`).generate(prompt, {maxTokens: 8});
        expect(ok.server.attempts).toBe(2);
        expect(ok.text).toContain("4412345");
        server.reset();
        server.faults.push({malformed: true}, {malformed: true});
        await expect(session(`openai:${server.url}#m`, {retries: 1}).generate(prompt, {maxTokens: 8}))
            .rejects.toThrow(/malformed JSON in the response .*\(gave up after 2 attempts\)/);
        expect(server.requests).toHaveLength(2);
    });

    it("a connection reset mid-response is retried", async () => {
        server.reset();
        server.faults.push({reset: true});
        const result = await session(`hf-endpoint:${server.url}`).generate(prompt, {maxTokens: 8});
        expect(result.server.attempts).toBe(2);
        expect(result.text).toContain("4412345");
    });

    it("a 4xx is not retried, and a server echoing the token does not get it into the message", async () => {
        server.reset();
        server.faults.push({status: 401, body: JSON.stringify({error: `bad token ${TOKEN}`})});
        const error = await session(`hf-endpoint:${server.url}`).generate(prompt, {maxTokens: 8}).catch((e: Error) => e);
        expect((error as Error).message).toMatch(/HTTP 401/);
        expect((error as Error).message).not.toContain(TOKEN);
        expect(server.requests).toHaveLength(1);
    });

    it("keeps requests in flight at or under the concurrency limit (measured at the server), spread over an endpoint pool", async () => {
        const slow = await startFakeServer({delayMs: 20});
        const other = await startFakeServer({delayMs: 20});
        try {
            const single = session(`openai:${slow.url}#m`, {concurrency: 3});
            await Promise.all(Array.from({length: 30}, () => single.generate(prompt, {maxTokens: 4})));
            expect(slow.maxInFlight).toBe(3);
            slow.reset();
            const pooled = session(`openai:${slow.url}#m`, {concurrency: 2, endpoints: [other.url]});
            expect(pooled.concurrency).toBe(4);
            await Promise.all(Array.from({length: 40}, () => pooled.generate(prompt, {maxTokens: 4})));
            expect(slow.maxInFlight).toBeLessThanOrEqual(2);
            expect(other.maxInFlight).toBeLessThanOrEqual(2);
            expect(slow.requests.length).toBeGreaterThan(10);
            expect(other.requests.length).toBeGreaterThan(10);
            expect(slow.requests.length + other.requests.length).toBe(40);
        } finally {
            await slow.close();
            await other.close();
        }
    });

    it("NIAH on a hosted session: calibrated sizing, null log-probabilities, optional LLM judge with its model and prompt recorded", async () => {
        server.reset();
        const {default: niah} = await import("../../harness/tasks/niah/index.js");
        const {testAssetRoots} = await import("../helpers/assets.js");
        const {tempDir} = await import("../helpers/cli.js");
        const judgeUri = `openai:${server.url}#judge-model`;
        const config = niah.configSchema.parse({lengths: [300], depths: [0, 100], maxNewTokens: 16, judge: {model: judgeUri}});
        const s = session(`openai:${server.url}#m`);
        const assetRoots = testAssetRoots(tempDir("cache"));
        const runner = await niah.createRunner(config, s, {assetRoots, openModel: modelOpener(assetRoots)});
        for (const trial of niah.plan(config, hostedModelInfo(`openai:${server.url}#m`))) {
            const record = await runner.run(trial);
            expect(record.scores).toMatchObject({stringMatch: 100, judge: 10, lift: null, answerLogprob: null, baselineLogprob: null});
            expect(record.input!.lengthSizing).toMatch(/^calibrated: /);
            const judge = record.output!.judge as {model: string; servedModel: string; prompt: string; reply: string};
            expect(judge).toMatchObject({model: judgeUri, servedModel: "judge-model", reply: "Rating: [[10]]"});
            expect(judge.prompt).toContain("Score 7: The answer aligns with the reference but has minor omissions.");
        }
        const {parseJudgeScore} = await import("../../harness/tasks/niah/judge.js");
        expect([parseJudgeScore("Rating: [[7]]"), parseJudgeScore("8"), parseJudgeScore("no idea")]).toEqual([7, 8, null]);
    });

    it("NIAH sizing calibrates to the server's tokenizer: a denser one (3 characters per token) still lands on the target; no usage falls back, saying so", async () => {
        const {default: niah} = await import("../../harness/tasks/niah/index.js");
        const {testAssetRoots} = await import("../helpers/assets.js");
        const {tempDir} = await import("../helpers/cli.js");
        const config = niah.configSchema.parse({lengths: [1000, 4000], depths: [50], maxNewTokens: 16});
        const assetRoots = testAssetRoots(tempDir("cache"));
        const dense = await startFakeServer({charsPerToken: 3});
        const silent = await startFakeServer({omitUsage: true});
        try {
            const runOn = async (url: string) => {
                const s = session(`openai:${url}#m`);
                const runner = await niah.createRunner(config, s, {assetRoots});
                return Promise.all(niah.plan(config, hostedModelInfo(`openai:${url}#m`)).map((trial) => runner.run(trial)));
            };
            const denseRecords = await runOn(dense.url);
            for (const record of denseRecords) {
                expect(record.input!.lengthSizing).toMatch(/^calibrated: 3\.0\d\d characters per token/);
                const target = Number(record.input!.targetPromptTokens);
                // The fixed 4-characters guess would have sent about 4/3 of the target: past the context.
                expect(record.promptTokens!).toBeLessThanOrEqual(target);
                expect(record.promptTokens!).toBeGreaterThan(target * 0.98);
                expect(record.scores.stringMatch).toBe(100);
            }
            // Two probes, one generated token each, then one request per trial.
            const chats = dense.requests.filter((r) => r.path.endsWith("/chat/completions"));
            expect(chats.map((r) => (r.body as {max_tokens: number}).max_tokens)).toEqual([1, 1, 16, 16]);

            const silentRecords = await runOn(silent.url);
            for (const record of silentRecords) {
                expect(record.input!.lengthSizing).toBe("approximate: 4 characters per token + 8 for the chat template " +
                    "(the server reports no usage.prompt_tokens to calibrate from); promptTokens is the server's count");
                expect(record.promptTokens).toBeUndefined();
            }
        } finally {
            await dense.close();
            await silent.close();
        }
    });
});
