import type {ModelInfo} from "../../results/schema.js";
import type {PlannedTrial} from "../types.js";
import type {FidelityConfig} from "./config.js";

/** llama-perplexity's usual -c when a model does not say its training context. */
const FALLBACK_CONTEXT = 512;

export interface FidelityTrialSpec {
    chunk: number;
    chunks: number;
    chunkSize: number;
    /** First scored position: chunkSize / 2 (llama.cpp), or 0 with scoredPositions "all". */
    firstScored: number;
    /** The ladder's reference (highest-precision) file: its distributions are what every file is compared with. */
    referenceSha256: string;
    referenceFile: string;
    /** Where the reference file is on this machine (local ladders): a compared file may load it beside itself (exact-lockstep). */
    referencePath?: string;
    /** This file is the reference: it computes and caches the distributions (and scores 0 against itself). */
    isReference: boolean;
}

/** Chunk size for a model: the configured one, else its training context, at most corpus.maxTokens. */
export function chunkSizeFor(config: FidelityConfig, model: Pick<ModelInfo, "contextLength">): number {
    return config.chunkSize ?? Math.min(model.contextLength ?? FALLBACK_CONTEXT, config.corpus.maxTokens);
}

export function firstScored(config: FidelityConfig, chunkSize: number): number {
    return config.scoredPositions === "all" ? 0 : Math.floor(chunkSize / 2);
}

function referenceOf(model: ModelInfo): Pick<FidelityTrialSpec, "referenceSha256" | "referenceFile" | "referencePath" | "isReference"> {
    const referencePath = model.ladder.isReference ? model.path : model.ladder.referencePath;
    return {referenceSha256: model.ladder.referenceSha256, referenceFile: model.ladder.referenceFile, ...(referencePath ? {referencePath} : {}), isReference: model.ladder.isReference};
}

/**
 * One trial per chunk of the corpus (so a run resumes chunk by chunk): floor(maxTokens / chunkSize)
 * chunks, as llama-perplexity cuts its input. A chunk size above the model's training context is
 * planned as skipped, with the reason.
 */
export function planFidelity(config: FidelityConfig, model: ModelInfo): PlannedTrial<FidelityTrialSpec>[] {
    const chunkSize = chunkSizeFor(config, model);
    const chunks = Math.floor(config.corpus.maxTokens / chunkSize);
    const skipReason = model.contextLength != null && chunkSize > model.contextLength
        ? `chunkSize ${chunkSize} exceeds the model's training context (${model.contextLength} tokens)`
        : undefined;
    if (chunks === 0)
        return [{
            id: "chunk-0", cell: {chunk: 0}, seed: 0,
            spec: {chunk: 0, chunks: 0, chunkSize, firstScored: firstScored(config, chunkSize), ...referenceOf(model)},
            skipReason: `corpus.maxTokens ${config.corpus.maxTokens} is less than one chunk of ${chunkSize} tokens`
        }];
    return Array.from({length: chunks}, (_, chunk) => ({
        id: `chunk-${chunk}`,
        cell: {chunk},
        seed: 0,
        spec: {
            chunk,
            chunks,
            chunkSize,
            firstScored: firstScored(config, chunkSize),
            ...referenceOf(model)
        },
        skipReason
    }));
}
