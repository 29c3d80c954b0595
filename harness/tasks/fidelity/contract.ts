import {z} from "zod";
import {mainDeltaSchema} from "../../util/verdict.ts";

/**
 * Default equivalence margin of `recommend`'s and the site's verdicts: 0.01 nats of mean KLD
 * (Q8_0 files of real models sit near 0.001-0.003, Q4_K_M near 0.02-0.05).
 */
export const EQUIVALENCE_MARGIN = 0.01;

/** Score names a chunk trial records (TrialRecord.scores): sums over its scored positions, and its own headline figures. */
export const FIDELITY_TRIAL_SCORES = {
    tokens: "Scored positions in the chunk (its second half, llama.cpp's rule)",
    sumKld: "Sum of the per-position KL divergences (nats)",
    sumKld2: "Sum of their squares (for the standard error)",
    maxKld: "Largest per-position KL divergence",
    sumNll: "Sum of -log q(actual next token)",
    sumNllReference: "Sum of -log p(actual next token) under the reference",
    sumDeltaP: "Sum of q(actual) - p(actual)",
    sumDeltaP2: "Sum of its squares",
    sameTop: "Positions whose most likely token is the reference's",
    meanKld: "Mean KL divergence over the chunk",
    top1Agreement: "Share of positions with the reference's most likely token",
    rmsDeltaP: "RMS of q(actual) - p(actual)",
    ppl: "Perplexity of the chunk's scored tokens",
    pplReference: "The reference's perplexity on them"
} as const;

const value = z.number().finite().nullable();

/** The `scores` block of a fidelity result document. */
export const fidelityScoresSchema = z.object({
    main: value.describe("Mean KL divergence (nats) from the reference, over all scored positions (a lower bound of the full KL unless kldExact)"),
    mainScore: z.literal("meanKld"),
    reference: z.string().nullable().describe("File name of the ladder's reference file"),
    isReference: z.boolean().nullable(),
    topK: z.number().int().positive().nullable().describe("Reference tokens per position the KL sums over (plus one rest bin)"),
    kldExact: z.boolean().optional().describe("Whether the KL is over the full vocabulary (k reached it); false: a lower bound of the full KL"),
    kldTopK: z.number().int().positive().nullable().optional().describe("k of the top-k KL when it is a lower bound; null when exact"),
    vocabularySize: z.number().int().positive().nullable().optional(),
    chunkSize: z.number().int().positive().nullable(),
    chunks: z.object({planned: z.number().int(), ok: z.number().int(), error: z.number().int(), skipped: z.number().int()}),
    scoredTokens: z.number().int().nonnegative(),
    meanKld: value,
    meanKldError: value.describe("Standard error of the mean KLD (llama.cpp's ±)"),
    medianKld: value,
    kldP90: value,
    kldP95: value,
    kldP99: value.describe("99th percentile of the per-position KLD (linear interpolation, as llama.cpp)"),
    kldP999: value,
    maxKld: value,
    top1Agreement: value.describe("Share of positions whose most likely token is the reference's (llama.cpp's 'same top p', as a fraction)"),
    rmsDeltaP: value.describe("RMS of q(actual) - p(actual) (llama.cpp's 'RMS Δp', as a fraction: x100 for its %)"),
    meanDeltaP: value,
    maxAbsDeltaP: value,
    ppl: value.describe("Perplexity of this file on the scored tokens"),
    pplReference: value.describe("Perplexity of the reference on the same tokens"),
    lnPplRatio: value.describe("ln(PPL / PPL(reference))"),
    tokensPerSecond: value.describe("Chunk tokens evaluated per second, the distributions read included (timing, varies between runs)"),
    vsReference: z.object({
        reference: z.object({id: z.string(), fileName: z.string(), sha256: z.string(), quantLabel: z.string()}),
        pairedChunks: z.number().int().nonnegative().describe("Chunks both files completed: the figures here are computed on them"),
        mainDelta: mainDeltaSchema
    }).optional().describe("Against the ladder's reference, on the chunks both completed (its KLD to itself is 0 by definition)"),
    byChunk: z.array(z.object({
        chunk: z.number().int().nonnegative(),
        tokens: z.number().int().nonnegative(),
        meanKld: value,
        maxKld: value,
        top1Agreement: value,
        rmsDeltaP: value,
        ppl: value
    }))
});
export type FidelityScores = z.infer<typeof fidelityScoresSchema>;
