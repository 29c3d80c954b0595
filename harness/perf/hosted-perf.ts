/**
 * Hosted-provider overhead figures (printed, not asserted), against the fake OpenAI-compatible
 * server of the tests on 127.0.0.1 answering every request after a fixed 50 ms:
 *  - requests/second at concurrency 1, 8 and 32 (target: >= 90% of concurrency / 50 ms),
 *  - p50/p95 of the latency the harness adds over the server's own time per request: the time a
 *    caller waits in HostedSession.generate (InferenceClient, retry wrapper, pool, JSON) minus
 *    the time the server spent on that request (target: p50 < 2 ms).
 * Closed loop: `concurrency` callers each issue their next request when the last one returns,
 * so no time is spent queueing in the pool. The server runs in its own process (its event loop
 * is not the harness's). Run: npx tsx harness/perf/hosted-perf.ts
 */
import {hostedModelInfo, hostedRuntimeFor} from "../models/hosted.js";
import {HostedSession} from "../providers/hosted/session.js";
import {exchange} from "../providers/hosted/transport.js";
import {quantileSorted as quantile} from "../util/stats.js";
import {spawn} from "node:child_process";
import os from "node:os";
import {fileURLToPath} from "node:url";

const SERVER_DELAY_MS = 50;
const REQUESTS_PER_CALLER = Number(process.env.HOSTED_PERF_REQUESTS ?? 40);


const serverProcess = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../../test/helpers/fake-server.ts", import.meta.url)), String(SERVER_DELAY_MS)],
    {stdio: ["ignore", "pipe", "inherit"]});
const url = await new Promise<string>((resolve) => serverProcess.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
type Logged = {path: string; serverMs: number; tag: string | null};
const server = {
    url,
    reset: () => fetch(`${url}/__log`, {method: "DELETE"}),
    log: async () => (await (await fetch(`${url}/__log`)).json()) as Logged[],
    close: async () => void serverProcess.kill()
};
const rows: string[] = [];
/**
 * The same requests without the harness (no client, pool, retries or checks), sent one at a time:
 * what loopback HTTP and the fake server's own parsing add. `send` is the global fetch or the
 * harness's transport (node:http with keep-alive, see providers/hosted/transport.ts).
 */
async function bareAddedMs(send: (body: string) => Promise<unknown>): Promise<number[]> {
    const request = (user: string) => send(JSON.stringify({model: "perf", messages: [{role: "user", content: user}], max_tokens: 8}));
    for (let i = 0; i < 5; i++) await request(`warm ${i}`);
    await server.reset();
    const callerMs = new Map<string, number>();
    for (let n = 0; n < REQUESTS_PER_CALLER; n++) {
        const tag = `req-9999-${n}`; // the fake server logs tags of this shape
        const t0 = performance.now();
        await request(`${tag}: what is the special magic number?`);
        callerMs.set(tag, performance.now() - t0);
    }
    return (await server.log()).filter((r) => r.tag && callerMs.has(r.tag)).map((r) => callerMs.get(r.tag!)! - r.serverMs).sort((a, b) => a - b);
}
const chatUrl = `${url}/v1/chat/completions`;
const headers = {"content-type": "application/json"};
const viaFetch = (body: string) => fetch(chatUrl, {method: "POST", headers, body}).then((response) => response.json());
const viaTransport = (body: string) => exchange(chatUrl, {method: "POST", headers, body}, new AbortController().signal).then((response) => JSON.parse(response.body.toString()));
let bareFetch: number[] = [];
let bareTransport: number[] = [];
try {
    bareFetch = await bareAddedMs(viaFetch);
    bareTransport = await bareAddedMs(viaTransport);
    for (const concurrency of [1, 8, 32]) {
        const model = hostedModelInfo({hosted: `openai:${server.url}#perf`, concurrency, retries: 0});
        const session = new HostedSession(hostedRuntimeFor(model), {});
        // Warm-up: connections and JIT.
        await Promise.all(Array.from({length: concurrency}, (_, i) => session.generate({user: `warm ${i}`}, {maxTokens: 8})));
        await server.reset();
        const callerMs = new Map<string, number>();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        await Promise.all(Array.from({length: concurrency}, async (_, caller) => {
            for (let n = 0; n < REQUESTS_PER_CALLER; n++) {
                const tag = `req-${caller}-${n}`;
                const t0 = performance.now();
                await session.generate({system: "Answer briefly.", user: `${tag}: what is the special magic number?`}, {maxTokens: 8});
                callerMs.set(tag, performance.now() - t0);
            }
        }));
        const wallS = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const added: number[] = [];
        const log = await server.log();
        const maxInFlight = log.find((r) => r.path === "maxInFlight")!.serverMs;
        for (const request of log) if (request.tag) added.push(callerMs.get(request.tag)! - request.serverMs);
        added.sort((a, b) => a - b);
        const total = concurrency * REQUESTS_PER_CALLER;
        const rps = total / wallS;
        const ideal = concurrency / (SERVER_DELAY_MS / 1000);
        rows.push(`${String(concurrency).padStart(11)}  ${String(total).padStart(8)}  ${rps.toFixed(1).padStart(8)}  ${ideal.toFixed(1).padStart(8)}  ` +
            `${(100 * rps / ideal).toFixed(1).padStart(6)}%  ${quantile(added, 0.5).toFixed(2).padStart(8)}  ${quantile(added, 0.95).toFixed(2).padStart(8)}  ${String(maxInFlight).padStart(9)}  ${((cpu.user + cpu.system) / 1000 / total).toFixed(2).padStart(9)}`);
    }
} finally {
    await server.close();
}
console.log(`hosted provider overhead (fake OpenAI-compatible server on 127.0.0.1, fixed ${SERVER_DELAY_MS} ms per request, ${REQUESTS_PER_CALLER} requests per caller)`);
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (figures are wall-clock: other load inflates them)`);
console.log("concurrency  requests     req/s     ideal   of ideal  added p50  added p95  max in flight  harness CPU");
console.log("                                                          (ms)       (ms)   (at server)   ms/request");
for (const row of rows) console.log(row);
const baseline = (what: string, added: number[]) =>
    console.log(`  ${what.padEnd(44)} adds p50 ${quantile(added, 0.5).toFixed(2)} ms, p95 ${quantile(added, 0.95).toFixed(2)} ms`);
console.log("baselines, one request at a time without the harness (loopback HTTP and the fake server's parsing; the harness's own share is the difference):");
baseline("the harness's transport (node:http keep-alive)", bareTransport);
baseline("the global fetch (Node's bundled undici)", bareFetch);
