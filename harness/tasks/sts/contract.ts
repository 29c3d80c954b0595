import {z} from "zod";
import {mainDeltaSchema} from "../../util/verdict.ts";

/** Default equivalence margin of `recommend`'s and the site's verdicts: 1 Spearman point (x100). */
export const EQUIVALENCE_MARGIN = 1;

/** Score names an STS trial records (in TrialRecord.scores). */
export const STS_TRIAL_SCORES = {
    spearman: "Spearman rank correlation x100 between the model's similarity and the gold scores (ties: average ranks, as scipy)",
    pearson: "Pearson correlation x100 between the model's similarity and the gold scores",
    pairs: "Pairs scored",
    distinctSentences: "Distinct sentences in the dataset",
    embeddedSentences: "Sentences the model embedded in this trial (the rest came from the embedding cache)",
    cachedSentences: "Sentences whose vectors came from the on-disk embedding cache",
    dimensions: "Embedding size",
    zeroVectors: "Distinct sentences the model embedded as all-zero vectors",
    truncatedInputs: "Sentences cut to fit the model's embedding context (absent where the model cannot say)"
} as const;

const correlation = z.number().min(-100).max(100).nullable();
const interval = z.tuple([z.number(), z.number()]).nullable();
const bootstrap = z.object({
    method: z.string(),
    samples: z.number().int().positive(),
    seed: z.number().int(),
    level: z.number().gt(0).lt(1)
});

/** Change against the ladder's reference file (added after the run by compare.ts). */
export const stsComparisonSchema = z.object({
    reference: z.object({id: z.string(), fileName: z.string(), sha256: z.string(), quantLabel: z.string()}),
    pairs: z.number().int().nonnegative().describe("Pairs both files scored (matched by id)"),
    referenceSpearman: correlation,
    candidateSpearman: correlation,
    deltaSpearman: z.number().nullable().describe("candidate - reference, Spearman x100"),
    deltaCi: interval.describe("Paired bootstrap over pairs: both files scored on the same resamples"),
    mainDelta: mainDeltaSchema.optional(),
    bootstrap,
    drift: z.object({
        sentences: z.number().int().nonnegative(),
        meanCosine: z.number().describe("Mean cosine between each sentence's vector and the reference file's vector"),
        minCosine: z.number(),
        p05Cosine: z.number().describe("5th percentile")
    }).nullable(),
    driftNote: z.string().optional().describe("Why drift is missing")
});
export type StsComparison = z.infer<typeof stsComparisonSchema>;

const groupScores = z.object({
    value: z.string(),
    pairs: z.number().int().nonnegative(),
    spearman: correlation,
    pearson: correlation
});

/** The `scores` block of an STS result document. */
export const stsScoresSchema = z.object({
    main: correlation.describe("Spearman x100 of similarity vs gold over every pair (null unless every trial ran)"),
    mainScore: z.literal("spearman"),
    mainCi: interval.describe("Percentile bootstrap over pairs, see `bootstrap`"),
    bootstrap,
    spearman: correlation,
    pearson: correlation,
    pairs: z.number().int().nonnegative(),
    trials: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    dataset: z.object({
        name: z.string(),
        description: z.string(),
        pairs: z.number().int().nonnegative(),
        scoreRange: z.tuple([z.number(), z.number()]),
        groupKeys: z.array(z.string()),
        files: z.array(z.object({path: z.string(), sha256: z.string(), rows: z.number().int().nonnegative()}))
    }).nullable(),
    similarity: z.string().nullable().describe("cosine of embeddings, or the pair similarity of a lexical baseline (jaccard)"),
    prefix: z.string(),
    prefixApplied: z.boolean().describe("Whether the model saw the prefix (lexical baselines score the bare sentences)"),
    breakdown: z.record(z.string(), z.array(groupScores)).describe("Per group key (STS-B: genre, source) and value"),
    zeroVectors: z.number().int().nonnegative().optional().describe("Distinct sentences embedded as all-zero vectors (cosine 0 with anything)"),
    embedding: z.object({
        distinctSentences: z.number().int().nonnegative(),
        embeddedSentences: z.number().int().nonnegative(),
        cachedSentences: z.number().int().nonnegative(),
        embedMs: z.number().nonnegative(),
        sentencesPerSecond: z.number().nullable().describe("Embedded sentences / embedding wall time (null when all came from the cache)"),
        dimensions: z.number().int().positive().nullable()
    }),
    vsReference: stsComparisonSchema.optional(),
    truncatedInputs: z.number().int().nonnegative().optional()
        .describe("Sentences (with the prefix) longer than the model's embedding context, cut to fit before embedding; absent where the model cannot say (hosted, lexical)")
});
export type StsScores = z.infer<typeof stsScoresSchema>;

/** The per-pair records an STS trial writes in its output: parallel arrays in dataset order. */
export interface StsPairRecords {
    pairIds: string[];
    gold: number[];
    similarity: number[];
    /** Breakdown key -> value per pair (STS-B: genre, source). */
    groups: Record<string, string[]>;
    /** [sentence1, sentence2] per pair, only with includeText. */
    texts?: [string, string][];
}

/** Schema of StsPairRecords in a trial's output. */
export const stsPairRecordsSchema = z.object({
    pairIds: z.array(z.string()),
    gold: z.array(z.number()),
    similarity: z.array(z.number()),
    groups: z.record(z.string(), z.array(z.string())).default({}),
    texts: z.array(z.tuple([z.string(), z.string()])).optional()
}).superRefine((r, ctx) => {
    const n = r.pairIds.length;
    const check = (path: (string | number)[], length: number) => {
        if (length !== n) ctx.addIssue({code: "custom", path, message: `${length} entries, but pairIds has ${n}`});
    };
    check(["gold"], r.gold.length);
    check(["similarity"], r.similarity.length);
    for (const [key, values] of Object.entries(r.groups)) check(["groups", key], values.length);
    if (r.texts) check(["texts"], r.texts.length);
});

/** Why a trial's per-pair records are invalid: the trial's index and zod's issues (paths inside the output). */
export interface PairRecordsProblem {
    trialIndex: number;
    issues: z.core.$ZodIssue[];
}

/**
 * The per-pair records of every ok trial, concatenated (one trial per dataset); null when no trial
 * ran. Texts only when every trial has them. The reader harness and site share.
 */
export function parsePairRecords(trials: readonly {status: string; output?: unknown}[]): {ok: true; records: StsPairRecords | null} | ({ok: false} & PairRecordsProblem) {
    const merged: StsPairRecords = {pairIds: [], gold: [], similarity: [], groups: {}};
    const texts: [string, string][] = [];
    let withText = true;
    let any = false;
    for (const [trialIndex, trial] of trials.entries()) {
        if (trial.status !== "ok") continue;
        const parsed = stsPairRecordsSchema.safeParse(trial.output);
        if (!parsed.success) return {ok: false, trialIndex, issues: parsed.error.issues};
        const r = parsed.data;
        any = true;
        merged.pairIds.push(...r.pairIds);
        merged.gold.push(...r.gold);
        merged.similarity.push(...r.similarity);
        for (const [key, values] of Object.entries(r.groups)) (merged.groups[key] ??= []).push(...values);
        if (r.texts) texts.push(...r.texts);
        else withText = false;
    }
    if (!any) return {ok: true, records: null};
    if (withText) merged.texts = texts;
    return {ok: true, records: merged};
}

/** parsePairRecords for the harness: invalid records are an error naming the trial and field. */
export function pairRecordsOf(trials: readonly {status: string; output?: unknown}[]): StsPairRecords | null {
    const result = parsePairRecords(trials);
    if (result.ok) return result.records;
    const issue = result.issues[0]!;
    throw new Error(`trials[${result.trialIndex}].output.${issue.path.join(".")}: ${issue.message}`);
}
