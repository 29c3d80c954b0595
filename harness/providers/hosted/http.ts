/**
 * One HTTP attempt with a timeout that covers the body, and the harness's retry policy around it.
 * The InferenceClient gets `attemptFetch` as its `fetch` (with retry_on_error: false), so its
 * requests and the plain-fetch ones (OpenAI /v1/embeddings) share one policy: retries with
 * exponential backoff and full jitter on 429, 408, 5xx, timeouts, connection resets and malformed
 * replies (JSON that does not parse, embeddings of the wrong count or with non-numbers), waiting at
 * least what Retry-After says.
 */

import {exchange, type RawResponse} from "./transport.js";

/** An attempt that failed; `retryable` says whether the policy may try again. */
export class HostedRequestError extends Error {
    constructor(message: string, readonly retryable: boolean, readonly status?: number, readonly retryAfterMs?: number) {
        super(message);
        this.name = "HostedRequestError";
    }
}

const RETRY_STATUSES = (status: number) => status === 408 || status === 429 || status >= 500;
/** A Retry-After longer than this is not waited for: the attempt fails at once. */
const MAX_RETRY_AFTER_MS = 120_000;
const MAX_BACKOFF_MS = 60_000;
const SNIPPET = 200;
/** Node's codes for a server certificate that fails verification (self-signed, unknown issuer, expired, wrong host). */
const TLS_TRUST_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS_/;

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
    if (!value) return undefined;
    if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeCause(error: unknown): string {
    const cause = (error as {cause?: {code?: string; message?: string}}).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** Removes a secret from text that may echo it (server error bodies). */
export function scrub(text: string, secret: string | undefined): string {
    return secret ? text.split(secret).join("[redacted]") : text;
}

/**
 * A fetch doing one attempt (over `exchange`, not the global fetch: see transport.ts): the
 * response body is read inside the timeout and handed back as a fresh Response, so a reset
 * mid-body or a hang after the headers is this attempt's failure (retryable), not the caller's.
 * Non-2xx answers throw HostedRequestError.
 */
export function attemptFetch(timeoutMs: number, secret?: string): typeof fetch {
    return async (input, init) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        const where = url.replace(/^https?:\/\//, "");
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        const outer = init?.signal;
        const onAbort = () => controller.abort();
        outer?.addEventListener("abort", onAbort, {once: true});
        try {
            let response: RawResponse;
            try {
                response = await exchange(url, init ?? {}, controller.signal);
            } catch (error) {
                if (outer?.aborted) throw error;
                if (controller.signal.aborted) throw new HostedRequestError(`${where}: timed out after ${timeoutMs} ms`, true);
                const cause = describeCause(error);
                if (cause === "ERR_REDIRECT") throw new HostedRequestError(`${where}: ${(error as {cause: Error}).cause.message}`, false);
                // A certificate the machine does not trust fails the same way every time: no retries.
                if (TLS_TRUST_ERROR.test(cause))
                    throw new HostedRequestError(`${where}: TLS certificate not trusted (${cause}); for a server with a private CA, ` +
                        "start the run with NODE_EXTRA_CA_CERTS=<the CA's PEM file>", false);
                throw new HostedRequestError(`${where}: connection failed (${cause})`, true);
            }
            const {body} = response;
            if (response.status < 200 || response.status > 299) {
                const text = scrub(body.toString("utf8").slice(0, SNIPPET), secret).replace(/\s+/g, " ").trim();
                throw new HostedRequestError(`${where}: HTTP ${response.status}${text ? `: ${text}` : ""}`,
                    RETRY_STATUSES(response.status), response.status, parseRetryAfter(response.headers.get("retry-after")));
            }
            const type = response.headers.get("content-type") ?? "";
            let parsed: unknown;
            if (type.includes("json")) {
                try {
                    parsed = JSON.parse(body.toString("utf8"));
                } catch {
                    const text = scrub(body.toString("utf8").slice(0, SNIPPET), secret);
                    // A reply cut or garbled on the way (a proxy, an overloaded server) is a transient fault: retried like a 5xx.
                    throw new HostedRequestError(`${where}: malformed JSON in the response (HTTP ${response.status}): ${JSON.stringify(text)}`, true, response.status);
                }
            }
            return new BufferedResponse(body, parsed, {status: response.status, statusText: response.statusText, headers: response.headers});
        } finally {
            clearTimeout(timer);
            outer?.removeEventListener("abort", onAbort);
        }
    };
}

/**
 * A Response over a body already read (and parsed, for JSON): json() hands back the parsed value
 * instead of streaming the bytes through a ReadableStream and parsing them again, which costs
 * more than the rest of a request's client-side work at high concurrency. The body stream itself
 * is null; the InferenceClient reads responses only through json(), text() and blob().
 */
class BufferedResponse extends Response {
    readonly #bytes: Buffer;
    readonly #parsed: unknown;
    constructor(bytes: Buffer, parsed: unknown, init: ResponseInit) {
        super(null, init);
        this.#bytes = bytes;
        this.#parsed = parsed;
    }
    override async json(): Promise<any> {
        return this.#parsed !== undefined ? this.#parsed : JSON.parse(this.#bytes.toString("utf8"));
    }
    override async text(): Promise<string> {
        return this.#bytes.toString("utf8");
    }
    override async arrayBuffer(): Promise<ArrayBuffer> {
        return this.#bytes.buffer.slice(this.#bytes.byteOffset, this.#bytes.byteOffset + this.#bytes.byteLength) as ArrayBuffer;
    }
    override async blob(): Promise<Blob> {
        return new Blob([new Uint8Array(this.#bytes)], {type: this.headers.get("content-type") ?? ""});
    }
}

export interface RetryPolicy {
    retries: number;
    backoffMs: number;
    /** For tests: the sleep function. */
    sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Delay before retry number `retry` (0-based): full jitter over backoff * 2^retry, at least Retry-After. */
export function retryDelay(retry: number, backoffMs: number, retryAfterMs?: number, random = Math.random): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** retry);
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    return Math.max(jittered, retryAfterMs ?? 0);
}

/** The error as the client or fetch threw it, as a HostedRequestError (unknown errors are not retried). */
export function asRequestError(error: unknown, secret?: string): HostedRequestError {
    if (error instanceof HostedRequestError) return error;
    const message = scrub((error as Error)?.message ?? String(error), secret);
    return new HostedRequestError(message, false);
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error, or the retries are spent; the final
 * error's message says how many attempts were made. `attempt` gets the attempt number (0-based).
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, secret?: string): Promise<{value: T; attempts: number}> {
    const sleep = policy.sleep ?? defaultSleep;
    for (let n = 0; ; n++) {
        try {
            return {value: await attempt(n), attempts: n + 1};
        } catch (thrown) {
            const error = asRequestError(thrown, secret);
            const tooLong = error.retryAfterMs != null && error.retryAfterMs > MAX_RETRY_AFTER_MS;
            if (!error.retryable || n >= policy.retries || tooLong) {
                const tries = n + 1;
                const why = tooLong ? ` (Retry-After ${Math.round(error.retryAfterMs! / 1000)} s is too long to wait)` : "";
                throw new HostedRequestError(`${error.message}${error.retryable ? ` (gave up after ${tries} attempt${tries > 1 ? "s" : ""})` : ""}${why}`,
                    false, error.status);
            }
            await sleep(retryDelay(n, policy.backoffMs, error.retryAfterMs));
        }
    }
}
