import {z} from "zod";

/** Score names a NIAH trial records (in TrialRecord.scores). */
export const NIAH_TRIAL_SCORES = {
    stringMatch: "RULER string_match_all: share of expected strings found in the output (case-insensitive), x100",
    answerLogprob: "Teacher-forced log-probability (nats) of the expected answer after the prompt",
    baselineLogprob: "The same log-probability with the needle removed from the context",
    lift: "answerLogprob - baselineLogprob (nats): how much the needle helps the model produce the answer"
} as const;
export type NiahScoreName = "stringMatch" | "lift";

const mean = z.number().finite().nullable();
const aggregate = z.object({
    trials: z.number().int().nonnegative().describe("Trials that ran (status ok)"),
    skipped: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    stringMatch: mean,
    lift: mean,
    answerLogprob: mean
});

/** The `scores` block of a NIAH result document. */
export const niahScoresSchema = aggregate.extend({
    main: mean,
    mainScore: z.enum(["stringMatch", "lift"]),
    mainCi: z.tuple([z.number(), z.number()]).nullable()
        .describe("95% percentile-bootstrap interval of the main score's mean over trials (1,000 resamples, seed 1)"),
    cells: z.array(aggregate.extend({
        length: z.number().int().positive(),
        depth: z.number().min(0).max(100),
        skipReason: z.string().optional()
    })),
    byLength: z.array(aggregate.extend({length: z.number().int().positive()})),
    byDepth: z.array(aggregate.extend({depth: z.number().min(0).max(100)}))
});
export type NiahScores = z.infer<typeof niahScoresSchema>;
