/**
 * Hosted-provider overhead figures (printed, not asserted), against the fake OpenAI-compatible
 * server of the tests on 127.0.0.1 answering every request after a fixed 50 ms:
 *  - requests/second at concurrency 1, 8 and 32 (target: >= 90% of concurrency / 50 ms),
 *  - p50/p95 of the latency added over the server's own time per request: the time a caller
 *    waits in HostedSession.generate (InferenceClient, retry wrapper, pool, JSON) minus the time
 *    the server spent on that request (target: p50 < 2 ms),
 *  - the same closed loop at the same concurrency without the harness (a bare request over the
 *    harness's transport, no client, pool, retries or checks): what loopback HTTP and the fake
 *    server's parsing cost on this machine, so the harness's own share is the difference of p50s.
 * Closed loop: `concurrency` callers each issue their next request when the last one returns,
 * so no time is spent queueing in the pool. The server runs in its own process (its event loop
 * is not the harness's). Run: npx tsx harness/perf/hosted-perf.ts
 */
import {resolveHostedModel} from "../providers/hosted/models.js";
import {openAiProtocol} from "../providers/openai/index.js";
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
    reset: () => fetch(`${url}/__log`, {method: "DELETE"}),
    log: async () => (await (await fetch(`${url}/__log`)).json()) as Logged[],
    close: async () => void serverProcess.kill()
};

/** Sends one chat request whose user message is `user`. */
type Sender = (user: string) => Promise<unknown>;

interface LoopResult {
    rps: number;
    /** Caller time minus the server's own time, per request, sorted (ms). */
    added: number[];
    maxInFlight: number;
    cpuMsPerRequest: number;
}

/** `concurrency` callers, REQUESTS_PER_CALLER requests each, tagged so the server's log pairs with the callers' timings. */
async function closedLoop(concurrency: number, send: Sender): Promise<LoopResult> {
    await Promise.all(Array.from({length: concurrency}, (_, i) => send(`warm ${i}`))); // connections and JIT
    await server.reset();
    const callerMs = new Map<string, number>();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({length: concurrency}, async (_, caller) => {
        for (let n = 0; n < REQUESTS_PER_CALLER; n++) {
            const tag = `req-${caller}-${n}`; // the fake server logs tags of this shape
            const t0 = performance.now();
            await send(`${tag}: what is the special magic number?`);
            callerMs.set(tag, performance.now() - t0);
        }
    }));
    const wallS = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const log = await server.log();
    const total = concurrency * REQUESTS_PER_CALLER;
    return {
        rps: total / wallS,
        added: log.filter((r) => r.tag && callerMs.has(r.tag)).map((r) => callerMs.get(r.tag!)! - r.serverMs).sort((a, b) => a - b),
        maxInFlight: log.find((r) => r.path === "maxInFlight")!.serverMs,
        cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / total
    };
}

const chatUrl = `${url}/v1/chat/completions`;
const jsonHeaders = {"content-type": "application/json"};
const bareBody = (user: string) => JSON.stringify({model: "perf", messages: [{role: "system", content: "Answer briefly."}, {role: "user", content: user}], max_tokens: 8});
/** The harness's transport alone (node:http keep-alive): the floor any client pays here. */
const bareTransport: Sender = (user) => exchange(chatUrl, {method: "POST", headers: jsonHeaders, body: bareBody(user)}, new AbortController().signal)
    .then((response) => JSON.parse(response.body.toString()));
/** Node's global fetch alone: what the transport replaced. */
const bareFetch: Sender = (user) => fetch(chatUrl, {method: "POST", headers: jsonHeaders, body: bareBody(user)}).then((response) => response.json());

const rows: string[] = [];
const fmt = (value: number, width: number, digits = 2) => value.toFixed(digits).padStart(width);
let fetchFloor: LoopResult | undefined;
try {
    fetchFloor = await closedLoop(1, bareFetch);
    for (const concurrency of [1, 8, 32]) {
        const session = new HostedSession(openAiProtocol, resolveHostedModel(openAiProtocol, {hosted: `openai:${url}#perf`, concurrency, retries: 0}).settings, {});
        const harness = await closedLoop(concurrency, (user) => session.generate({system: "Answer briefly.", user}, {maxTokens: 8}));
        const bare = await closedLoop(concurrency, bareTransport);
        const ideal = concurrency / (SERVER_DELAY_MS / 1000);
        const p50 = quantile(harness.added, 0.5);
        const bareP50 = quantile(bare.added, 0.5);
        rows.push(`${String(concurrency).padStart(11)}  ${String(harness.added.length).padStart(8)}  ${fmt(harness.rps, 7, 1)}  ${fmt(ideal, 6, 1)}  ` +
            `${fmt(100 * harness.rps / ideal, 7, 1)}%  ${fmt(p50, 9)}  ${fmt(quantile(harness.added, 0.95), 9)}  ${fmt(bareP50, 9)}  ${fmt(p50 - bareP50, 9)}  ` +
            `${String(harness.maxInFlight).padStart(9)}  ${fmt(harness.cpuMsPerRequest, 9)}`);
    }
} finally {
    await server.close();
}
console.log(`hosted provider overhead (fake OpenAI-compatible server on 127.0.0.1 in its own process, fixed ${SERVER_DELAY_MS} ms per request, ${REQUESTS_PER_CALLER} requests per caller)`);
console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (figures are wall-clock: other load inflates them)`);
console.log("concurrency  requests    req/s   ideal  of ideal  added p50  added p95   bare p50  harness's  max in flight  harness CPU");
console.log("                                                     (ms)       (ms)       (ms)  p50 share   (at server)   ms/request");
for (const row of rows) console.log(row);
console.log("added: caller's wait minus the server's own time. bare: the same closed loop over the harness's transport alone (node:http keep-alive;");
console.log("no client, pool, retries or checks), what loopback HTTP and the fake server's parsing cost here. harness's share: added p50 - bare p50.");
if (fetchFloor)
    console.log(`Node's global fetch alone, concurrency 1: added p50 ${quantile(fetchFloor.added, 0.5).toFixed(2)} ms, p95 ${quantile(fetchFloor.added, 0.95).toFixed(2)} ms (the transport it replaced)`);
