import type {AssetRoots} from "../../assets/roots.js";
import type {ResultDocument} from "../../results/schema.js";
import {bootstrapSettings} from "./aggregate.js";
import {EmbeddingCache, embeddingKey} from "./cache.js";
import {StsConfig, stsConfigSchema} from "./config.js";
import {loadDataset} from "./datasets.js";
import {distinctSentences} from "./runner.js";
import {pairRecordsOf, type StsComparison} from "./contract.js";
import {bootstrapCi, cosine, percentile, ResampledSpearman, spearman} from "../../util/correlation.js";

/** Vectors of the same sentences (same order) from the reference file and the candidate file. */
export interface SentenceVectors {
    reference: ArrayLike<number>[];
    candidate: ArrayLike<number>[];
}

const times100 = (value: number | null) => (value == null ? null : value * 100);

/** Mean, minimum and 5th percentile of the cosine between each sentence's two vectors. */
export function embeddingDrift(vectors: SentenceVectors): NonNullable<StsComparison["drift"]> {
    if (vectors.reference.length !== vectors.candidate.length) throw new Error("drift needs the same sentences from both files");
    if (vectors.reference.length === 0) throw new Error("drift needs at least one sentence");
    const cosines = vectors.reference.map((reference, i) => cosine(reference, vectors.candidate[i]!));
    return {
        sentences: cosines.length,
        meanCosine: cosines.reduce((sum, c) => sum + c, 0) / cosines.length,
        minCosine: Math.min(...cosines),
        p05Cosine: percentile(cosines, 5)
    };
}

function configOf(document: ResultDocument): StsConfig {
    return stsConfigSchema.parse(document.task.config);
}

/**
 * Pure: how a quantized file's STS results differ from its ladder's reference file on the same
 * task instance. Spearman change with a paired bootstrap over pairs (each resample scores both
 * files on the same pairs; seed and count from the task config, recorded), and, given the
 * sentence vectors of both files, embedding drift.
 */
export function compare(reference: ResultDocument, candidate: ResultDocument, vectors?: SentenceVectors): StsComparison {
    if (reference.task.id !== candidate.task.id || reference.task.configHash !== candidate.task.configHash)
        throw new Error(`cannot compare different task instances (${reference.task.id} vs ${candidate.task.id})`);
    checkSameDataset(reference, candidate);
    const config = configOf(candidate);
    const settings = bootstrapSettings(config);
    const base: Omit<StsComparison, "pairs" | "referenceSpearman" | "candidateSpearman" | "deltaSpearman" | "deltaCi" | "drift" | "mainDelta"> = {
        reference: {id: reference.model.id, fileName: reference.model.fileName, sha256: reference.model.sha256, quantLabel: reference.model.quantLabel},
        bootstrap: {method: "paired percentile bootstrap over pairs", ...settings}
    };
    const ref = pairRecordsOf(reference.trials);
    const cand = pairRecordsOf(candidate.trials);
    let drift: StsComparison["drift"] = null;
    let driftNote: string | undefined;
    if (vectors) drift = embeddingDrift(vectors);
    else driftNote = "no sentence vectors of both files (embedding cache missing)";
    const mainDelta = (delta: number | null, ci: [number, number] | null, units: number) =>
        ({delta, ci, units, unit: "sentence pairs", method: `paired percentile bootstrap of the Spearman change over the pairs both files scored (${settings.samples} resamples, seed ${settings.seed})`});
    if (!ref || !cand || reference.scores.main == null || candidate.scores.main == null)
        return {...base, pairs: 0, referenceSpearman: null, candidateSpearman: null, deltaSpearman: null, deltaCi: null, mainDelta: mainDelta(null, null, 0), drift,
            ...(driftNote ? {driftNote} : {})};

    // Pairs both files scored, matched by id, in the candidate's order; the same id must carry the same gold score.
    const refIndex = new Map(ref.pairIds.map((id, i) => [id, i]));
    const gold: number[] = [], refSim: number[] = [], candSim: number[] = [];
    const goldDiffers: string[] = [];
    cand.pairIds.forEach((id, i) => {
        const j = refIndex.get(id);
        if (j === undefined) return;
        if (ref.gold[j] !== cand.gold[i]) goldDiffers.push(id);
        gold.push(cand.gold[i]!);
        refSim.push(ref.similarity[j]!);
        candSim.push(cand.similarity[i]!);
    });
    if (goldDiffers.length > 0)
        throw new Error(`${goldDiffers.length} pairs have other gold scores at the reference ${reference.model.fileName} (first: pair ${goldDiffers[0]}): ` +
            "the files were scored on different data, so their Spearman cannot be compared; rerun both on the same dataset");
    const referenceSpearman = times100(spearman(gold, refSim));
    const candidateSpearman = times100(spearman(gold, candSim));
    const resampled = new ResampledSpearman(gold, refSim, candSim);
    const deltaCi = gold.length < 2 ? null : bootstrapCi(gold.length, settings, (weights) => {
        const [r, c] = resampled.all(weights);
        return r == null || c == null ? null : (c - r) * 100;
    });
    const deltaSpearman = referenceSpearman == null || candidateSpearman == null ? null : candidateSpearman - referenceSpearman;
    return {
        ...base,
        pairs: gold.length,
        referenceSpearman,
        candidateSpearman,
        deltaSpearman,
        deltaCi,
        mainDelta: mainDelta(deltaSpearman, deltaCi, gold.length),
        drift,
        ...(driftNote ? {driftNote} : {})
    };
}

/** The sha256 of each dataset file a document's trials read (scores.dataset.files), or null when it records none. */
function datasetFiles(document: ResultDocument): string | null {
    const dataset = (document.scores as {dataset?: {files?: {path: string; sha256: string}[]} | null}).dataset;
    return dataset?.files ? dataset.files.map((f) => f.sha256).join(",") : null;
}

/** Refuses a comparison of files scored on different dataset files (the same task config can read a changed file). */
function checkSameDataset(reference: ResultDocument, candidate: ResultDocument) {
    const [r, c] = [datasetFiles(reference), datasetFiles(candidate)];
    if (r != null && c != null && r !== c)
        throw new Error(`the dataset files differ (sha256 ${r.slice(0, 12)}... at the reference ${reference.model.fileName}, ${c.slice(0, 12)}... here): ` +
            "the files were scored on different data, so their Spearman cannot be compared; rerun both on the same dataset");
}

/** The vectors of every distinct sentence of the dataset from both files' embedding caches, or why not. */
function cachedVectors(reference: ResultDocument, candidate: ResultDocument, assetRoots: AssetRoots,
    caches: (document: ResultDocument) => EmbeddingCache): SentenceVectors | string {
    const config = configOf(candidate);
    const similarity = candidate.scores.similarity;
    if (typeof similarity === "string" && similarity !== "cosine") return `the model scores pairs by ${similarity}, it has no embeddings`;
    let sentences: string[];
    try {
        sentences = distinctSentences(loadDataset(config.dataset, assetRoots));
    } catch (error) {
        return `dataset unreadable: ${(error as Error).message}`;
    }
    const referenceCache = caches(reference);
    const candidateCache = caches(candidate);
    const vectors: SentenceVectors = {reference: [], candidate: []};
    let missing = 0;
    for (const sentence of sentences) {
        const key = embeddingKey(config.prefix, sentence);
        const r = referenceCache.get(key), c = candidateCache.get(key);
        if (!r || !c) {
            missing++;
            continue;
        }
        if (r.length !== c.length) return `the files' embeddings differ in size (${r.length} vs ${c.length})`;
        vectors.reference.push(r);
        vectors.candidate.push(c);
    }
    if (missing > 0) return `${missing} of ${sentences.length} sentences are missing from the embedding cache (${assetRoots.cacheDir}/embeddings)`;
    return vectors;
}

/**
 * What compare() needs beyond the two documents: the vectors of every distinct sentence of the
 * dataset from both files' embedding caches (read with the backend each file embedded with), or
 * why they are not there.
 */
export async function loadComparisonVectors(reference: ResultDocument, candidate: ResultDocument, context: {assetRoots: AssetRoots}): Promise<SentenceVectors | string> {
    const cacheOf = (document: ResultDocument) => {
        // The backend the runner embedded with (older documents have none: the cache file without a backend tag).
        const backend = document.trials.map((t) => t.input?.embeddingBackend).find((b): b is string => typeof b === "string");
        return EmbeddingCache.open(context.assetRoots.cacheDir, document.model.sha256, backend);
    };
    return cachedVectors(reference, candidate, context.assetRoots, cacheOf);
}

/** compare() with the loaded inputs: vectors give drift; a string says why there is none. */
export function compareWithInputs(reference: ResultDocument, candidate: ResultDocument, inputs?: unknown): StsComparison {
    return typeof inputs === "string"
        ? {...compare(reference, candidate), driftNote: inputs}
        : compare(reference, candidate, inputs as SentenceVectors | undefined);
}
