import {InferenceClient, setLogger} from "@huggingface/inference";
import pLimit, {LimitFunction} from "p-limit";
import type {HostedRuntime} from "./models.js";
import type {HostedEndpoint, HostedProtocol, RequestContext} from "./protocol.js";
import type {ChatPrompt, GenerateResult, PromptStyle, ServerReport, Session, SessionCounters} from "../../session/types.js";
import {plainPromptText} from "../../session/types.js";

export type {ServerReport};
import {attemptFetch, HostedRequestError, withRetries} from "./http.js";

/** Texts per embedding request; a session's embed() sends its batches concurrently through the pool. */
export const EMBED_REQUEST_BATCH = 32;

// The client logs provider auto-selection to the console; the harness reports what it needs itself.
setLogger({debug() {}, info() {}, warn() {}, error() {}, log() {}});

export interface ChatMessage {
    role: "system" | "user" | "assistant";
    content: string;
}

export interface HostedGenerateResult extends GenerateResult {
    server: ServerReport;
}

interface Endpoint extends HostedEndpoint {
    limit: LimitFunction;
    client: InferenceClient;
}

/** Test hook: send huggingface.co / router.huggingface.co requests to another base URL (a fake server). */
function hubRewrite(): ((url: string) => string) | undefined {
    const router = process.env.SLMBENCH_HF_ROUTER_URL;
    const hub = process.env.SLMBENCH_HF_HUB_URL;
    if (!router && !hub) return undefined;
    return (url) => {
        if (router && url.startsWith("https://router.huggingface.co")) return router.replace(/\/+$/, "") + url.slice("https://router.huggingface.co".length);
        if (hub && url.startsWith("https://huggingface.co")) return hub.replace(/\/+$/, "") + url.slice("https://huggingface.co".length);
        return url;
    };
}

/**
 * A hosted model as a session: chat completion (NIAH, judges) and embeddings (STS) through
 * @huggingface/inference's InferenceClient, spread over a pool of endpoints, each with its own
 * concurrency limit. No tokenizer and no log-probabilities: tasks adapt (NIAH sizes lengths
 * approximately and scores string match only).
 */
export class HostedSession implements Session {
    readonly capabilities = new Set(["generate", "embed"] as const);
    /** "completion" with promptForm "completion" (the plain-text prompt local models see), else the server's chat template. */
    readonly promptStyle: PromptStyle;
    private readonly endpoints: Endpoint[];
    private readonly token: string | undefined;
    private next = 0;
    private readonly totals: SessionCounters = {promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, promptMs: 0, generateMs: 0};

    constructor(private readonly protocol: HostedProtocol, private readonly runtime: HostedRuntime, env: NodeJS.ProcessEnv = process.env) {
        this.token = runtime.tokenEnv ? env[runtime.tokenEnv] || undefined : undefined;
        this.promptStyle = runtime.promptForm === "completion" ? "completion" : "chat-template";
        const rewrite = hubRewrite();
        const once = attemptFetch(runtime.timeoutMs, this.token);
        const fetchFn: typeof fetch = rewrite
            ? (input, init) => once(rewrite(typeof input === "string" ? input : input instanceof URL ? input.href : input.url), init)
            : once;
        const options = {fetch: fetchFn, retry_on_error: false};
        const {uri} = runtime;
        this.endpoints = protocol.pooled
            ? runtime.endpoints.map((url) => ({
                label: url, url, limit: pLimit(runtime.concurrency),
                client: new InferenceClient(this.token ?? "", {...options, endpointUrl: url})
            }))
            : [{label: protocol.endpointIdentity(uri), limit: pLimit(runtime.concurrency), client: new InferenceClient(this.token ?? "", options)}];
        this.fetchOnce = fetchFn;
    }
    private readonly fetchOnce: typeof fetch;

    private contextOf(endpoint: Endpoint): RequestContext {
        return {client: endpoint.client, endpoint, uri: this.runtime.uri, fetch: this.fetchOnce, token: this.token};
    }

    /** Requests in flight at most: the trial loop's concurrency. */
    get concurrency(): number {
        return this.runtime.concurrency * this.endpoints.length;
    }

    /** The least busy endpoint (round-robin among equals). */
    private pick(): Endpoint {
        let best: Endpoint | undefined;
        let bestLoad = Infinity;
        for (let i = 0; i < this.endpoints.length; i++) {
            const endpoint = this.endpoints[(this.next + i) % this.endpoints.length]!;
            const load = endpoint.limit.activeCount + endpoint.limit.pendingCount;
            if (load < bestLoad) [best, bestLoad] = [endpoint, load];
        }
        this.next = (this.next + 1) % this.endpoints.length;
        return best!;
    }

    /** One request with the retry policy; each attempt takes a slot on the least busy endpoint (sleeping between attempts holds none). */
    private async request<T>(call: (endpoint: Endpoint) => Promise<T>): Promise<{value: T; latencyMs: number; attempts: number; endpoint: string}> {
        let latencyMs = 0;
        let endpointLabel = "";
        const {value, attempts} = await withRetries({retries: this.runtime.retries, backoffMs: this.runtime.backoffMs}, () => {
            const endpoint = this.pick();
            return endpoint.limit(async () => {
                const started = performance.now();
                const value = await call(endpoint);
                latencyMs = performance.now() - started;
                endpointLabel = endpoint.label;
                return value;
            });
        }, this.token);
        return {value, latencyMs, attempts, endpoint: endpointLabel};
    }

    /** Chat completion of messages (greedy: temperature 0). */
    async chat(messages: ChatMessage[], maxTokens: number): Promise<{text: string; server: ServerReport}> {
        const answer = await this.request((ep) => this.protocol.chat(this.contextOf(ep), {
            messages: messages.map((m) => ({role: m.role, content: m.content})),
            max_tokens: maxTokens,
            temperature: 0
        }));
        return this.completionOf(answer, (choice) => (choice as {message?: {content?: unknown}} | undefined)?.message?.content, "a chat completion (no choices[0].message.content)");
    }

    /** Text completion of a plain-text prompt (greedy: temperature 0): the server continues exactly this text. */
    async complete(prompt: string, maxTokens: number): Promise<{text: string; server: ServerReport}> {
        const complete = this.protocol.complete;
        if (!complete) throw new HostedRequestError(`${this.protocol.kind}: no text-completion endpoint`, false);
        const answer = await this.request((ep) => complete.call(this.protocol, this.contextOf(ep), {prompt, max_tokens: maxTokens, temperature: 0}));
        return this.completionOf(answer, (choice) => (choice as {text?: unknown} | undefined)?.text, "a text completion (no choices[0].text)");
    }

    /** The text, usage and model name of a chat or text completion answer; counts its usage. */
    private completionOf({value, latencyMs, attempts, endpoint}: {value: unknown; latencyMs: number; attempts: number; endpoint: string},
        textOf: (choice: unknown) => unknown, expected: string): {text: string; server: ServerReport} {
        const response = value as {model?: unknown; choices?: {finish_reason?: unknown}[]; usage?: {prompt_tokens?: unknown; completion_tokens?: unknown}};
        const content = textOf(response?.choices?.[0]);
        if (typeof content !== "string")
            throw new HostedRequestError(`${endpoint}: the response is not ${expected}`, false);
        const count = (n: unknown) => (typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null);
        const usage = response.usage && typeof response.usage === "object"
            ? {promptTokens: count(response.usage.prompt_tokens), completionTokens: count(response.usage.completion_tokens)} : null;
        const model = typeof response.model === "string" ? response.model : null;
        this.totals.promptTokens += usage?.promptTokens ?? 0;
        this.totals.generatedTokens += usage?.completionTokens ?? 0;
        this.totals.evaluatedTokens += (usage?.promptTokens ?? 0) + (usage?.completionTokens ?? 0);
        this.totals.generateMs += latencyMs;
        const finishReason = response.choices?.[0]?.finish_reason;
        return {text: content, server: {model, usage, latencyMs, attempts, endpoint, finishReason: typeof finishReason === "string" ? finishReason : null}};
    }

    /** A task prompt as chat messages; the answer prefix is a trailing assistant message only with `prefill`. */
    messagesOf(prompt: ChatPrompt): ChatMessage[] {
        const messages: ChatMessage[] = [];
        if (prompt.system) messages.push({role: "system", content: prompt.system});
        messages.push({role: "user", content: prompt.user});
        if (this.runtime.prefill && prompt.answerPrefix) messages.push({role: "assistant", content: prompt.answerPrefix});
        return messages;
    }

    async generate(prompt: ChatPrompt, options: {maxTokens: number}): Promise<HostedGenerateResult> {
        const {text, server} = this.promptStyle === "completion"
            ? await this.complete(plainPromptText(prompt), options.maxTokens)
            : await this.chat(this.messagesOf(prompt), options.maxTokens);
        return {
            text,
            // NaN when the server reports no usage: the task leaves the count out rather than guess.
            promptTokens: server.usage?.promptTokens ?? Number.NaN,
            generatedTokens: server.usage?.completionTokens ?? Number.NaN,
            promptMs: 0,
            generateMs: server.latencyMs,
            server
        };
    }

    async embed(texts: string[]): Promise<number[][]> {
        const batches: string[][] = [];
        for (let i = 0; i < texts.length; i += EMBED_REQUEST_BATCH) batches.push(texts.slice(i, i + EMBED_REQUEST_BATCH));
        const results = await Promise.all(batches.map((batch) => this.embedBatch(batch)));
        return results.flat();
    }

    private async embedBatch(texts: string[]): Promise<number[][]> {
        const {value, latencyMs} = await this.request(async (ep): Promise<number[][]> => {
            const output = await this.protocol.embed(this.contextOf(ep), texts);
            return asVectors(output, texts.length, ep.label, this.runtime.pooling);
        });
        this.totals.generateMs += latencyMs;
        return value;
    }

    counters(): SessionCounters {
        return {...this.totals};
    }
}

function asVectors(output: unknown, expected: number, where: string, pooling: "none" | "mean"): number[][] {
    const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isFinite(x));
    const isTokenVectors = (v: unknown): v is number[][] => Array.isArray(v) && v.length > 0 && v.every(isVector) && v.every((t) => t.length === v[0].length);
    let vectors = output;
    if (expected === 1 && (isVector(output) || (pooling === "mean" && isTokenVectors(output)))) vectors = [output];
    if (pooling === "mean" && Array.isArray(vectors) && vectors.every(isTokenVectors)) vectors = vectors.map(meanPool);
    // One vector per token is how the model answers every time: no retry. Any other wrong shape is a malformed reply, retried.
    const perToken = pooling !== "mean" && Array.isArray(vectors) && vectors.length === expected && vectors.every(isTokenVectors);
    if (!Array.isArray(vectors) || vectors.length !== expected || !vectors.every(isVector))
        throw new HostedRequestError(`${where}: expected ${expected} sentence embeddings (number[][]), got ${describeShape(output)}` +
            (perToken ? " (one vector per token? set pooling: \"mean\" on the model, or serve a sentence-embedding model)" : ""), !perToken);
    return vectors;
}

/** The mean of a text's token vectors (every token counts: one text's answer has no padding). */
function meanPool(tokens: number[][]): number[] {
    const sum = new Array<number>(tokens[0]!.length).fill(0);
    for (const token of tokens) for (let i = 0; i < sum.length; i++) sum[i]! += token[i]!;
    return sum.map((x) => x / tokens.length);
}

function describeShape(value: unknown): string {
    if (!Array.isArray(value)) return typeof value;
    return `an array of ${value.length}${value.length ? ` × ${describeShape(value[0])}` : ""}`;
}
