import type {Session} from "../../session/types.js";
import type {PlannedTrial, TaskContext, TaskRunner} from "../types.js";
import {CANARY_KEY, CANARY_SENTENCE, EmbeddingCache, embeddingKey, sameVector} from "./cache.js";
import type {StsPairRecords} from "./contract.js";
import type {StsConfig} from "./config.js";
import {loadDataset, StsDataset} from "./datasets.js";
import {pairScorerOf} from "./similarity.js";
import {cosine, pearson, spearman} from "../../util/correlation.js";

/** What plan() hands the runner: the model's identity, for the embedding cache. */
export interface StsTrialSpec {
    modelSha256: string;
}

/** Texts sent to the model per embed() call; the cache is flushed after each, so a killed run resumes from there. */
export const EMBED_BATCH = 256;

export function datasetSummary(dataset: StsDataset) {
    return {
        name: dataset.name,
        description: dataset.description,
        pairs: dataset.pairs.length,
        scoreRange: dataset.scoreRange,
        groupKeys: dataset.groupKeys,
        files: dataset.files
    };
}

/** The distinct sentences of a dataset, in first-seen order (each is embedded once, with the prefix before it). */
export function distinctSentences(dataset: StsDataset): string[] {
    const sentences = new Set<string>();
    for (const pair of dataset.pairs) {
        sentences.add(pair.sentence1);
        sentences.add(pair.sentence2);
    }
    return [...sentences];
}

/**
 * Runs the one trial of an STS task instance: every pair of the dataset. Each distinct sentence
 * is embedded once per model file and cached on disk (cache.ts), so a rerun, another task
 * instance on the same sentences, or the post-run comparison with the ladder's reference reads
 * the vectors back instead of embedding again.
 */
export async function createStsRunner(config: StsConfig, session: Session, context: TaskContext): Promise<TaskRunner<StsTrialSpec>> {
    const scorer = pairScorerOf(session);
    if (!scorer && (!session.embed || !session.capabilities.has("embed")))
        throw new Error("STS needs a model that embeds sentences (capability \"embed\"); this model's provider offers " +
            `${[...session.capabilities].join(", ") || "no capabilities"}`);

    return {
        async run(trial: PlannedTrial<StsTrialSpec>) {
            const started = performance.now();
            const dataset = loadDataset(config.dataset, context.assetRoots);
            const loadMs = performance.now() - started;
            const {pairs} = dataset;
            let similarity: number[];
            let embedding: {distinct: number; embedded: number; cached: number; embedMs: number; dimensions: number | null; zeroVectors: number; truncated?: number};
            let canary: "new" | "same" | "changed" | undefined;

            if (scorer) {
                // The prefix is an instruction for embedding models; a lexical baseline scores the sentences as they are.
                const scoreStarted = performance.now();
                similarity = await scorer.scorePairs(pairs.map((pair) => [pair.sentence1, pair.sentence2]));
                if (similarity.length !== pairs.length) throw new Error(`the model scored ${similarity.length} of ${pairs.length} pairs`);
                embedding = {distinct: 0, embedded: 0, cached: 0, embedMs: performance.now() - scoreStarted, dimensions: null, zeroVectors: 0};
            } else {
                const {prefix} = config;
                const sentences = distinctSentences(dataset);
                const cache = EmbeddingCache.open(context.assetRoots.cacheDir, trial.spec.modelSha256, session.backend);
                canary = await checkCanary(cache, session);
                const vectors = new Map<string, ArrayLike<number>>();
                const missing: string[] = [];
                for (const sentence of sentences) {
                    const cached = cache.get(embeddingKey(prefix, sentence));
                    if (cached) vectors.set(sentence, cached);
                    else missing.push(sentence);
                }
                let embedMs = 0;
                // Each batch is cached as it arrives: a batch that fails loses only its sentences (the rerun embeds
                // just those); the other batches still run, unless several fail in a row (the model or server is down).
                const failed = new BatchFailures();
                for (let i = 0; i < missing.length && !failed.givenUp; i += EMBED_BATCH) {
                    const batch = missing.slice(i, i + EMBED_BATCH);
                    const batchStarted = performance.now();
                    let batchVectors: number[][];
                    try {
                        batchVectors = await session.embed!(batch.map((sentence) => prefix + sentence));
                        if (batchVectors.length !== batch.length) throw new Error(`the model returned ${batchVectors.length} embeddings for ${batch.length} texts`);
                    } catch (error) {
                        failed.add(error as Error);
                        continue;
                    } finally {
                        embedMs += performance.now() - batchStarted;
                    }
                    failed.succeeded(batch.length);
                    batch.forEach((sentence, k) => {
                        const key = embeddingKey(prefix, sentence);
                        cache.set(key, batchVectors[k]!);
                        vectors.set(sentence, cache.get(key)!);
                    });
                    cache.flush();
                }
                failed.throwIfAny(missing.length);
                similarity = pairs.map((pair) => cosine(vectors.get(pair.sentence1)!, vectors.get(pair.sentence2)!));
                embedding = {
                    // An all-zero vector has no direction: its pairs score cosine 0 whatever they say.
                    zeroVectors: sentences.filter((sentence) => isZero(vectors.get(sentence)!)).length,
                    distinct: sentences.length,
                    embedded: missing.length,
                    cached: sentences.length - missing.length,
                    embedMs,
                    dimensions: sentences.length > 0 ? vectors.get(sentences[0]!)!.length : null,
                    // Sentences cut to fit the embedding context (the same count whether their vectors came from the cache or not).
                    truncated: session.truncatedInputs ? await session.truncatedInputs(sentences.map((sentence) => prefix + sentence)) : undefined
                };
            }

            const gold = pairs.map((pair) => pair.score);
            const records: StsPairRecords = {
                pairIds: pairs.map((pair) => pair.id),
                gold,
                similarity,
                groups: Object.fromEntries(dataset.groupKeys.map((key) => [key, pairs.map((pair) => pair.groups[key] ?? "")]))
            };
            if (config.includeText) records.texts = pairs.map((pair) => [pair.sentence1, pair.sentence2]);
            const rho = spearman(gold, similarity);
            const r = pearson(gold, similarity);
            return {
                input: {
                    dataset: datasetSummary(dataset),
                    prefix: config.prefix,
                    prefixApplied: !scorer,
                    similarity: scorer ? scorer.pairSimilarity : "cosine",
                    // Which embedding cache holds the vectors (compare.ts reads them back for drift).
                    ...(!scorer && session.backend ? {embeddingBackend: session.backend} : {}),
                    ...(canary ? {embeddingCanary: canary} : {})
                },
                output: {...records},
                scores: {
                    spearman: rho == null ? null : rho * 100,
                    pearson: r == null ? null : r * 100,
                    pairs: pairs.length,
                    distinctSentences: embedding.distinct,
                    embeddedSentences: embedding.embedded,
                    cachedSentences: embedding.cached,
                    dimensions: embedding.dimensions,
                    zeroVectors: embedding.zeroVectors,
                    ...(embedding.truncated != null ? {truncatedInputs: embedding.truncated} : {})
                },
                timings: {totalMs: performance.now() - started, loadMs, embedMs: embedding.embedMs}
            };
        }
    };
}

function isZero(vector: ArrayLike<number>): boolean {
    for (let i = 0; i < vector.length; i++) if (vector[i] !== 0) return false;
    return true;
}

/**
 * Embeds the canary sentence and compares it with the cached one: "changed" discards the cache
 * (its vectors came from another model), "new" starts it, "same" keeps it.
 */
async function checkCanary(cache: EmbeddingCache, session: Session): Promise<"new" | "same" | "changed"> {
    const [vector] = await session.embed!([CANARY_SENTENCE]);
    if (!vector) throw new Error("the model returned no embedding for the canary sentence");
    const stored = cache.get(CANARY_KEY);
    const status = !stored ? "new" : sameVector(stored, vector) ? "same" : "changed";
    if (status === "changed") cache.clear();
    if (status !== "same") {
        cache.set(CANARY_KEY, vector);
        cache.flush();
    }
    return status;
}

/** Consecutive failed batches after which the rest are not tried (the model or server is down). */
const MAX_CONSECUTIVE_BATCH_FAILURES = 3;

/** Embedding batches that failed in a trial: how many, how many sentences the others embedded, and why (the first reason, and how many others). */
class BatchFailures {
    private batches = 0;
    private embedded = 0;
    private consecutive = 0;
    private readonly reasons: string[] = [];

    get givenUp(): boolean {
        return this.consecutive >= MAX_CONSECUTIVE_BATCH_FAILURES;
    }

    add(error: Error) {
        this.batches++;
        this.consecutive++;
        if (!this.reasons.includes(error.message)) this.reasons.push(error.message);
    }

    succeeded(sentences: number) {
        this.consecutive = 0;
        this.embedded += sentences;
    }

    throwIfAny(total: number) {
        if (this.batches === 0) return;
        const stopped = this.givenUp ? ` (${MAX_CONSECUTIVE_BATCH_FAILURES} failed in a row: the rest were not tried)` : "";
        throw new Error(`embedding failed for ${this.batches} batch${this.batches === 1 ? "" : "es"} of up to ${EMBED_BATCH} sentences${stopped}; ` +
            `${this.embedded} of the ${total} sentences to embed were embedded and cached, run again to embed the rest: ` +
            `${this.reasons[0]}${this.reasons.length > 1 ? ` (and ${this.reasons.length - 1} other reasons)` : ""}`);
    }
}
