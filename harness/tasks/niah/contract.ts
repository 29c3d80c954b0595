import {z} from "zod";
import {mainDeltaSchema} from "../../util/verdict.ts";

/**
 * Default equivalence margins of `recommend`'s and the site's verdicts, per main score: 5 points of
 * string match, a tenth of a nat of lift (the answer's probability within a factor e^0.1 = 1.11:
 * small beside the 1-nat effective-context threshold and the tiny models' lifts of 0.3-1.5), 0.02
 * nats of lift per answer token (a tenth of a nat over five tokens), half a point of the 1-10 judge scale.
 */
export const EQUIVALENCE_MARGIN: Readonly<Record<NiahScoreName, number>> = {stringMatch: 5, lift: 0.1, liftPerToken: 0.02, judge: 0.5};

/** Score names a NIAH trial records (in TrialRecord.scores). */
export const NIAH_TRIAL_SCORES = {
    stringMatch: "RULER string_match_all: share of expected strings found in the output (case-insensitive), x100",
    answerLogprob: "Teacher-forced log-probability (nats) of the expected answer after the prompt, summed over the answer's tokens",
    baselineLogprob: "The same log-probability with the needle removed from the context",
    lift: "Lift: log-probability (nats) of the expected answer's tokens, summed over them, teacher-forced after the prompt with the needle, minus the same without the needle",
    liftPerToken: "Lift per answer token: lift divided by the answer's token count (nats per token), comparable across needle types",
    answerTokens: "Tokens of the teacher-forced answer",
    judge: "LLM-judge score of the answer against the needle (1-10, the original test's accuracy rubric)"
} as const;
export type NiahScoreName = "stringMatch" | "lift" | "liftPerToken" | "judge";
export const NIAH_SCORE_NAMES = ["stringMatch", "lift", "liftPerToken", "judge"] as const;

/** Why a trial did not run: its prompt is another depth's (short haystacks put several depths at one sentence boundary). */
export const SAME_PROMPT_REASON = "same prompt as depth ";
export function samePromptReason(depth: number): string {
    return `${SAME_PROMPT_REASON}${depth}`;
}
/** The depth a skipped trial's prompt equals, from its skip reason; undefined for other skips. */
export function samePromptDepth(skipReason: string | undefined): number | undefined {
    if (!skipReason?.startsWith(SAME_PROMPT_REASON)) return undefined;
    const depth = Number(skipReason.slice(SAME_PROMPT_REASON.length));
    return Number.isFinite(depth) ? depth : undefined;
}

/** Why a length did not run because it is too short for the prompt without haystack (not a failure: a longer one may run). */
export function tooShortReason(length: number, emptyPromptTokens: number, answerRoom: number): string {
    return `length ${length} is too short: the prompt without haystack already takes ${emptyPromptTokens} tokens (+${answerRoom} for the answer)`;
}
export function isTooShortReason(skipReason: string | undefined): boolean {
    return /^length \d+ is too short/.test(skipReason ?? "");
}

const mean = z.number().finite().nullable();
const aggregate = z.object({
    trials: z.number().int().nonnegative().describe("Trials that ran (status ok)"),
    skipped: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    stringMatch: mean,
    lift: mean,
    liftPerToken: mean.optional().describe("Mean lift per answer token (nats per token)"),
    answerLogprob: mean,
    judge: mean.optional().describe("Mean LLM-judge score (1-10, the original test's rubric), when the task has a judge"),
    judgeUnparsed: z.number().int().nonnegative().optional().describe("Trials whose judge reply held no 1-10 rating (left out of the judge mean), when the task has a judge")
});

const flipsSchema = z.object({
    pairs: z.number().int().nonnegative(),
    clusters: z.number().int().nonnegative().optional().describe("(length, trial) groups the pairs fall in: the test's independent units"),
    rightToWrong: z.number().int().nonnegative().describe("Right at the reference, wrong at this file"),
    wrongToRight: z.number().int().nonnegative(),
    p: z.number().min(0).max(1).optional().describe("Two-sided p-value of the cluster-level paired test (`test`)"),
    test: z.string().optional(),
    mcnemarP: z.number().min(0).max(1).optional().describe("Older documents: McNemar's exact test on trials (treats the depths of a group as independent)")
});

/** A quantized file against its ladder's reference on the same trials. */
export const niahComparisonSchema = z.object({
    reference: z.object({id: z.string(), fileName: z.string(), sha256: z.string(), quantLabel: z.string()}),
    pairedTrials: z.number().int().nonnegative().describe("Trials both files completed (status ok): every figure here is computed on them"),
    mainDelta: mainDeltaSchema.optional(),
    flips: flipsSchema.describe("Right = string match 100 (every expected string found)"),
    liftFlips: flipsSchema.describe("Right = lift > 0 (the needle helps): judge-free, for tiny and base models"),
    deltaLift: mean.describe("Mean over paired trials of this file's lift minus the reference's (nats)"),
    deltaLiftCi: z.tuple([z.number(), z.number()]).nullable(),
    bootstrap: z.object({method: z.string(), resamples: z.number().int(), seed: z.number().int(), level: z.number()}),
    promptForms: z.object({reference: z.string().nullable(), candidate: z.string().nullable()}).optional(),
    note: z.string().optional().describe("What makes the comparison less direct (different prompt forms)")
});
export type NiahComparison = z.infer<typeof niahComparisonSchema>;

/** The `scores` block of a NIAH result document. */
export const niahScoresSchema = aggregate.extend({
    main: mean,
    mainScore: z.enum(NIAH_SCORE_NAMES),
    mainCi: z.tuple([z.number(), z.number()]).nullable()
        .describe("95% percentile-bootstrap interval of the main score's mean, resampling (length, trial) groups (1,000 resamples, seed 1)"),
    mainCiUnits: z.number().int().nonnegative().optional().describe("(length, trial) groups with a completed trial: the independent units mainCi rests on"),
    promptForm: z.enum(["chat-template", "base", "completion"]).optional()
        .describe("How prompts reached the model: its chat template, plain text with the answer prefix (base), or a server's text completion"),
    cells: z.array(aggregate.extend({
        length: z.number().int().positive(),
        depth: z.number().min(0).max(100),
        skipReason: z.string().optional(),
        sameAsDepth: z.number().min(0).max(100).optional().describe("Every trial of the cell had the prompt of this depth's cell (counted there)")
    })),
    byLength: z.array(aggregate.extend({length: z.number().int().positive()})),
    byDepth: z.array(aggregate.extend({depth: z.number().min(0).max(100)})),
    effectiveContext: z.object({
        length: z.number().int().positive().nullable().describe("Longest length such that it and every shorter length that ran score above the threshold (RULER's rule), from measuredFrom; null when measuredFrom does not"),
        measuredFrom: z.number().int().positive().nullable().optional()
            .describe("The shortest length that ran (shorter ones were too short for the prompt); null when none ran"),
        score: z.enum(NIAH_SCORE_NAMES),
        threshold: z.number()
    }).optional(),
    vsReference: niahComparisonSchema.optional()
});
export type NiahScores = z.infer<typeof niahScoresSchema>;
