// Synthetic, schema-valid result documents for the site tests and the site perf script.
// Everything here is made up: model names, suites and families all say "synthetic".
import {createHash} from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {resultDocumentSchema, type ResultDocument} from "../../harness/results/schema.ts";
import {fidelityScoresSchema} from "../../harness/tasks/fidelity/contract.ts";
import {compareNiah} from "../../harness/tasks/niah/compare.ts";
import {niahScoresSchema, type NiahScores} from "../../harness/tasks/niah/contract.ts";
import {aggregateRuler} from "../../harness/tasks/ruler/aggregate.ts";
import {compareRuler} from "../../harness/tasks/ruler/compare.ts";
import {rulerConfigSchema} from "../../harness/tasks/ruler/config.ts";
import {RULER_TRIAL_SCORES, rulerScoresSchema} from "../../harness/tasks/ruler/contract.ts";
import {aggregateSts} from "../../harness/tasks/sts/aggregate.ts";
import {compare} from "../../harness/tasks/sts/compare.ts";
import {stsConfigSchema} from "../../harness/tasks/sts/config.ts";
import {stsScoresSchema} from "../../harness/tasks/sts/contract.ts";
import {pearson, spearman} from "../../harness/util/correlation.ts";
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
    /** Default local-gguf; "lexical" is a built-in baseline (builtin:<fileName>), anything else hosted. Neither has weights. */
    provider?: string;
    /** model.memory (synthetic figures): the trade-off page estimates memory at a context length from it. */
    memory?: {kvBytesPerToken: number; overheadBytes: number};
    /** The file's dominant tensor type when it is not the one its label promises (a Q6_K file holding Q8_0 tensors). */
    tensorType?: string;
    /** Other files of the ladder with the same tensors (model.sameTensorsAs). */
    sameTensorsAs?: string[];
    /** Score as this file does (same seeds), as identical weights do. */
    seedAs?: string;
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
    /** STS: write the sentence texts into the per-pair records (the task's includeText). Default true. */
    includeText?: boolean;
    /** NIAH: trials graded by an LLM judge (scores.judge, 1-10), as a task with `judge` records them. */
    judged?: boolean;
    /** NIAH: the shortest length's deepest needle lands where the next-deepest one does (same prompt): skipped, as the harness records it. */
    sameAsDepth?: boolean;
    /** STS: sentences cut to fit the model's context (scores.truncatedInputs). */
    truncatedInputs?: number;
    /** A RULER document (task type "ruler"; the task id is RULER's task name). */
    ruler?: RulerSpec;
}

/** A synthetic RULER task instance: its config, and which lengths the task is too short for. */
export interface RulerSpec {
    lengths: number[];
    samples: number;
    mainScore: "stringMatch" | "lift";
    /** Lengths whose samples are skipped as too short for the task (as the harness records cwe below ~1,300 tokens). */
    tooShort?: number[];
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

/** The main tensor type a quant label promises: Q4_K_M -> Q4_K, Q8_0 -> Q8_0, F16 -> F16. */
export function expectedMainType(quant: string): string {
    return quant.replace(/_(XXS|XS|S|M|L)$/, "");
}

/** The file whose weights decide the scores (a file with another's tensors scores as that one). */
const seedName = (m: ModelSpec) => m.seedAs ?? m.fileName;
const round = (v: number, places = 3) => Math.round(v * 10 ** places) / 10 ** places;
const avg = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

function modelInfo(m: ModelSpec): ResultDocument["model"] {
    const provider = m.provider ?? "local-gguf";
    const local = provider.startsWith("local");
    const builtin = provider === "lexical";
    const id = builtin ? `builtin:${m.fileName}` : local ? `${m.family}/${m.fileName}` : `https://synthetic.invalid/models/${m.fileName}`;
    // As the harness records them: models without local weights have bytes and bits per weight 0.
    return {
        id,
        provider,
        source: builtin ? id : m.fileName,
        fileName: m.fileName,
        sha256: sha(`${m.family}/${m.fileName}`),
        bytes: local ? Math.round((m.parameters * m.bitsPerWeight) / 8) + 4096 : 0,
        architecture: builtin ? "lexical" : "synthetic",
        name: builtin ? `${m.fileName} (built-in lexical baseline, synthetic scores)` : `${m.family} (synthetic)`,
        parameters: builtin ? 0 : m.parameters,
        ...(builtin ? {} : {contextLength: m.contextLength ?? 1024}),
        ...(m.memory && local ? {memory: m.memory} : {}),
        quantLabel: m.quant,
        tensorTypes: local ? {[m.tensorType ?? expectedMainType(m.quant)]: {tensors: 20, weights: m.parameters}, F32: {tensors: 5, weights: 1000}} : {},
        bitsPerWeight: local ? m.bitsPerWeight : 0,
        hasChatTemplate: false,
        ...(local ? {
            labelMatchesTensors: (m.tensorType ?? expectedMainType(m.quant)) === expectedMainType(m.quant), expectedMainType: expectedMainType(m.quant),
            ...(m.sameTensorsAs ? {sameTensorsAs: m.sameTensorsAs} : {})
        } : {}),
        ladder: {id: m.family, referenceFile: m.referenceFile, referenceSha256: sha(`${m.family}/${m.referenceFile}`), isReference: m.isReference, size: m.ladderSize}
    };
}

const env: ResultDocument["env"] = {
    slmbench: "0.1.0-synthetic", nodeLlamaCpp: "3.21.1", llamaCpp: "b0000", cpu: "Synthetic CPU", cores: 2, threads: 2, os: "linux", node: "v20.20.0"
};

type Trial = ResultDocument["trials"][number];

/** The fixtures' effective-context threshold on string match (the harness defaults to 85.6; lower here so the small synthetic grids vary). */
export const NIAH_EFFECTIVE_THRESHOLD = 50;

/** RULER's rule, as the harness applies it: the longest length such that it and every shorter length score above the threshold. */
export function effectiveLength(byLength: NiahScores["byLength"], score: "stringMatch" | "lift", threshold: number): number | null {
    let length: number | null = null;
    for (const entry of [...byLength].sort((a, b) => a.length - b.length)) {
        const value = entry[score];
        if (entry.trials === 0 || value == null || value <= threshold) break;
        length = entry.length;
    }
    return length;
}

function niahParts(spec: DocSpec, lengths: number[], depths: number[], perCell: number): {scores: NiahScores; trials: Trial[]} {
    const random = rng(`${spec.runId}/${seedName(spec.model)}/${spec.taskId}`);
    const trials: Trial[] = [];
    for (const length of lengths) {
        for (const depth of depths) {
            for (let i = 0; i < perCell; i++) {
                const id = `L${length}-D${depth}-${i}`;
                const cell = {length, depth, trial: i};
                if (length > (spec.model.contextLength ?? 1024)) {
                    trials.push({id, cell, seed: i, status: "skipped", skipReason: "prompt exceeds the model's context length", scores: {}, timings: {}});
                    continue;
                }
                if (spec.sameAsDepth && length === lengths[0] && depth === depths.at(-1)) {
                    trials.push({id, cell, seed: i, status: "skipped", skipReason: `same prompt as depth ${depths.at(-2)}`, scores: {}, timings: {}});
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
                    scores: {stringMatch: hit ? 100 : 0, answerLogprob, baselineLogprob, lift: round(answerLogprob - baselineLogprob),
                        ...(spec.judged ? {judge: hit ? 10 : 1 + Math.floor(random() * 4)} : {})},
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
            stringMatch: pick("stringMatch"), lift: pick("lift"), answerLogprob: pick("answerLogprob"),
            ...(spec.judged ? {judge: pick("judge")} : {})
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
            const same = skipReason?.match(/^same prompt as depth (\d+)/);
            return {...aggregate(list), length, depth, ...(skipReason ? {skipReason} : {}), ...(same ? {sameAsDepth: Number(same[1])} : {})};
        })),
        byLength: lengths.map((length) => ({...aggregate(inCell(length)), length})),
        byDepth: depths.map((depth) => ({...aggregate(inCell(undefined, depth)), depth}))
    };
    const ran = scores.byLength.filter((b) => b.trials > 0).map((b) => b.length);
    scores.effectiveContext = {
        length: effectiveLength(scores.byLength, "stringMatch", NIAH_EFFECTIVE_THRESHOLD), score: "stringMatch", threshold: NIAH_EFFECTIVE_THRESHOLD,
        measuredFrom: ran.length ? Math.min(...ran) : null
    };
    return {scores: niahScoresSchema.parse(scores), trials};
}

/**
 * How much quantization hurts each synthetic RULER task: the change of lift from the reference is
 * -sensitivity x (quality lost) plus per-sample noise that grows as quality drops, and string
 * match drops with it. niah_multikey_2 loses clearly (its paired intervals exclude zero),
 * niah_single_1 and vt only by noise.
 */
const RULER_SENSITIVITY: Record<string, number> = {niah_single_1: 0, niah_multikey_2: 6, vt: 0, cwe: 2};

function rulerParts(spec: DocSpec, ruler: RulerSpec): {config: ReturnType<typeof rulerConfigSchema.parse>; trials: Trial[]} {
    const task = spec.taskId;
    const config = rulerConfigSchema.parse({task, lengths: ruler.lengths, samples: ruler.samples, mainScore: ruler.mainScore});
    // Shared by every file of the ladder (the samples' difficulty), and the file's own noise.
    const shared = rng(`${spec.runId}/${spec.model.family}/${task}/samples`);
    const own = rng(`${spec.runId}/${seedName(spec.model)}/${task}/noise`);
    const longest = Math.max(...ruler.lengths);
    const trials: Trial[] = [];
    for (const length of ruler.lengths) {
        for (let sample = 0; sample < ruler.samples; sample++) {
            const id = `L${length}-S${sample}`;
            const cell = {length, sample};
            const u = shared();
            const base = 1 + 2 * shared();
            const noise = (own() - 0.5) * 0.6 * (1 - spec.model.quality);
            if (ruler.tooShort?.includes(length)) {
                trials.push({id, cell, seed: sample, status: "skipped", skipReason: `length ${length} is too short for ${task}: its prompt at the smallest size already takes ${length + 57} tokens (synthetic)`, scores: {}, timings: {}});
                continue;
            }
            const sensitivity = RULER_SENSITIVITY[task] ?? 1;
            // Files of a ladder find the same answers, give or take their own noise, less of them the more the task suffers.
            const hit = u + 0.4 * (own() - 0.5) < 0.95 - 0.3 * (length / longest) - sensitivity * 0.2 * (1 - spec.model.quality);
            const answerLogprob = round(-2 - 3 * u);
            const lift = round(base - sensitivity * (1 - spec.model.quality) + noise);
            trials.push({
                id, cell, seed: sample, status: "ok",
                input: {expected: ["4217093"], lengthSizing: "synthetic"},
                output: {text: hit ? "The special magic number is 4217093." : "Once upon a time"},
                scores: {stringMatch: hit ? 100 : 0, answerLogprob, baselineLogprob: round(answerLogprob - lift), lift},
                promptTokens: length - 128, timings: {promptMs: round(length / 5, 1), generateMs: 40}
            });
        }
    }
    return {config, trials};
}

/** A task type the site has no special view for, with a CI on its main score. */
function genericParts(spec: DocSpec): {scores: ResultDocument["scores"]; trials: Trial[]} {
    const random = rng(`${spec.runId}/${seedName(spec.model)}/${spec.taskId}`);
    const trials: Trial[] = Array.from({length: 8}, (_, i) => {
        const pearson = round(Math.min(1, Math.max(-1, spec.model.quality - 0.15 + 0.3 * random())));
        return {id: `pair-${i}`, cell: {pair: i}, seed: i, status: "ok" as const, output: {text: `similarity ${round(pearson * 5, 1)}`}, scores: {pearson}, timings: {}};
    });
    const main = avg(trials.map((t) => t.scores.pearson!))!;
    return {scores: {main, mainCi: [round(main - 0.08), round(main + 0.08)], pearson: main}, trials};
}

/** Standard normal deviate (Box-Muller) from a uniform generator. */
function gaussian(random: () => number): number {
    return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export const STS_PAIR_COUNT = 40;
/** The pair whose first sentence is hostile markup; every synthetic model gets it badly wrong (gold 5, low similarity). */
export const STS_XSS_PAIR = "synthetic-0007";
const NOUNS = ["cat", "train", "violin", "teacher", "river", "robot", "garden", "kettle"];
const VERBS = ["sleeps", "arrives late", "is tuned", "explains", "floods", "beeps", "grows", "whistles"];

interface SyntheticPair {
    id: string;
    sentence1: string;
    sentence2: string;
    score: number;
    genre: string;
    source: string;
}

let pairCache: SyntheticPair[] | undefined;

/** Made-up sentence pairs with gold scores 0..5 (the same for every model). */
export function syntheticStsPairs(): SyntheticPair[] {
    if (pairCache) return pairCache;
    const random = rng("synthetic-sts-pairs");
    pairCache = Array.from({length: STS_PAIR_COUNT}, (_, i) => {
        const id = `synthetic-${String(i).padStart(4, "0")}`;
        const noun = NOUNS[i % NOUNS.length]!;
        const verb = VERBS[(i * 3) % VERBS.length]!;
        const xss = id === STS_XSS_PAIR;
        return {
            id,
            sentence1: xss ? `${XSS_TEXT} said the synthetic ${noun}.` : `Synthetic sentence ${i}: the ${noun} ${verb}.`,
            sentence2: xss ? `The synthetic ${noun} said a script tag.` : `Synthetic sentence ${i}b: a ${NOUNS[(i + 1) % NOUNS.length]} ${verb}.`,
            score: xss ? 5 : round(5 * random(), 2),
            genre: ["synthetic-news", "synthetic-captions", "synthetic-forums"][i % 3]!,
            source: `synthetic-source-${i % 2}`
        };
    });
    return pairCache;
}

function stsConfig(spec: DocSpec) {
    return stsConfigSchema.parse({
        dataset: {type: "file", file: "synthetic-sts-pairs.tsv", name: "synthetic STS pairs", scoreRange: [0, 5]},
        includeText: spec.includeText ?? true, bootstrapSamples: 200
    });
}

/**
 * A model's similarity per pair: the family's shared view of the pairs (its errors are the same
 * in every file of the ladder) plus noise that grows as quality drops (quantization).
 */
function stsSimilarity(spec: DocSpec, pairs: SyntheticPair[]): number[] {
    const lexical = spec.model.provider === "lexical";
    const family = rng(`${spec.model.family}/${spec.taskId}/family`);
    const file = rng(`${spec.model.family}/${seedName(spec.model)}/${spec.taskId}`);
    return pairs.map((pair) => {
        const latent = pair.id === STS_XSS_PAIR ? 0.02 : pair.score / 5 + (lexical ? 0.35 : 0.22) * gaussian(family);
        const noisy = latent + 0.8 * (1 - spec.model.quality) * gaussian(file);
        // Jaccard lies in [0, 1], cosine in [-1, 1].
        return round(Math.min(1, Math.max(lexical ? 0 : -1, lexical ? noisy : 0.2 + 0.75 * noisy)), 5);
    });
}

/** Sentence vectors of the reference file and of this file (the reference's plus quantization noise), for embedding drift. */
function driftVectors(spec: DocSpec, sentences: number): {reference: number[][]; candidate: number[][]} {
    const base = rng(`${spec.model.family}/vectors`);
    const noise = rng(`${spec.model.family}/${seedName(spec.model)}/vectors`);
    const scale = 0.4 * (1 - spec.model.quality);
    const reference = Array.from({length: sentences}, () => Array.from({length: 8}, () => gaussian(base)));
    return {reference, candidate: reference.map((v) => v.map((x) => x + scale * gaussian(noise)))};
}

function stsParts(spec: DocSpec): {config: ReturnType<typeof stsConfig>; trials: Trial[]} {
    const config = stsConfig(spec);
    const pairs = syntheticStsPairs();
    const lexical = spec.model.provider === "lexical";
    const similarity = stsSimilarity(spec, pairs);
    const gold = pairs.map((p) => p.score);
    const rho = spearman(gold, similarity);
    const r = pearson(gold, similarity);
    const distinct = pairs.length * 2;
    const trial: Trial = {
        id: "synthetic-sts", cell: {dataset: "synthetic"}, seed: config.seed, status: "ok",
        input: {
            dataset: {
                name: "synthetic STS pairs", description: `${pairs.length} made-up sentence pairs (site test fixture)`, pairs: pairs.length,
                scoreRange: [0, 5], groupKeys: ["genre", "source"], files: [{path: "synthetic-sts-pairs.tsv", sha256: sha("synthetic-sts-pairs"), rows: pairs.length}]
            },
            prefix: config.prefix, prefixApplied: !lexical, similarity: lexical ? "jaccard" : "cosine"
        },
        output: {
            pairIds: pairs.map((p) => p.id), gold, similarity,
            groups: {genre: pairs.map((p) => p.genre), source: pairs.map((p) => p.source)},
            ...(config.includeText ? {texts: pairs.map((p) => [p.sentence1, p.sentence2])} : {})
        },
        scores: {
            spearman: rho === null ? null : rho * 100, pearson: r === null ? null : r * 100, pairs: pairs.length,
            distinctSentences: lexical ? 0 : distinct, embeddedSentences: lexical ? 0 : distinct, cachedSentences: 0, dimensions: lexical ? null : 8
        },
        timings: {totalMs: 900, loadMs: 5, embedMs: lexical ? 3 : 800}
    };
    return {config, trials: [trial]};
}

function fidelityParts(spec: DocSpec): {scores: ResultDocument["scores"]; trials: Trial[]} {
    const random = rng(`${spec.runId}/${seedName(spec.model)}/${spec.taskId}`);
    const ref = spec.model.isReference;
    // Roughly llama.cpp's picture: KLD grows fast below ~5 bits per weight.
    const base = ref ? 0 : 0.5 * 2 ** (-spec.model.bitsPerWeight / 1.3);
    const tokens = 64;
    const chunks = Array.from({length: 4}, (_, chunk) => {
        const meanKld = ref ? 0 : round(base * (0.7 + 0.6 * random()), 6);
        const pplReference = round(12 + 4 * random(), 4);
        return {chunk, tokens, meanKld, maxKld: ref ? 0 : round(meanKld * 25, 5), top1Agreement: ref ? 1 : round(1 - 2.5 * meanKld, 5),
            rmsDeltaP: ref ? 0 : round(Math.sqrt(meanKld) / 3, 5), ppl: round(pplReference * Math.exp(meanKld / 2), 4), pplReference};
    });
    const mean = (key: "meanKld" | "top1Agreement" | "rmsDeltaP" | "ppl" | "pplReference") => round(chunks.reduce((s, c) => s + c[key], 0) / chunks.length, 6);
    const meanKld = mean("meanKld");
    const scores = fidelityScoresSchema.parse({
        main: meanKld, mainScore: "meanKld", reference: spec.model.referenceFile, isReference: ref, topK: 32, chunkSize: 2 * tokens,
        chunks: {planned: chunks.length, ok: chunks.length, error: 0, skipped: 0}, scoredTokens: tokens * chunks.length, kldExact: false, kldTopK: 32,
        meanKld, meanKldError: round(meanKld / 20, 7), medianKld: round(meanKld * 0.6, 6), kldP90: round(meanKld * 2.5, 6), kldP95: round(meanKld * 4, 6),
        kldP99: round(meanKld * 9, 6), kldP999: round(meanKld * 20, 6), maxKld: Math.max(...chunks.map((c) => c.maxKld)),
        top1Agreement: mean("top1Agreement"), rmsDeltaP: mean("rmsDeltaP"), meanDeltaP: ref ? 0 : round(-meanKld / 10, 6), maxAbsDeltaP: ref ? 0 : round(Math.min(1, meanKld * 8), 5),
        ppl: mean("ppl"), pplReference: mean("pplReference"), lnPplRatio: round(Math.log(mean("ppl") / mean("pplReference")), 6),
        tokensPerSecond: round(3000 / spec.model.bitsPerWeight, 1),
        byChunk: chunks.map(({chunk, tokens: t, meanKld: k, maxKld, top1Agreement, rmsDeltaP, ppl}) => ({chunk, tokens: t, meanKld: k, maxKld, top1Agreement, rmsDeltaP, ppl}))
    });
    const trials: Trial[] = chunks.map((c) => ({
        id: `chunk-${c.chunk}`, cell: {chunk: c.chunk}, seed: 0, status: "ok" as const,
        input: {chunk: c.chunk, chunkSize: 2 * tokens, scoredTokens: tokens, reference: spec.model.referenceFile, isReference: ref},
        output: {encoding: "base64 float32 little-endian, one value per scored position", kld: Buffer.from(new Float32Array(tokens).fill(c.meanKld).buffer).toString("base64")},
        scores: {tokens, meanKld: c.meanKld, maxKld: c.maxKld, top1Agreement: c.top1Agreement, rmsDeltaP: c.rmsDeltaP, ppl: c.ppl, pplReference: c.pplReference},
        promptTokens: 2 * tokens, timings: {totalMs: 50}
    }));
    return {scores, trials};
}

type TaskKind = "niah" | "sts" | "fidelity" | "generic";
const taskKind = (taskId: string): TaskKind =>
    taskId.startsWith("niah") ? "niah" : taskId.startsWith("sts") ? "sts" : taskId.startsWith("fidelity") ? "fidelity" : "generic";

const MAIN_SCORES: Record<TaskKind, ResultDocument["task"]["mainScore"]> = {
    niah: {name: "stringMatch", higherIsBetter: true, description: "Share of expected strings found in the output, x100"},
    sts: {name: "spearman", higherIsBetter: true, description: "Spearman rank correlation x100 between the model's similarity and the gold scores (synthetic)"},
    fidelity: {name: "meanKld", higherIsBetter: false, description: "Mean KL divergence (nats) from the ladder's reference file (synthetic)"},
    generic: {name: "pearson", higherIsBetter: true, description: "Pearson correlation with gold similarity"}
};

/**
 * The paired change in string match from the reference, as the harness's contract describes it:
 * trials paired by id, averaged per (length, trial) cluster (its depths share a haystack), and a
 * bootstrap interval over the clusters.
 */
function niahMainDelta(reference: ResultDocument, doc: ResultDocument) {
    const theirs = new Map(reference.trials.filter((t) => t.status === "ok").map((t) => [t.id, t.scores.stringMatch!]));
    const clusters = new Map<string, number[]>();
    for (const t of doc.trials) {
        const other = theirs.get(t.id);
        if (t.status !== "ok" || other === undefined) continue;
        const key = t.id.replace(/-D\d+-/, "-");
        clusters.set(key, [...(clusters.get(key) ?? []), t.scores.stringMatch! - other]);
    }
    const values = [...clusters.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    const delta = values.length ? round(values.reduce((a, b) => a + b, 0) / values.length) : null;
    return {delta, ci: bootstrapMeanCi(values), units: values.length, unit: "clusters (length, trial)", method: "cluster bootstrap (1,000 resamples)"};
}

/**
 * One synthetic result document. STS documents of non-reference files get the harness's own
 * comparison with `reference` (the ladder's reference file's document on the same task).
 */
export function makeDoc(spec: DocSpec, reference?: ResultDocument): ResultDocument {
    if (spec.ruler) return makeRulerDoc(spec, spec.ruler, reference);
    const kind = taskKind(spec.taskId);
    const local = !spec.model.provider || spec.model.provider.startsWith("local");
    let config: Record<string, unknown>;
    let scores: ResultDocument["scores"];
    let trials: Trial[];
    if (kind === "sts") {
        const sts = stsParts(spec);
        config = sts.config;
        trials = sts.trials;
        scores = aggregateSts(sts.config, trials);
    } else {
        const parts = kind === "niah" ? niahParts(spec, [256, 512, 1024, 2048], [0, 25, 50, 75, 100], 4)
            : kind === "fidelity" ? fidelityParts(spec) : genericParts(spec);
        config = kind === "niah" ? {lengths: [256, 512, 1024, 2048], depths: [0, 25, 50, 75, 100], trialsPerCell: 2}
            : kind === "fidelity" ? {corpus: {files: ["synthetic.txt"]}, chunkSize: 128, topK: 32} : {pairs: 8};
        scores = parts.scores;
        trials = parts.trials;
    }
    const planned = trials.length;
    const count = (status: string) => trials.filter((t) => t.status === status).length;
    const bytes = Math.round((spec.model.parameters * spec.model.bitsPerWeight) / 8) + 4096;
    const generates = kind === "niah";
    const doc = resultDocumentSchema.parse({
        schemaVersion: 1, kind: "slmbench.result", runId: spec.runId, createdAt: spec.createdAt,
        suite: {name: "synthetic-site-fixtures", hash: sha(spec.runId).slice(0, 16)},
        task: {
            type: kind === "generic" ? "synthetic-generic" : kind, id: spec.taskId, config,
            configHash: sha(`${spec.taskId}/${JSON.stringify(config)}`).slice(0, 16), mainScore: MAIN_SCORES[kind]
        },
        model: modelInfo(spec.model), env, scores,
        counts: {planned, ok: count("ok"), error: count("error"), skipped: count("skipped")},
        coverage: {ok: count("ok"), skipped: count("skipped"), planned},
        ...(count("ok") + count("skipped") < planned ? {partial: true} : {}),
        ...(spec.modelError ? {modelError: {message: "synthetic model process aborted (signal SIGKILL)", trialId: "L256-D100-0", exitCode: null, signal: "SIGKILL"}} : {}),
        warnings: [],
        performance: {
            loadMs: 120, wallMs: 5000, promptTokens: generates ? 9000 : 0, evaluatedTokens: generates ? 8000 : 0, generatedTokens: generates ? 300 : 0,
            promptTokensPerSecond: generates ? round(2000 / spec.model.bitsPerWeight, 1) : null,
            generationTokensPerSecond: generates ? round(400 / spec.model.bitsPerWeight, 1) : null,
            peakRssBytes: spec.noRss || !local ? null : bytes + 50_000_000
        },
        trials
    });
    if (kind === "sts") {
        if (reference && !spec.model.isReference) {
            const sentences = 2 * STS_PAIR_COUNT;
            const vs = compare(reference, doc, driftVectors(spec, sentences));
            const mainDelta = {delta: vs.deltaSpearman, ci: vs.deltaCi, units: vs.pairs, unit: "sentence pairs", method: vs.bootstrap.method};
            doc.scores = {...doc.scores, vsReference: {...vs, mainDelta}};
        }
        if (local) doc.scores = {...doc.scores, zeroVectors: 0, truncatedInputs: spec.truncatedInputs ?? 0};
        stsScoresSchema.parse(doc.scores);
    }
    if (kind === "niah" && reference && !spec.model.isReference) {
        // The harness's own comparison: flips on both definitions of right, paired Δ lift with its CI.
        doc.scores = niahScoresSchema.parse({...doc.scores, vsReference: {...compareNiah(reference, doc), mainDelta: niahMainDelta(reference, doc)}});
    }
    return doc;
}

/** A RULER document: the harness's own aggregate and comparison (compareRuler) on synthetic samples, checked by the contract's schema. */
function makeRulerDoc(spec: DocSpec, ruler: RulerSpec, reference?: ResultDocument): ResultDocument {
    const {config, trials} = rulerParts(spec, ruler);
    const count = (status: string) => trials.filter((t) => t.status === status).length;
    const bytes = Math.round((spec.model.parameters * spec.model.bitsPerWeight) / 8) + 4096;
    const doc = resultDocumentSchema.parse({
        schemaVersion: 1, kind: "slmbench.result", runId: spec.runId, createdAt: spec.createdAt,
        suite: {name: "synthetic-site-fixtures", hash: sha(spec.runId).slice(0, 16)},
        task: {
            type: "ruler", id: spec.taskId, config, configHash: sha(`${spec.taskId}/${JSON.stringify(config)}`).slice(0, 16),
            mainScore: {name: config.mainScore, higherIsBetter: true, description: `${config.task}: ${RULER_TRIAL_SCORES[config.mainScore]} (mean over samples, synthetic)`}
        },
        model: modelInfo(spec.model), env, scores: aggregateRuler(config, trials),
        counts: {planned: trials.length, ok: count("ok"), error: count("error"), skipped: count("skipped")},
        coverage: {ok: count("ok"), skipped: count("skipped"), planned: trials.length},
        warnings: [],
        performance: {
            loadMs: 120, wallMs: 5000, promptTokens: 9000, evaluatedTokens: 8000, generatedTokens: 300,
            promptTokensPerSecond: round(2000 / spec.model.bitsPerWeight, 1), generationTokensPerSecond: round(400 / spec.model.bitsPerWeight, 1),
            peakRssBytes: spec.noRss ? null : bytes + 50_000_000
        },
        trials
    });
    if (reference && !spec.model.isReference) doc.scores = {...doc.scores, vsReference: compareRuler(reference, doc)};
    doc.scores = rulerScoresSchema.parse(doc.scores);
    return doc;
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

/** Writes docs in order; each non-reference doc gets its ladder reference's doc on the same task (written earlier). */
function writeAll(dir: string, specs: DocSpec[]): string[] {
    const references = new Map<string, ResultDocument>();
    return specs.map((spec) => {
        const key = `${spec.runId}/${spec.model.family}/${spec.taskId}`;
        const doc = makeDoc(spec, references.get(key));
        if (spec.model.isReference) references.set(key, doc);
        return writeDoc(dir, doc);
    });
}

/** The fixtures' RULER tasks, out of RULER's order (the site puts them back in it), and their configuration. */
export const RULER_FIXTURE_TASKS = ["vt", "niah_multikey_2", "cwe", "niah_single_1"];
export const RULER_FIXTURE: RulerSpec = {lengths: [512, 1024, 2048], samples: 6, mainScore: "stringMatch"};
export const RULER_OLDER_FIXTURE: RulerSpec = {lengths: [512, 1024], samples: 3, mainScore: "lift"};

/** Memory figures of the llama ladder's files (made up). */
export const SYNTHETIC_MEMORY = {kvBytesPerToken: 2048, overheadBytes: 1_000_000};

/** The built-in lexical baseline (builtin:jaccard): no weights, its own ladder of one. */
export const JACCARD: ModelSpec = {
    family: "builtin-jaccard", fileName: "jaccard", quant: "none", bitsPerWeight: 1, parameters: 0, quality: 0.6,
    isReference: true, referenceFile: "jaccard", ladderSize: 1, provider: "lexical"
};

/**
 * The fixture set the site tests build: two ladders, one hosted model, the built-in baseline;
 * NIAH, STS (with texts on one ladder, one hostile sentence), fidelity and a generic task; one hostile output.
 */
export function writeSiteFixtures(dir: string): {xssFile: string; files: string[]} {
    // The llama ladder records (synthetic) memory figures: 2,048 bytes of KV cache per token, 1 MB overhead.
    // Its Q6_K file holds the Q8_0 file's tensors (a mislabelled quantization): same tensors, same scores.
    const llama = ladder("synthetic-llama-2m", [["F16", 16, 0.95], ["Q8_0", 8.5, 0.93], ["Q6_K", 8.5, 0.93], ["Q4_K_M", 4.85, 0.8]], 2_000_000,
        {contextLength: 1024, memory: SYNTHETIC_MEMORY});
    llama[1]!.sameTensorsAs = [llama[2]!.fileName];
    Object.assign(llama[2]!, {tensorType: "Q8_0", sameTensorsAs: [llama[1]!.fileName], seedAs: llama[1]!.fileName});
    const qwen = ladder("synthetic-qwen-1m", [["F32", 32, 0.9], ["Q4_0", 4.5, 0.6]], 1_100_000, {contextLength: 2048});
    const hosted = ladder("synthetic-hosted", [["hosted", 16, 0.97]], 7_000_000, {provider: "hosted-openai-compatible", contextLength: 4096});
    const run = "synthetic-run-b";
    const at = "2025-01-02T00:00:00.000Z";
    const specs: DocSpec[] = [];
    for (const model of [...llama, ...qwen, ...hosted]) {
        // F32 has no RSS record: the trade-off page must fall back to its file size.
        // The hosted model's answers were also graded by an LLM judge.
        specs.push({model, taskId: "niah-short", runId: run, createdAt: at, noRss: model.quant === "F32", judged: model.family === "synthetic-hosted",
            sameAsDepth: model.family === "synthetic-llama-2m"});
    }
    for (const model of [...llama, ...qwen, JACCARD]) {
        // The qwen ladder ran without includeText: its STS pages show pair ids only.
        specs.push({model, taskId: "sts-mini", runId: run, createdAt: at, noRss: model.quant === "F32", includeText: !model.family.includes("qwen"),
            truncatedInputs: model.quant === "Q4_0" ? 2 : 0});
    }
    for (const model of llama) specs.push({model, taskId: "fidelity-mini", runId: run, createdAt: at});
    for (const model of qwen) specs.push({model, taskId: "gen-mini", runId: run, createdAt: at, noRss: model.quant === "F32"});
    // RULER on the qwen ladder: four of RULER's tasks (listed out of RULER's order), cwe too short at 512 tokens.
    for (const taskId of RULER_FIXTURE_TASKS) {
        for (const model of qwen) specs.push({model, taskId, runId: run, createdAt: at, noRss: model.quant === "F32", ruler: {...RULER_FIXTURE, tooShort: taskId === "cwe" ? [512] : []}});
    }
    // An older RULER run of the reference with another configuration (main score lift, two lengths): its own table, never mixed in.
    for (const taskId of ["niah_single_1", "niah_multikey_2"]) {
        specs.push({model: {...qwen[0]!, quality: 0.99}, taskId, runId: "synthetic-run-a", createdAt: "2025-01-01T00:00:00.000Z", ruler: RULER_OLDER_FIXTURE});
    }
    // An older run of the same model and task: the leaderboard must show the newer one.
    specs.push({model: {...llama[0]!, quality: 0.1}, taskId: "niah-short", runId: "synthetic-run-a", createdAt: "2025-01-01T00:00:00.000Z"});
    const xss: DocSpec = {model: llama[3]!, taskId: "niah-xss", runId: run, createdAt: at, outputText: XSS_TEXT};
    const failing: DocSpec = {model: qwen[1]!, taskId: "niah-xss", runId: run, createdAt: at, modelError: true};
    const files = writeAll(dir, [...specs, failing]);
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
    const specs: DocSpec[] = [];
    for (let run = 0; specs.length < count; run++) {
        for (let f = 0; specs.length < count && f < 25; f++) {
            for (const model of ladder(`synthetic-family-${f}`, levels, 1_000_000 * (f + 1))) {
                for (const taskId of tasks) {
                    if (specs.length >= count) break;
                    specs.push({model, taskId, runId: `synthetic-perf-${run}`, createdAt: new Date(Date.UTC(2025, 0, 1 + run)).toISOString(), includeText: false});
                }
            }
        }
    }
    return writeAll(dir, specs).length;
}
