import {readFileSync} from "node:fs";
import {createServer, IncomingMessage, Server, ServerResponse} from "node:http";
import {createServer as createTlsServer} from "node:https";
import type {AddressInfo} from "node:net";
import {gzipSync} from "node:zlib";

/**
 * A fake inference server on 127.0.0.1 speaking what @huggingface/inference and OpenAI-style
 * clients send: chat completions at <base>/v1/chat/completions (and the HF router's
 * /<provider>/v1/chat/completions, /v1/chat/completions), text completions at <base>/v1/completions, embeddings at <base>/v1/embeddings,
 * feature extraction as {inputs} at the bare endpoint URL (and the router's
 * /hf-inference/models/<id>/pipeline/feature-extraction), and the Hub's inference provider
 * mapping at /api/models/<id>. It answers NIAH prompts by reading the needle back, so string
 * match scores 100. Faults are injected per request; concurrency and timings are measured here.
 */
export type Fault =
    | {status: number; retryAfter?: string; body?: string}
    | {hang: true}
    | {malformed: true}
    | {reset: true}
    | {redirect: string; status?: number};

export interface RequestLog {
    method: string;
    path: string;
    authorization: string | undefined;
    acceptEncoding: string | undefined;
    body: unknown;
    /** Time the server spent on it (ms): arrival to response end. */
    serverMs: number;
    arrivedAt: number;
    fault?: Fault;
}

export interface FakeServerOptions {
    /** Fixed answer delay (ms) for successful requests. */
    delayMs?: number;
    /** Characters per prompt token in the usage it reports (default 4.2); each message adds 3 tokens of "template". */
    charsPerToken?: number;
    /**
     * Serves HTTPS with test/helpers/tls/cert.pem (self-signed for IP 127.0.0.1, valid 2020-2120):
     * clients trust it only with NODE_EXTRA_CA_CERTS=<that file> (TEST_CA_FILE).
     */
    tls?: boolean;
    /** Feature extraction answers one vector per word ([texts][words][dims]) instead of one per text. */
    tokenLevel?: boolean;
    /** Gzips answers to clients that accept it (as most servers behind a proxy do). */
    gzip?: boolean;
    /** Leaves `usage` out of chat completions (servers that do not report it). */
    omitUsage?: boolean;
    /** Model name reported in responses. */
    modelName?: string;
    /** The judge's reply to the n-th judge prompt (default: "Rating: [[10]]" when the answer holds the needle's value, else "[[1]]"). */
    judge?: (n: number) => string;
    /** The vector of a text at the embeddings endpoint (default fakeEmbedding): a test swaps it to stand for another model. */
    embed?: (text: string) => number[];
    /** Answers text completions (<base>/v1/completions); default: reads the needle back from the prompt. */
    complete?: (prompt: string, maxTokens: number) => Promise<string> | string;
    /** Chooses a fault for the n-th request (0-based) of a path kind; undefined = answer normally. */
    fault?: (n: number, request: {path: string; body: unknown}) => Fault | undefined;
}

export interface FakeServer {
    url: string;
    port: number;
    requests: RequestLog[];
    inFlight: number;
    maxInFlight: number;
    /** Faults served in order before normal answers (one each). */
    faults: Fault[];
    options: FakeServerOptions;
    close(): Promise<void>;
    reset(): void;
}

/** The fake server's TLS certificate, which is its own CA: pass as NODE_EXTRA_CA_CERTS to trust it. */
export const TEST_CA_FILE = new URL("./tls/cert.pem", import.meta.url).pathname;

const DIMENSIONS = 64;

/** A deterministic bag-of-words embedding: similar sentences get close vectors. */
export function fakeEmbedding(text: string): number[] {
    const vector = new Array<number>(DIMENSIONS).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 2166136261;
        for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
        vector[h % DIMENSIONS]! += 1;
    }
    vector[0]! += 0.01;
    return vector;
}

/** One fakeEmbedding per word of the text: a token-level feature-extraction answer. */
export function fakeTokenEmbeddings(text: string): number[][] {
    return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [""]).map(fakeEmbedding);
}

/** Reads the NIAH needle back: "... for <key> is: <value>." / the classic needle. */
export function fakeAnswer(messages: {content: string}[]): string {
    const text = messages.map((m) => m.content).join("\n");
    if (text.includes("impartial judge")) {
        // A judge: 10 when the answer holds the ground truth's value, else 1.
        const truth = /\[Ground truth\]\n.*?is: ([^.\s]+)\./.exec(text)?.[1];
        const answer = /\[The Start of Assistant's Answer\]\n([\s\S]*)\[The End/.exec(text)?.[1] ?? "";
        return truth && answer.includes(truth) ? "Rating: [[10]]" : "Rating: [[1]]";
    }
    const question = /special magic \w+ for ([\w-]+) mentioned/.exec(text);
    if (question) {
        const values = [...text.matchAll(new RegExp(`special magic \\w+ for ${question[1]} is: ([^.\\s]+)\\.`, "g"))].map((m) => m[1]);
        if (values.length) return `The special magic number for ${question[1]} is ${values.join(", ")}.`;
    }
    if (text.includes("Dolores Park")) return "Eat a sandwich and sit in Dolores Park on a sunny day.";
    if (/Score:|rubric|numerical score/i.test(text)) return "9";
    return "I do not know.";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
    const state: FakeServer = {
        url: "", port: 0, requests: [], inFlight: 0, maxInFlight: 0, faults: [], options,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
        reset() {
            state.requests = [];
            state.maxInFlight = 0;
            state.faults = [];
        }
    };
    let counter = 0;
    let judged = 0;
    const handler = async (req: IncomingMessage, res: ServerResponse) => {
        const arrivedAt = performance.now();
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        let raw = "";
        for await (const chunk of req) raw += chunk;
        let body: unknown = null;
        try {
            body = raw ? JSON.parse(raw) : null;
        } catch {
            body = raw;
        }
        const path = (req.url ?? "/").split("?")[0]!;
        const log: RequestLog = {method: req.method ?? "GET", path, authorization: req.headers.authorization, acceptEncoding: req.headers["accept-encoding"], body, serverMs: 0, arrivedAt};
        state.requests.push(log);
        const done = () => {
            state.inFlight--;
            log.serverMs = performance.now() - arrivedAt;
        };
        const fault = path.startsWith("/api/") ? undefined : state.faults.shift() ?? options.fault?.(counter++, {path, body});
        log.fault = fault;
        if (fault && "hang" in fault) {
            // Never answers; the connection closes when the client gives up.
            res.on("close", done);
            return;
        }
        if (fault && "reset" in fault) {
            res.writeHead(200, {"Content-Type": "application/json", "Content-Length": "400"});
            res.write('{"id":"x","choices":[{"mess');
            setTimeout(() => {
                req.socket.destroy();
                done();
            }, 5);
            return;
        }
        if (fault && "redirect" in fault) {
            res.writeHead(fault.status ?? 307, {Location: fault.redirect, "Content-Type": "text/plain"});
            res.end("moved");
            done();
            return;
        }
        if (fault && "status" in fault) {
            res.writeHead(fault.status, {"Content-Type": "application/json", ...(fault.retryAfter ? {"Retry-After": fault.retryAfter} : {})});
            res.end(fault.body ?? JSON.stringify({error: `injected ${fault.status}`}));
            done();
            return;
        }
        if (options.delayMs) await sleep(options.delayMs);
        const reply = (status: number, payload: unknown) => {
            const text = fault && "malformed" in fault ? '{"id": "chatcmpl-1", "choices": [' : JSON.stringify(payload);
            if (options.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
                res.writeHead(status, {"Content-Type": "application/json", "Content-Encoding": "gzip"});
                res.end(gzipSync(text));
            } else {
                res.writeHead(status, {"Content-Type": "application/json"});
                res.end(text);
            }
            done();
        };
        const modelName = options.modelName ?? "fake-model";
        const request = (body ?? {}) as {messages?: {content: string}[]; input?: string[] | string; inputs?: string[] | string; model?: string};
        if (req.method === "GET" && path === "/__log") {
            // For a server in another process (perf): what it saw, without the request bodies' contexts.
            return reply(200, state.requests.filter((r) => r.path !== "/__log").map((r) => ({path: r.path, serverMs: r.serverMs,
                tag: JSON.stringify(r.body).match(/req-\d+-\d+/)?.[0] ?? null})).concat([{path: "maxInFlight", serverMs: state.maxInFlight, tag: null}]));
        }
        if (req.method === "DELETE" && path === "/__log") {
            state.reset();
            return reply(200, {});
        }
        if (req.method === "GET" && path.startsWith("/api/models/")) {
            const id = path.slice("/api/models/".length);
            return reply(200, {_id: "x", id, inferenceProviderMapping: [
                {provider: "together", providerId: `together/${id}`, status: "live", task: "conversational", hfModelId: id},
                {provider: "hf-inference", providerId: id, status: "live", task: "feature-extraction", hfModelId: id}
            ]});
        }
        if (path.endsWith("/chat/completions")) {
            const isJudge = (request.messages ?? []).some((m) => m.content.includes("impartial judge"));
            const text = isJudge && options.judge ? options.judge(judged++) : fakeAnswer(request.messages ?? []);
            const promptChars = (request.messages ?? []).reduce((sum, m) => sum + m.content.length, 0);
            return reply(200, {
                id: "chatcmpl-1", object: "chat.completion", created: 1, model: request.model && !/^https?:/.test(request.model) ? request.model : modelName,
                choices: [{index: 0, message: {role: "assistant", content: text}, finish_reason: "stop"}],
                ...(options.omitUsage ? {} : {usage: {prompt_tokens: Math.ceil(promptChars / (options.charsPerToken ?? 4.2)) + 3 * (request.messages ?? []).length,
                    completion_tokens: Math.ceil(text.length / 4), total_tokens: 0}})
            });
        }
        if (path.endsWith("/v1/completions")) {
            const {prompt, max_tokens: maxTokens} = (body ?? {}) as {prompt?: string; max_tokens?: number};
            const text = options.complete ? await options.complete(prompt ?? "", maxTokens ?? 16) : fakeAnswer([{content: prompt ?? ""}]);
            return reply(200, {
                id: "cmpl-1", object: "text_completion", created: 1, model: modelName,
                choices: [{index: 0, text, finish_reason: "length"}],
                usage: {prompt_tokens: Math.ceil((prompt ?? "").length / (options.charsPerToken ?? 4.2)), completion_tokens: Math.ceil(text.length / 4), total_tokens: 0}
            });
        }
        if (path.endsWith("/embeddings")) {
            const input = Array.isArray(request.input) ? request.input : [request.input ?? ""];
            return reply(200, {object: "list", model: modelName, data: input.map((text, index) => ({object: "embedding", index, embedding: (options.embed ?? fakeEmbedding)(text)})), usage: {prompt_tokens: 1, total_tokens: 1}});
        }
        if (req.method === "POST" && request.inputs !== undefined) {
            const inputs = Array.isArray(request.inputs) ? request.inputs : [request.inputs];
            // tokenLevel: one vector per word, as a model without a pooling layer answers.
            return reply(200, options.tokenLevel ? inputs.map(fakeTokenEmbeddings) : inputs.map(fakeEmbedding));
        }
        reply(404, {error: `fake server: no route ${req.method} ${path}`});
    };
    const server: Server = options.tls
        ? createTlsServer({key: readFileSync(new URL("./tls/key.pem", import.meta.url)), cert: readFileSync(TEST_CA_FILE)}, handler)
        : createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    state.port = (server.address() as AddressInfo).port;
    state.url = `${options.tls ? "https" : "http"}://127.0.0.1:${state.port}`;
    return state;
}

/** `tsx test/helpers/fake-server.ts <delayMs>`: a fake server in its own process; prints its URL. */
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!) && process.argv[1].endsWith("fake-server.ts")) {
    const server = await startFakeServer({delayMs: Number(process.argv[2] ?? 0)});
    process.stdout.write(`${server.url}\n`);
}
