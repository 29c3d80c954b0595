// Synthetic, schema-valid result documents for the site tests and the site perf script.
// Everything here is made up: model names, suites and families all say "synthetic".
import {createHash} from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {resultDocumentSchema, type ResultDocument} from "../../harness/results/schema.ts";
import {niahScoresSchema, type NiahScores} from "../../harness/tasks/niah/scores-schema.ts";
import {bootstrapMeanCi} from "../../harness/util/stats.ts";

export const XSS_TEXT = "<script>alert(1)</script>";

export interface ModelSpec {
    family: string;
    fileName: string;
    quant: string;
    bitsPerWeight: number;
    parameters: number;
    /** 0..1: how well the fake model does. */
    quality: number;
    isReference: boolean;
    referenceFile: string;
    ladderSize: number;
    contextLength?: number;
    provider?: string;
}

export interface DocSpec {
    model: ModelSpec;
    taskId: string;
    runId: string;
    createdAt: string;
    /** Text of every trial's output; defaults to a plausible answer. */
    outputText?: string;
    modelError?: boolean;
    /** Omit performance.peakRssBytes (file size is then used as memory). */
    noRss?: boolean;
}

/** Deterministic PRNG (mulberry32) so fixtures are the same on every machine. */
function rng(seedText: string): () => number {
    let seed = Number.parseInt(createHash("sha1").update(seedText).digest("hex").slice(0, 8), 16);
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const round = (v: number, places = 3) => Math.round(v * 10 ** places) / 10 ** places;
const avg = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

function modelInfo(m: ModelSpec): ResultDocument["model"] {
    const hosted = Boolean(m.provider && !m.provider.startsWith("local"));
    return {
        id: hosted ? `https://synthetic.invalid/models/${m.fileName}` : `${m.family}/${m.fileName}`,
        provider: m.provider ?? "local-gguf",
        source: m.fileName,
        fileName: m.fileName,
        sha256: sha(`${m.family}/${m.fileName}`),
        bytes: Math.round((m.parameters * m.bitsPerWeight) / 8) + 4096,
        architecture: "synthetic",
        name: `${m.family} (synthetic)`,
        parameters: m.parameters,
        contextLength: m.contextLength ?? 1024,
        quantLabel: m.quant,
        tensorTypes: {[m.quant.split("_")[0]!]: {tensors: 20, weights: m.parameters}},
        bitsPerWeight: m.bitsPerWeight,
        hasChatTemplate: false,
        ladder: {id: m.family, referenceFile: m.referenceFile, referenceSha256: sha(`${m.family}/${m.referenceFile}`), isReference: m.isReference, size: m.ladderSize}
    };
}

const env: ResultDocument["env"] = {
    slmbench: "0.1.0-synthetic", nodeLlamaCpp: "3.21.1", llamaCpp: "b0000", cpu: "Synthetic CPU", cores: 2, threads: 2, os: "linux", node: "v20.20.0"
};

type Trial = ResultDocument["trials"][number];

function niahParts(spec: DocSpec, lengths: number[], depths: number[], perCell: number): {scores: NiahScores; trials: Trial[]} {
    const random = rng(`${spec.runId}/${spec.model.fileName}/${spec.taskId}`);
    const trials: Trial[] = [];
    for (const length of lengths) {
        for (const depth of depths) {
            for (let i = 0; i < perCell; i++) {
                const id = `L${length}-D${depth}-${i}`;
                const cell = {length, depth};
                if (length > (spec.model.contextLength ?? 1024)) {
                    trials.push({id, cell, seed: i, status: "skipped", skipReason: "prompt exceeds the model's context length", scores: {}, timings: {}});
                    continue;
                }
                if (spec.modelError && length === lengths[0] && depth === depths.at(-1)) {
                    trials.push({id, cell, seed: i, status: "error", error: {message: "synthetic model process aborted", kind: "model-process-aborted"}, scores: {}, timings: {}});
                    continue;
                }
                // Harder with longer contexts and deeper needles, easier for better models.
                const p = spec.model.quality * (1 - 0.25 * (length / lengths.at(-1)!) - 0.1 * (depth / 100));
                const hit = random() < p;
                const answerLogprob = round(-0.5 - 4 * (1 - p) - random());
                const baselineLogprob = round(-6 - 2 * random());
                trials.push({
                    id, cell, seed: i, status: "ok",
                    input: {needle: "The synthetic magic number is 4217.", expected: ["4217"]},
                    output: {text: spec.outputText ?? (hit ? "The magic number is 4217." : "I do not know.")},
                    scores: {stringMatch: hit ? 100 : 0, answerLogprob, baselineLogprob, lift: round(answerLogprob - baselineLogprob)},
                    promptTokens: length, timings: {promptMs: round(length / 5, 1), generateMs: 40}
                });
            }
        }
    }
    const aggregate = (list: Trial[]) => {
        const ok = list.filter((t) => t.status === "ok");
        const pick = (name: string) => avg(ok.map((t) => t.scores[name]!));
        return {
            trials: ok.length, skipped: list.filter((t) => t.status === "skipped").length, errors: list.filter((t) => t.status === "error").length,
            stringMatch: pick("stringMatch"), lift: pick("lift"), answerLogprob: pick("answerLogprob")
        };
    };
    const inCell = (length?: number, depth?: number) =>
        trials.filter((t) => (length === undefined || t.cell.length === length) && (depth === undefined || t.cell.depth === depth));
    const all = aggregate(trials);
    const scores: NiahScores = {
        ...all, main: all.stringMatch, mainScore: "stringMatch",
        mainCi: bootstrapMeanCi(trials.filter((t) => t.status === "ok").map((t) => t.scores.stringMatch!)),
        cells: lengths.flatMap((length) => depths.map((depth) => {
            const list = inCell(length, depth);
            const skipReason = list.every((t) => t.status === "skipped") ? list[0]?.skipReason : undefined;
            return {...aggregate(list), length, depth, ...(skipReason ? {skipReason} : {})};
        })),
        byLength: lengths.map((length) => ({...aggregate(inCell(length)), length})),
        byDepth: depths.map((depth) => ({...aggregate(inCell(undefined, depth)), depth}))
    };
    return {scores: niahScoresSchema.parse(scores), trials};
}

/** A generic task type the site has no special view for (STS-like, with a CI on its main score). */
function genericParts(spec: DocSpec): {scores: ResultDocument["scores"]; trials: Trial[]} {
    const random = rng(`${spec.runId}/${spec.model.fileName}/${spec.taskId}`);
    const trials: Trial[] = Array.from({length: 8}, (_, i) => {
        const pearson = round(Math.min(1, Math.max(-1, spec.model.quality - 0.15 + 0.3 * random())));
        return {id: `pair-${i}`, cell: {pair: i}, seed: i, status: "ok" as const, output: {text: `similarity ${round(pearson * 5, 1)}`}, scores: {pearson}, timings: {}};
    });
    const main = avg(trials.map((t) => t.scores.pearson!))!;
    return {scores: {main, mainCi: [round(main - 0.08), round(main + 0.08)], pearson: main}, trials};
}

export function makeDoc(spec: DocSpec): ResultDocument {
    const niah = spec.taskId.startsWith("niah");
    const parts = niah ? niahParts(spec, [256, 512, 1024, 2048], [0, 25, 50, 75, 100], 2) : genericParts(spec);
    const planned = parts.trials.length;
    const count = (status: string) => parts.trials.filter((t) => t.status === status).length;
    const bytes = Math.round((spec.model.parameters * spec.model.bitsPerWeight) / 8) + 4096;
    const doc = {
        schemaVersion: 1, kind: "slmbench.result", runId: spec.runId, createdAt: spec.createdAt,
        suite: {name: "synthetic-site-fixtures", hash: sha(spec.runId).slice(0, 16)},
        task: {
            type: niah ? "niah" : "sts", id: spec.taskId,
            config: niah ? {lengths: [256, 512, 1024, 2048], depths: [0, 25, 50, 75, 100], trialsPerCell: 2} : {pairs: 8},
            configHash: sha(spec.taskId).slice(0, 16),
            mainScore: niah
                ? {name: "stringMatch", higherIsBetter: true, description: "Share of expected strings found in the output, x100"}
                : {name: "pearson", higherIsBetter: true, description: "Pearson correlation with gold similarity"}
        },
        model: modelInfo(spec.model), env, scores: parts.scores,
        counts: {planned, ok: count("ok"), error: count("error"), skipped: count("skipped")},
        ...(spec.modelError ? {modelError: {message: "synthetic model process aborted (signal SIGKILL)", trialId: "L256-D100-0", exitCode: null, signal: "SIGKILL"}} : {}),
        warnings: [],
        performance: {
            loadMs: 120, wallMs: 5000, promptTokens: 9000, evaluatedTokens: 8000, generatedTokens: 300,
            promptTokensPerSecond: round(2000 / spec.model.bitsPerWeight, 1), generationTokensPerSecond: round(400 / spec.model.bitsPerWeight, 1),
            peakRssBytes: spec.noRss ? null : bytes + 50_000_000
        },
        trials: parts.trials
    };
    return resultDocumentSchema.parse(doc);
}

export function writeDoc(dir: string, doc: ResultDocument): string {
    const file = path.join(dir, doc.runId, doc.model.ladder.id.replace(/[^\w.-]+/g, "_"), `${doc.model.fileName}.${doc.task.id}.json`);
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    return file;
}

function ladder(family: string, levels: [string, number, number][], parameters: number, extra: Partial<ModelSpec> = {}): ModelSpec[] {
    const referenceFile = extra.provider ? family : `${family}-${levels[0]![0]}.gguf`;
    return levels.map(([quant, bitsPerWeight, quality], i) => ({
        family, fileName: extra.provider ? family : `${family}-${quant}.gguf`, quant, bitsPerWeight, parameters, quality,
        isReference: i === 0, referenceFile, ladderSize: levels.length, ...extra
    }));
}

/** The fixture set the site tests build: two ladders, one hosted model, two tasks, one hostile output. */
export function writeSiteFixtures(dir: string): {xssFile: string; files: string[]} {
    const llama = ladder("synthetic-llama-2m", [["F16", 16, 0.95], ["Q8_0", 8.5, 0.93], ["Q4_K_M", 4.85, 0.8]], 2_000_000, {contextLength: 1024});
    const qwen = ladder("synthetic-qwen-1m", [["F32", 32, 0.9], ["Q4_0", 4.5, 0.6]], 1_100_000, {contextLength: 2048});
    const hosted = ladder("synthetic-hosted", [["hosted", 16, 0.97]], 7_000_000, {provider: "hosted-openai-compatible", contextLength: 4096});
    const run = "synthetic-run-b";
    const at = "2025-01-02T00:00:00.000Z";
    const specs: DocSpec[] = [];
    for (const model of [...llama, ...qwen, ...hosted]) {
        // F32 has no RSS record: the trade-off page must fall back to its file size.
        specs.push({model, taskId: "niah-short", runId: run, createdAt: at, noRss: model.quant === "F32"});
        if (!model.provider) specs.push({model, taskId: "sts-mini", runId: run, createdAt: at, noRss: model.quant === "F32"});
    }
    // An older run of the same model and task: the leaderboard must show the newer one.
    specs.push({model: {...llama[0]!, quality: 0.1}, taskId: "niah-short", runId: "synthetic-run-a", createdAt: "2025-01-01T00:00:00.000Z"});
    const xss: DocSpec = {model: llama[2]!, taskId: "niah-xss", runId: run, createdAt: at, outputText: XSS_TEXT};
    const failing: DocSpec = {model: qwen[1]!, taskId: "niah-xss", runId: run, createdAt: at, modelError: true};
    const files = [...specs, failing].map((spec) => writeDoc(dir, makeDoc(spec)));
    const xssFile = writeDoc(dir, makeDoc(xss));
    return {xssFile, files: [...files, xssFile]};
}

/** `count` documents for the perf script: families x quant levels x tasks x runs. */
export function writeSyntheticDocs(dir: string, count: number): number {
    const levels: [string, number, number][] = [
        ["F16", 16, 0.95], ["Q8_0", 8.5, 0.94], ["Q6_K", 6.56, 0.92], ["Q5_K_M", 5.67, 0.9], ["Q5_0", 5.5, 0.88],
        ["Q4_K_M", 4.85, 0.85], ["Q4_0", 4.5, 0.8], ["Q3_K_M", 3.9, 0.7], ["Q2_K", 3.35, 0.5], ["IQ2_XS", 2.4, 0.35]
    ];
    const tasks = ["niah-synthetic", "sts-synthetic"];
    let written = 0;
    for (let run = 0; written < count; run++) {
        for (let f = 0; written < count && f < 25; f++) {
            for (const model of ladder(`synthetic-family-${f}`, levels, 1_000_000 * (f + 1))) {
                for (const taskId of tasks) {
                    if (written >= count) break;
                    writeDoc(dir, makeDoc({model, taskId, runId: `synthetic-perf-${run}`, createdAt: new Date(Date.UTC(2025, 0, 1 + run)).toISOString()}));
                    written++;
                }
            }
        }
    }
    return written;
}
