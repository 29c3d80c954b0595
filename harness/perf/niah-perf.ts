/**
 * NIAH performance figures (printed, not asserted):
 *  1. KV-prefix reuse: tokens llama.cpp evaluated vs tokens in all prompts, on the default grid.
 *  2. Harness throughput vs a bare node-llama-cpp loop doing the same work (same prompts, same
 *     scoring passes, 1 thread, every prompt evaluated from scratch), as a ratio.
 *  3. Peak memory (RSS) of each model process across a whole ladder run.
 */
import {readdirSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {resolveAssetRoots} from "../assets/roots.js";
import {loadSuiteFile} from "../run/suite.js";
import {LocalGgufSession} from "../providers/local-gguf/session.js";
import type {ChatPrompt, Session} from "../session/types.js";
import {runSuite} from "../run/run-suite.js";
import niah from "../tasks/niah/index.js";
import {SkipTrial} from "../tasks/skip.js";
import {findAsset} from "../assets/roots.js";

const assetRoots = resolveAssetRoots();
const suite = await loadSuiteFile(new URL("../../benchmarks/suites/default.ts", import.meta.url).pathname);
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});

type Call = {kind: "generate"; prompt: ChatPrompt; generated: number} | {kind: "logprob"; prompt: ChatPrompt; continuation: string};

/** Runs every NIAH instance of the default suite on one file through the harness's own runner, recording the model calls. */
async function harnessRun(model: LlamaModel, reusePrefix: boolean) {
    const session = new LocalGgufSession(model, {contextSize: model.trainContextSize, threads: 1}, {reusePrefix});
    const calls: Call[] = [];
    const recording: Session = Object.assign(Object.create(session), {
        async generate(prompt: ChatPrompt, options: {maxTokens: number}) {
            const result = await session.generate(prompt, options);
            calls.push({kind: "generate", prompt, generated: result.generatedTokens});
            return result;
        },
        async continuationLogprob(prompt: ChatPrompt, continuation: string) {
            calls.push({kind: "logprob", prompt, continuation});
            return session.continuationLogprob(prompt, continuation);
        }
    });
    const started = performance.now();
    for (const instance of suite.tasks) {
        const config = niah.configSchema.parse(instance.config);
        const info = {contextLength: model.trainContextSize} as never;
        const runner = await niah.createRunner(config, recording, {assetRoots});
        for (const trial of runner.order!(niah.plan(config, info).filter((t) => !t.skipReason))) {
            await runner.run(trial).catch((error) => {
                if (!(error instanceof SkipTrial)) throw error; // cells too short for the prompt are skipped in runs too
            });
        }
    }
    const seconds = (performance.now() - started) / 1000;
    await session.dispose();
    return {seconds, counters: session.counters(), calls, session};
}

/** The same calls with bare node-llama-cpp: a fresh evaluation of every prompt, greedy tokens, teacher-forced probabilities. */
async function bareLoop(model: LlamaModel, calls: Call[], render: (prompt: ChatPrompt, continuation?: string) => Token[]) {
    const context = await model.createContext({contextSize: model.trainContextSize, threads: 1});
    const sequence = context.getSequence();
    const started = performance.now();
    for (const call of calls) {
        await sequence.clearHistory();
        if (call.kind === "generate") {
            let count = 0;
            if (call.generated > 0)
                for await (const _token of sequence.evaluate(render(call.prompt), {temperature: 0})) if (++count >= call.generated) break;
        } else {
            const full = render(call.prompt, call.continuation);
            const split = render(call.prompt).length;
            await sequence.controlledEvaluate(full.slice(0, -1).map((token, i) => i >= split - 1 ? [token, {generateNext: {probabilities: true}}] : token));
        }
    }
    const seconds = (performance.now() - started) / 1000;
    await context.dispose();
    return {seconds};
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
console.log(`NIAH performance (default suite grid, 1 thread, ${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} cores)\n`);
for (const [ladder, file] of [["tinystories-656k", "TinyStories-656K-F32.gguf"], ["stories260K", "stories260K-F32.gguf"]] as const) {
    const modelPath = findAsset(assetRoots, "models", `${ladder}/${file}`);
    if (!modelPath) {
        console.log(`${file}: not found in the asset roots (set SLMBENCH_ASSETS)`);
        continue;
    }
    const model = await llama.loadModel({modelPath});
    const reused = await harnessRun(model, true);
    const scratch = await harnessRun(model, false);
    const bare = await bareLoop(model, reused.calls, (p, c) => reused.session.renderPrompt(p, c));
    const {promptTokens, evaluatedTokens} = reused.counters;
    console.log(`${file}: ${reused.calls.length} model calls`);
    console.log(`  tokens in all prompts          ${promptTokens}`);
    console.log(`  evaluated with prefix reuse    ${evaluatedTokens} (${pct(promptTokens - evaluatedTokens, promptTokens)} fewer; target >= 40%)`);
    console.log(`  evaluated from scratch         ${scratch.counters.evaluatedTokens}`);
    console.log(`  harness run                    ${reused.seconds.toFixed(2)} s (from scratch: ${scratch.seconds.toFixed(2)} s)`);
    console.log(`  bare node-llama-cpp loop       ${bare.seconds.toFixed(2)} s`);
    console.log(`  harness throughput / bare loop ${(bare.seconds / reused.seconds).toFixed(2)}x (target >= 0.9x)\n`);
    await model.dispose();
}

// Peak memory across a ladder: one process per file, so each file's peak should stay flat.
const ladderDir = findAsset(assetRoots, "models", "tinystories-656k");
if (ladderDir) {
    const out = path.join(os.tmpdir(), `slmbench-perf-${process.pid}`);
    const ladderSuite = {...suite, models: [ladderDir], hash: `${suite.hash}-perf`};
    const started = performance.now();
    const report = await runSuite(ladderSuite, {outDir: out, assetRoots, fresh: true, quiet: true});
    const seconds = (performance.now() - started) / 1000;
    const rss = new Map<string, number>();
    for (const doc of report.documents) rss.set(doc.model.fileName, Math.max(rss.get(doc.model.fileName) ?? 0, doc.performance?.peakRssBytes ?? 0));
    console.log(`Ladder run: ${readdirSync(ladderDir).filter((f) => f.endsWith(".gguf")).length} files of TinyStories-656K, default grid, ${seconds.toFixed(1)} s`);
    for (const [file, bytes] of rss) console.log(`  ${file.padEnd(30)} peak RSS ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    console.log(`  harness (parent) process       peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
}
