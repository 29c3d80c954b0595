import {z} from "zod";

/**
 * Default equivalence margins of `recommend`'s and the site's verdicts, per main score: 5 points of
 * string match, half a nat of lift (the answer's probability within a factor e^0.5 = 1.65), a
 * tenth of a nat of lift per answer token, half a point of the 1-10 judge scale.
 */
export const EQUIVALENCE_MARGIN = {stringMatch: 5, lift: 0.5, liftPerToken: 0.1, judge: 0.5} as const;

/** Score names a NIAH trial records (in TrialRecord.scores). */
export const NIAH_TRIAL_SCORES = {
    stringMatch: "RULER string_match_all: share of expected strings found in the output (case-insensitive), x100",
    answerLogprob: "Teacher-forced log-probability (nats) of the expected answer after the prompt",
    baselineLogprob: "The same log-probability with the needle removed from the context",
    lift: "answerLogprob - baselineLogprob (nats): how much the needle helps the model produce the answer",
    judge: "LLM-judge score of the answer against the needle (1-10, the original test's accuracy rubric)"
} as const;
export type NiahScoreName = "stringMatch" | "lift" | "judge";

const mean = z.number().finite().nullable();
const aggregate = z.object({
    trials: z.number().int().nonnegative().describe("Trials that ran (status ok)"),
    skipped: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    stringMatch: mean,
    lift: mean,
    answerLogprob: mean,
    judge: mean.optional().describe("Mean LLM-judge score (1-10, the original test's rubric), when the task has a judge")
});

const flipsSchema = z.object({
    pairs: z.number().int().nonnegative(),
    rightToWrong: z.number().int().nonnegative().describe("Right at the reference, wrong at this file"),
    wrongToRight: z.number().int().nonnegative(),
    mcnemarP: z.number().min(0).max(1).describe("McNemar's exact two-sided p-value")
});

/** A quantized file against its ladder's reference on the same trials. */
export const niahComparisonSchema = z.object({
    reference: z.object({id: z.string(), fileName: z.string(), sha256: z.string(), quantLabel: z.string()}),
    pairedTrials: z.number().int().nonnegative(),
    flips: flipsSchema.describe("Right = string match 100 (every expected string found)"),
    liftFlips: flipsSchema.describe("Right = lift > 0 (the needle helps): judge-free, for tiny and base models"),
    deltaLift: mean.describe("Mean over paired trials of this file's lift minus the reference's (nats)"),
    deltaLiftCi: z.tuple([z.number(), z.number()]).nullable(),
    bootstrap: z.object({method: z.string(), resamples: z.number().int(), seed: z.number().int(), level: z.number()})
});
export type NiahComparison = z.infer<typeof niahComparisonSchema>;

/** The `scores` block of a NIAH result document. */
export const niahScoresSchema = aggregate.extend({
    main: mean,
    mainScore: z.enum(["stringMatch", "lift", "judge"]),
    mainCi: z.tuple([z.number(), z.number()]).nullable()
        .describe("95% percentile-bootstrap interval of the main score's mean over trials (1,000 resamples, seed 1)"),
    cells: z.array(aggregate.extend({
        length: z.number().int().positive(),
        depth: z.number().min(0).max(100),
        skipReason: z.string().optional()
    })),
    byLength: z.array(aggregate.extend({length: z.number().int().positive()})),
    byDepth: z.array(aggregate.extend({depth: z.number().min(0).max(100)})),
    effectiveContext: z.object({
        length: z.number().int().positive().nullable().describe("Longest length such that it and every shorter length score above the threshold (RULER's rule); null when the shortest does not"),
        score: z.enum(["stringMatch", "lift", "judge"]),
        threshold: z.number()
    }).optional(),
    vsReference: niahComparisonSchema.optional()
});
export type NiahScores = z.infer<typeof niahScoresSchema>;
