/**
 * Fidelity performance figures (printed, not asserted), 1 thread, at three vocabularies:
 * 2,048 (TinyStories-656K F32 vs Q4_0) and 32,000 / 151,936 (random-weight fixtures, F16 vs Q4_K_M,
 * made on demand by ./fixtures/random-gguf.ts: figures of speed and memory only, never of accuracy).
 *  1. The task's own runner on the direct path against the same decodes with logits requested at
 *     the scored positions but not read (target >= 0.8x), for each route: top-k (reference pass,
 *     top-256 written; compared file, reference's 256 ids read), exact-cache (reference pass
 *     writing its full rows; compared file reading them and taking the KL over the vocabulary) and
 *     exact-lockstep (compared file with the reference decoding beside it, against both decodes).
 *     Wall-clock and CPU-time ratios: on a loaded machine the CPU ratio says what the code costs.
 *     Each file's first chunk runs once untimed first (loading the direct path, tokenizing). Each
 *     line leads with the route the task chooses for this corpus under its default budgets.
 *  2. The cost of requesting logits: the same decode with logits requested vs none at all.
 *  3. How much of the exact KL the top-256 form keeps (random weights: see the caveat printed).
 *  4. The sampler path (node-llama-cpp's probability Maps) at 2,048 tokens, for comparison.
 *  5. Peak RSS of a model process during fidelity at 151,936 tokens (compared file: top-k, and
 *     exact from the reference's rows on disk) vs the same process evaluating without scoring (< 2x).
 * Best of --rounds interleaved rounds per figure (the machine may be shared). Chunks: 16 at 2,048
 * (the task's default corpus, 8,192 tokens: a chunk decodes in 12-23 ms there, so 4 chunks leave
 * the last chunk's reading, which no decode follows, and the scheduler's noise a large share),
 * 4 at the larger vocabularies (a chunk takes 0.2-0.6 s to decode); --chunks sets one count for all.
 *
 *   npx tsx harness/perf/fidelity-perf.ts [--chunks N] [--rounds 3] [--vocab 2048,32000,151936]
 */
import {execFileSync} from "node:child_process";
import {mkdtempSync, rmSync, statSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {findAsset, resolveAssetRoots} from "../assets/roots.js";
import {DirectModel} from "../providers/local-gguf/direct/model.js";
import {DirectScorer} from "../providers/local-gguf/direct/scorer.js";
import {LocalGgufSession, LocalSessionOptions} from "../providers/local-gguf/session.js";
import type {TrialRecord} from "../results/schema.js";
import fidelity from "../tasks/fidelity/index.js";
import type {FidelityScores} from "../tasks/fidelity/contract.js";
import {loadCorpusText, tokenStream} from "../tasks/fidelity/corpus.js";
import {chooseRoute, type KldRoute} from "../tasks/fidelity/route.js";
import {ensureFixture} from "./fixtures/random-gguf.js";

const CHUNK = 512;
const SELF = fileURLToPath(import.meta.url);
type Route = "top-k" | "exact-cache" | "exact-lockstep";
const ROUTE_CONFIG: Record<Route, object> = {"top-k": {exact: "off"}, "exact-cache": {exact: "cache"}, "exact-lockstep": {exact: "lockstep"}};

if (process.env.SLMBENCH_FIDELITY_RSS_CHILD) {
    await rssChild(JSON.parse(process.env.SLMBENCH_FIDELITY_RSS_CHILD));
    process.exit(0);
}

const {values: args} = parseArgs({options: {
    chunks: {type: "string"}, rounds: {type: "string", default: "3"}, vocab: {type: "string", default: "2048,32000,151936"}
}});
/** Chunks per pass: see the header. */
const chunksFor = (vocabulary: number) => args.chunks ? Number(args.chunks) : vocabulary === 2048 ? 16 : 4;
const rounds = Number(args.rounds);
const vocabularies = args.vocab!.split(",").map(Number);
const assetRoots = resolveAssetRoots();
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
type Corpus = {files: string[]; maxTokens: number; charset: "ascii-safe"};
const corpusOf = (chunks: number): Corpus => ({files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: chunks * CHUNK, charset: "ascii-safe"});
// The same text for every chunk count: maxTokens only cuts its tokens.
const text = loadCorpusText(fidelity.configSchema.parse({corpus: corpusOf(1)}).corpus, assetRoots);


interface Files {label: string; reference: string; compared: string; comparedType: string}

/** The ladder of one vocabulary: reference and compared file. */
async function ladder(vocabulary: number): Promise<Files | undefined> {
    if (vocabulary === 2048) {
        const reference = findAsset(assetRoots, "models", "tinystories-656k/TinyStories-656K-F32.gguf");
        const compared = findAsset(assetRoots, "models", "tinystories-656k/TinyStories-656K-Q4_0.gguf");
        return reference && compared ? {label: "TinyStories-656K", reference, compared, comparedType: "Q4_0"} : undefined;
    }
    const fixture = await ensureFixture(vocabulary, {types: ["Q4_K_M"], log: (line) => console.log(`  fixture: ${line}`)});
    return {label: "random-weight fixture", reference: fixture.reference, compared: fixture.quantized.Q4_K_M!, comparedType: "Q4_K_M"};
}

interface Timed {wall: number; cpu: number}
const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
};
async function timed(work: () => unknown): Promise<Timed> {
    const [wall, cpu] = [performance.now(), cpuMs()];
    await work();
    return {wall: performance.now() - wall, cpu: cpuMs() - cpu};
}

/** The task's runner on every chunk of one file, one route; returns its time and scores. */
async function runFile(model: LlamaModel, modelPath: string, files: Files, isReference: boolean, route: Route, cacheDir: string, corpus: Corpus, options: LocalSessionOptions = {}) {
    const config = fidelity.configSchema.parse({corpus, chunkSize: CHUNK, topK: 256, ...ROUTE_CONFIG[route]});
    const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {modelPath, ...options});
    const runner = await fidelity.createRunner(config, session, {assetRoots: {...assetRoots, cacheDir}});
    const info = {contextLength: model.trainContextSize, path: modelPath,
        ladder: {id: "perf", referenceFile: path.basename(files.reference), referenceSha256: "0".repeat(64), referencePath: files.reference, isReference, size: 2}};
    const records: TrialRecord[] = [];
    const trials = fidelity.plan(config, info as never);
    // Untimed first chunk: loads the direct path, tokenizes the corpus, opens a lockstep reference.
    await runner.run(trials[0]!);
    const time = await timed(async () => {
        // With the following trial as a hint, as the trial loop runs them (the next chunk's first decode may start early).
        for (const [i, trial] of trials.entries())
            records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial, {next: trials[i + 1]}))});
    });
    await runner.dispose?.();
    await session.dispose();
    const failed = records.find((record) => !record.scores || record.scores.tokens == null);
    if (failed) throw new Error(`${route} run of ${path.basename(modelPath)} failed`);
    return {time, scores: fidelity.aggregate(config, records) as FidelityScores};
}

/** The same decodes on the direct path: logits requested at the scored positions but not read, or none at all. */
function decode(scorers: DirectScorer[], chunks: number[][], logits: boolean): Promise<Timed> {
    return timed(() => {
        for (const chunk of chunks) for (const scorer of scorers) scorer.evaluate(chunk, logits ? CHUNK / 2 : Number.POSITIVE_INFINITY, CHUNK - 1);
    });
}

const best = (values: Timed[]): Timed => ({wall: Math.min(...values.map((v) => v.wall)), cpu: Math.min(...values.map((v) => v.cpu))});
const ratio = (base: Timed, measured: Timed) => `${(base.wall / measured.wall).toFixed(2)}x (CPU ${(base.cpu / measured.cpu).toFixed(2)}x)`;
const rate = (tokens: number, ms: number) => `${Math.round(tokens / (ms / 1000)).toLocaleString("en-US")} tokens/s`;
console.log(`Fidelity performance, direct scoring path (${CHUNK}-token chunks of Pride and Prejudice, ascii-safe, 1 thread, ` +
    `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the start)\n`);
const lines: string[] = [];
for (const vocabulary of vocabularies) {
    const files = await ladder(vocabulary);
    if (!files) {
        console.log(`vocabulary ${vocabulary.toLocaleString("en-US")}: TinyStories-656K not found in the asset roots (set SLMBENCH_ASSETS)`);
        continue;
    }
    const [referenceModel, comparedModel] = [await llama.loadModel({modelPath: files.reference}), await llama.loadModel({modelPath: files.compared})];
    const corpus = corpusOf(chunksFor(vocabulary));
    const {stream, bos} = await tokenStream(new LocalGgufSession(referenceModel, {contextSize: CHUNK, threads: 1}), text, corpus.maxTokens);
    const chunks = Array.from({length: Math.floor(stream.length / CHUNK)}, (_, i) => {
        const tokens = stream.slice(i * CHUNK, (i + 1) * CHUNK);
        if (bos != null) tokens[0] = bos;
        return tokens;
    });
    const direct = {reference: DirectModel.load(files.reference), compared: DirectModel.load(files.compared)};
    const scorers = {reference: new DirectScorer(direct.reference, {contextSize: CHUNK, threads: 1}), compared: new DirectScorer(direct.compared, {contextSize: CHUNK, threads: 1})};
    const times = new Map<string, Timed[]>();
    const add = (name: string, time: Timed) => times.set(name, [...(times.get(name) ?? []), time]);
    const scores = new Map<string, FidelityScores>();
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "slmbench-fidelity-perf-"));
    for (let round = 0; round < rounds; round++) {
        for (const route of ["top-k", "exact-cache", "exact-lockstep"] as Route[]) {
            const reference = await runFile(referenceModel, files.reference, files, true, route, cacheDir, corpus);
            if (route !== "exact-lockstep") add(`${route} reference`, reference.time);
            const compared = await runFile(comparedModel, files.compared, files, false, route, cacheDir, corpus);
            add(`${route} compared`, compared.time);
            scores.set(route, compared.scores);
        }
        add("reference decode, logits", await decode([scorers.reference], chunks, true));
        add("compared decode, logits", await decode([scorers.compared], chunks, true));
        add("both decodes, logits", await decode([scorers.reference, scorers.compared], chunks, true));
        add("reference decode, no logits", await decode([scorers.reference], chunks, false));
    }
    const evaluated = chunks.length * (CHUNK - 1);
    const scored = scores.get("top-k")!.scoredTokens;
    const get = (name: string) => best(times.get(name)!);
    const [refLogits, cmpLogits, bothLogits, noLogits] = [get("reference decode, logits"), get("compared decode, logits"), get("both decodes, logits"), get("reference decode, no logits")];
    // The route the task itself takes for this corpus with its default budgets, named first.
    const defaults = fidelity.configSchema.parse({corpus, chunkSize: CHUNK, topK: 256});
    const {route: chosen} = chooseRoute(defaults, {fullDistributions: true, vocabularySize: vocabulary, scoredPositions: scored,
        referencePath: files.reference, referenceBytes: statSync(files.reference).size, machineBytes: os.totalmem()});
    const passes: Record<KldRoute, string> = {
        "exact-cache": `${ratio(cmpLogits, get("exact-cache compared"))} (compared ${files.comparedType}, rows from disk; its reference pass writing them ${ratio(refLogits, get("exact-cache reference"))})`,
        "exact-lockstep": `${ratio(bothLogits, get("exact-lockstep compared"))} (compared ${files.comparedType} in lockstep, vs both decodes)`,
        "top-k": `${ratio(cmpLogits, get("top-k compared"))} (compared ${files.comparedType}; its reference pass writing the top 256 ${ratio(refLogits, get("top-k reference"))})`
    };
    const others = (Object.keys(passes) as KldRoute[]).filter((route) => route !== chosen).map((route) => `${route} ${passes[route]}`);
    const line = `vocabulary ${vocabulary.toLocaleString("en-US")}: fidelity ${passes[chosen]} on the default route here, ${chosen}; ` +
        `${others.join("; ")}; all of the same decodes with logits requested but not read`;
    lines.push(line);
    console.log(line);
    const exact = scores.get("exact-cache")!.meanKld!;
    const topK = scores.get("top-k")!.meanKld!;
    console.log(`  ${files.label}, ${chunks.length} chunks, ${scored} scored positions, ${scorers.reference.batchSize} tokens per decode, ` +
        `${scorers.reference.perCall} scored positions per call; decode with logits ${rate(evaluated, refLogits.wall)}, without ${rate(evaluated, noLogits.wall)}: ` +
        `requesting logits costs ${(refLogits.wall / noLogits.wall).toFixed(2)}x (${(((refLogits.wall - noLogits.wall) / scored) * 1000).toFixed(0)} µs per scored position, ` +
        `CPU ${(refLogits.cpu / noLogits.cpu).toFixed(2)}x); reading the top-256 costs ${(((get("top-k reference").cpu - refLogits.cpu) / scored) * 1000).toFixed(0)} µs CPU per position, ` +
        `the exact comparison ${(((get("exact-cache compared").cpu - cmpLogits.cpu) / scored) * 1000).toFixed(0)} µs`);
    const keeps = `  top-256 keeps ${(100 * topK / exact).toFixed(1)}% of the exact KL at ${vocabulary.toLocaleString("en-US")} tokens ` +
        `(mean KLD ${topK.toPrecision(4)} vs ${exact.toPrecision(4)}; exact-cache and lockstep ${scores.get("exact-lockstep")!.meanKld === exact ? "identical" : "DIFFER"})` +
        (vocabulary === 2048 ? "" : ": random weights spread probability over many tokens, so this is far less than a trained model keeps");
    lines.push(keeps);
    console.log(keeps);
    if (vocabulary === 2048) {
        const sampler = await runFile(comparedModel, files.compared, files, false, "top-k", cacheDir, corpus, {scoring: "sampler"});
        console.log(`  sampler path (node-llama-cpp probability Maps), compared file: ${rate(evaluated, sampler.time.wall)}, ` +
            `${(cmpLogits.wall / sampler.time.wall).toFixed(2)}x of the same decode; the direct path is ${(sampler.time.wall / get("top-k compared").wall).toFixed(1)}x faster`);
    }
    scorers.reference.dispose();
    scorers.compared.dispose();
    direct.reference.free();
    direct.compared.free();
    await referenceModel.dispose();
    await comparedModel.dispose();

    if (vocabulary === 151_936) {
        const rss = (mode: string) => JSON.parse(execFileSync(process.execPath, ["--import", "tsx", SELF], {
            env: {...process.env, SLMBENCH_FIDELITY_RSS_CHILD: JSON.stringify({mode, files, cacheDir, corpus})}, encoding: "utf8", maxBuffer: 1 << 26
        }).trim().split("\n").at(-1)!) as {peakRssBytes: number};
        const plain = rss("plain"), topKRss = rss("top-k"), exactRss = rss("exact-cache");
        const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
        const memory = `  peak RSS at 151,936 tokens (${files.comparedType}): model process evaluating without scoring ${mb(plain.peakRssBytes)}, ` +
            `during fidelity ${mb(topKRss.peakRssBytes)} (top-256: ${(topKRss.peakRssBytes / plain.peakRssBytes).toFixed(2)}x), ` +
            `${mb(exactRss.peakRssBytes)} (exact, rows from disk: ${(exactRss.peakRssBytes / plain.peakRssBytes).toFixed(2)}x)`;
        lines.push(memory);
        console.log(memory);
    }
    rmSync(cacheDir, {recursive: true, force: true});
    console.log("");
}
console.log(`Summary (load average ${os.loadavg()[0]!.toFixed(2)} at the end):\n${lines.join("\n")}`);

/**
 * A model process as the harness runs one (node-llama-cpp model loaded): "plain" evaluates the
 * chunks without scoring; "top-k" and "exact-cache" run the compared file's fidelity chunks (the
 * reference's caches are in `cacheDir` from the parent's runs). Prints its peak RSS.
 */
async function rssChild({mode, files, cacheDir, corpus: childCorpus}: {mode: "plain" | Route; files: Files; cacheDir: string; corpus: Corpus}) {
    const childLlama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    const model = await childLlama.loadModel({modelPath: files.compared, gpuLayers: 0});
    if (mode === "plain") {
        const context = await model.createContext({contextSize: CHUNK, threads: 1});
        const sequence = context.getSequence();
        const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1});
        const {stream} = await tokenStream(session, loadCorpusText(fidelity.configSchema.parse({corpus: childCorpus}).corpus, resolveAssetRoots()), childCorpus.maxTokens);
        for (let at = 0; at + CHUNK <= stream.length; at += CHUNK) {
            await sequence.clearHistory();
            await sequence.controlledEvaluate(stream.slice(at, at + CHUNK - 1) as Token[]);
        }
        await context.dispose();
    } else {
        const config = fidelity.configSchema.parse({corpus: childCorpus, chunkSize: CHUNK, topK: 256, ...ROUTE_CONFIG[mode]});
        const session = new LocalGgufSession(model, {contextSize: CHUNK, threads: 1}, {modelPath: files.compared});
        const runner = await fidelity.createRunner(config, session, {assetRoots: {...resolveAssetRoots(), cacheDir}});
        const info = {contextLength: model.trainContextSize, path: files.compared,
            ladder: {id: "perf", referenceFile: path.basename(files.reference), referenceSha256: "0".repeat(64), referencePath: files.reference, isReference: false, size: 2}};
        for (const trial of fidelity.plan(config, info as never)) await runner.run(trial);
        await runner.dispose?.();
        await session.dispose();
    }
    await model.dispose();
    console.log(JSON.stringify({peakRssBytes: process.resourceUsage().maxRSS * 1024}));
}
