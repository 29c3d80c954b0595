/**
 * One HTTP exchange over node:http / node:https with keep-alive agents, the whole body read.
 *
 * Why not the global fetch: on Node 20 its bundled undici adds about 1-2 ms per request over a
 * plain node:http request with a keep-alive agent (measured against the 50 ms fake server:
 * p50 53.2-54.3 ms vs 52.1-52.2 ms), which is the whole overhead budget of a hosted trial at
 * concurrency 32. The harness only ever sends small JSON bodies and reads the whole answer, so
 * streaming buys nothing here; what fetch does that matters (redirects, dropping credentials on
 * a cross-origin redirect, gzip/deflate/br decoding, abort) is done here. Anything this module
 * does not handle (other body types, non-http URLs) goes to the global fetch unchanged. A reused
 * keep-alive socket that the server closed at that moment fails as ECONNRESET, which the retry
 * policy (http.ts) retries.
 */
import http from "node:http";
import https from "node:https";
import {promisify} from "node:util";
import zlib from "node:zlib";

/** Idle keep-alive sockets are closed after this long (servers commonly close theirs at 5 s). */
const FREE_SOCKET_TIMEOUT_MS = 4_000;
const agents = {
    "http:": new http.Agent({keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS}),
    "https:": new https.Agent({keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS})
};

export interface RawResponse {
    status: number;
    statusText: string;
    headers: Headers;
    body: Buffer;
}

/** The request body as bytes, or undefined when this transport does not handle its type. */
async function bodyBytes(body: RequestInit["body"]): Promise<Buffer | null | undefined> {
    if (body == null) return null;
    if (typeof body === "string") return Buffer.from(body);
    if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (body instanceof ArrayBuffer) return Buffer.from(body);
    if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
    return undefined;
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
    const record: Record<string, string> = {};
    new Headers(init).forEach((value, name) => (record[name] = value));
    return record;
}

const prematureClose = () => Object.assign(new Error("the connection closed before the response ended"), {code: "ECONNRESET"});

function responseHeaders(raw: string[]): Headers {
    const headers = new Headers();
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    return headers;
}

/** Fetch's limit. */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers a redirect to another origin must not carry (the Fetch standard drops Authorization). */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/**
 * Sends a request and reads the whole response, following redirects as fetch does (up to 20;
 * 303, and 301/302 after a POST, continue as a GET without body; a redirect to another origin
 * drops the Authorization header, so a token never follows a redirect off its host). Rejects
 * like fetch: with an AbortError when `signal` aborts (at any point, body included), and with
 * the socket's error (ECONNRESET, ECONNREFUSED, a premature close, a TLS failure) as `cause`
 * otherwise. Non-2xx answers resolve.
 */
export async function exchange(url: string, init: RequestInit, signal: AbortSignal): Promise<RawResponse> {
    let target = new URL(url);
    let body = await bodyBytes(init.body);
    if (!agents[target.protocol as keyof typeof agents] || body === undefined) {
        const response = await fetch(url, {...init, signal});
        return {status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.from(await response.arrayBuffer())};
    }
    let method = (init.method ?? "GET").toUpperCase();
    const headers = headerRecord(init.headers);
    for (let redirects = 0; ; redirects++) {
        const response = await sendOnce(target, method, headers, body, signal);
        const location = response.headers.get("location");
        if (!REDIRECT_STATUSES.has(response.status) || !location || init.redirect === "manual") return response;
        if (init.redirect === "error") throw redirectError(`redirected (HTTP ${response.status}) where the request forbids it`);
        if (redirects >= MAX_REDIRECTS) throw redirectError(`more than ${MAX_REDIRECTS} redirects (last to ${location})`);
        const next = new URL(location, target);
        if (!agents[next.protocol as keyof typeof agents]) throw redirectError(`redirected to a ${next.protocol} URL`);
        if (response.status === 303 ? method !== "GET" && method !== "HEAD" : (response.status === 301 || response.status === 302) && method === "POST") {
            method = "GET";
            body = null;
            for (const name of ["content-type", "content-length", "content-encoding", "content-language"]) delete headers[name];
        }
        if (next.origin !== target.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
        target = next;
    }
}

const ACCEPT_ENCODING = "gzip, deflate, br";
const DECODERS: Record<string, (data: Buffer) => Promise<Buffer>> = {
    gzip: promisify(zlib.gunzip), "x-gzip": promisify(zlib.gunzip), deflate: promisify(zlib.inflate), br: promisify(zlib.brotliDecompress)
};

/** The body without its Content-Encoding (codings applied in order are undone in reverse). */
async function decode(body: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
    const codings = (contentEncoding ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) => c && c !== "identity");
    for (const coding of codings.reverse()) {
        const decoder = DECODERS[coding];
        if (!decoder) throw new Error(`unsupported Content-Encoding ${coding}`);
        body = await decoder(body);
    }
    return body;
}

/** A redirect that cannot be followed: the same every time, so callers do not retry it (code ERR_REDIRECT). */
const redirectError = (message: string) => new TypeError("fetch failed", {cause: Object.assign(new Error(message), {code: "ERR_REDIRECT"})});

/** One HTTP exchange on a keep-alive socket; the whole body read. */
function sendOnce(target: URL, method: string, headers: Record<string, string>, body: Buffer | null, signal: AbortSignal): Promise<RawResponse> {
    signal.throwIfAborted();
    const send = target.protocol === "https:" ? https.request : http.request;
    const agent = agents[target.protocol as keyof typeof agents];
    // As fetch does: ask for compressed answers (embedding lists shrink to about half) and decode them.
    const requestHeaders = {"accept-encoding": ACCEPT_ENCODING, ...headers, ...(body ? {"content-length": String(body.byteLength)} : {})};
    return new Promise<RawResponse>((resolve, reject) => {
        const fail = (cause: unknown) => reject(signal.aborted ? signal.reason : new TypeError("fetch failed", {cause}));
        const request = send(target, {method, headers: requestHeaders, agent, signal}, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("error", fail);
            response.on("end", () => {
                if (!response.complete) return fail(prematureClose());
                decode(Buffer.concat(chunks), response.headers["content-encoding"]).then((decoded) => resolve(
                    {status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers: responseHeaders(response.rawHeaders), body: decoded}), fail);
            });
            // A socket destroyed mid-body may close the response without 'end' or 'error'.
            response.on("close", () => response.complete || fail(prematureClose()));
        });
        request.on("error", fail);
        request.end(body ?? undefined);
    });
}
