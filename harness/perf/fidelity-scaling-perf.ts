/**
 * How fidelity's time and peak memory grow with the vocabulary and with the corpus (printed, not
 * asserted): random-weight F16 fixtures of one shape (./fixtures/random-gguf.ts: width 256, 2
 * layers; speed and memory figures only) at vocabularies of 8,000 / 32,000 / 64,000 / 151,936
 * tokens over 2 chunks of 512, and at 32,000 tokens over 1 / 2 / 4 / 8 chunks. Each configuration
 * runs in a model process of its own, as the harness runs a file: the reference pass (exact-cache
 * route: its full rows written) and a compared pass of the same file (rows read back, KL over the
 * whole vocabulary), each timed after an untimed first chunk (loading, tokenizing), with the
 * process's peak RSS beside that of a process evaluating the same tokens without scoring.
 *
 *   npx tsx harness/perf/fidelity-scaling-perf.ts [--vocab 8000,32000,64000,151936] [--chunks 1,2,4,8]
 */
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {getLlama, LlamaLogLevel, Token} from "node-llama-cpp";
import {resolveAssetRoots} from "../assets/roots.js";
import {LocalGgufSession} from "../providers/local-gguf/session.js";
import fidelity from "../tasks/fidelity/index.js";
import {loadCorpusText, tokenStream} from "../tasks/fidelity/corpus.js";
import {ensureFixture} from "./fixtures/random-gguf.js";

const CHUNK = 512;
const SELF = fileURLToPath(import.meta.url);

interface Job {mode: "plain" | "fidelity"; modelPath: string; chunks: number; cacheDir: string}
interface Measured {referenceMs: number; comparedMs: number; peakRssBytes: number}

if (process.env.SLMBENCH_SCALING_CHILD) {
    console.log(JSON.stringify(await child(JSON.parse(process.env.SLMBENCH_SCALING_CHILD) as Job)));
    process.exit(0);
}

const {values: args} = parseArgs({options: {vocab: {type: "string", default: "8000,32000,64000,151936"}, chunks: {type: "string", default: "1,2,4,8"}}});
const run = (job: Job): Measured => JSON.parse(execFileSync(process.execPath, ["--import", "tsx", SELF], {
    env: {...process.env, SLMBENCH_SCALING_CHILD: JSON.stringify(job)}, encoding: "utf8", maxBuffer: 1 << 26
}).trim().split("\n").at(-1)!) as Measured;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

console.log(`Fidelity scaling (random-weight F16 fixtures, width 256, 2 layers; ${CHUNK}-token chunks of Pride and Prejudice, ascii-safe; ` +
    `exact-cache route; 1 thread, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the start)\n`);
const table = (title: string, rows: [string, Job][]) => {
    console.log(`${title}\n| configuration | scored positions | reference pass | compared pass | per scored position (compared) | peak RSS plain / fidelity |\n|---|---|---|---|---|---|`);
    for (const [label, job] of rows) {
        const plain = run({...job, mode: "plain"});
        const measured = run(job);
        const scored = job.chunks * (CHUNK - 1 - CHUNK / 2);
        console.log(`| ${label} | ${scored.toLocaleString("en-US")} | ${(measured.referenceMs / 1000).toFixed(2)} s | ${(measured.comparedMs / 1000).toFixed(2)} s | ` +
            `${((measured.comparedMs / scored) * 1000).toFixed(0)} µs | ${mib(plain.peakRssBytes)} / ${mib(measured.peakRssBytes)} MiB |`);
        rmSync(job.cacheDir, {recursive: true, force: true});
    }
    console.log("");
};
const tempCache = () => mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-scaling-"));
const vocabularies = args.vocab!.split(",").map(Number);
const fixtures = new Map<number, string>();
for (const vocabulary of [...new Set([...vocabularies, 32_000])])
    fixtures.set(vocabulary, (await ensureFixture(vocabulary, {types: [], log: (line) => console.log(`  fixture: ${line}`)})).reference);
table("Against the vocabulary (2 chunks):", vocabularies.map((v) => [`vocabulary ${v.toLocaleString("en-US")}`, {mode: "fidelity", modelPath: fixtures.get(v)!, chunks: 2, cacheDir: tempCache()}]));
table("Against corpus tokens (vocabulary 32,000):", args.chunks!.split(",").map(Number).map((chunks) =>
    [`${(chunks * CHUNK).toLocaleString("en-US")} tokens`, {mode: "fidelity", modelPath: fixtures.get(32_000)!, chunks, cacheDir: tempCache()}]));
console.log(`load average ${os.loadavg()[0]!.toFixed(2)} at the end`);

/** One model process: "plain" evaluates the chunks without scoring; "fidelity" runs the reference pass, then a compared pass of the same file. */
async function child(job: Job): Promise<Measured> {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: job.modelPath, gpuLayers: 0});
    const assetRoots = {...resolveAssetRoots(), cacheDir: job.cacheDir};
    const corpus = {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: job.chunks * CHUNK, charset: "ascii-safe" as const};
    const times: number[] = [];
    if (job.mode === "plain") {
        const context = await model.createContext({contextSize: CHUNK, threads: 1});
        const sequence = context.getSequence();
        const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1});
        const {stream} = await tokenStream(session, loadCorpusText(fidelity.configSchema.parse({corpus}).corpus, assetRoots), corpus.maxTokens);
        for (let at = 0; at + CHUNK <= stream.length; at += CHUNK) {
            await sequence.clearHistory();
            await sequence.controlledEvaluate(stream.slice(at, at + CHUNK - 1) as Token[]);
        }
        await context.dispose();
    } else {
        const config = fidelity.configSchema.parse({corpus, chunkSize: CHUNK, exact: "cache"});
        for (const isReference of [true, false]) {
            const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {modelPath: job.modelPath});
            const runner = await fidelity.createRunner(config, session, {assetRoots});
            const info = {contextLength: model.trainContextSize, path: job.modelPath,
                ladder: {id: "scaling", referenceFile: path.basename(job.modelPath), referenceSha256: "0".repeat(64), referencePath: job.modelPath, isReference, size: 2}};
            const trials = fidelity.plan(config, info as never);
            // Untimed first chunk: loads the direct path and tokenizes the corpus (fixed costs, not growth).
            await runner.run(trials[0]!);
            const started = performance.now();
            for (const trial of trials) await runner.run(trial);
            times.push(performance.now() - started);
            await runner.dispose?.();
            await session.dispose();
        }
    }
    await model.dispose();
    return {referenceMs: times[0] ?? 0, comparedMs: times[1] ?? 0, peakRssBytes: process.resourceUsage().maxRSS * 1024};
}
