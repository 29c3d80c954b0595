import {z} from "zod";
import {mainDeltaSchema} from "../../util/verdict.js";

/**
 * RULER's synthetic tasks in the order RULER's tables print them (all but qa_1 and qa_2). Written
 * out here because this module imports only zod and harness/util; a unit test checks it against
 * harness/tasks/shared/ruler/catalog.ts.
 */
export const RULER_TASK_ORDER = [
    "niah_single_1", "niah_single_2", "niah_single_3",
    "niah_multikey_1", "niah_multikey_2", "niah_multikey_3",
    "niah_multivalue", "niah_multiquery",
    "vt", "cwe", "fwe"
] as const;

/** Score names a RULER trial records (in TrialRecord.scores). */
export const RULER_TRIAL_SCORES = {
    stringMatch: "RULER string_match_all: share of expected strings found in the output (case-insensitive), x100",
    answerLogprob: "Teacher-forced log-probability (nats) of the expected answer after the prompt",
    baselineLogprob: "The same log-probability after the sample's \"without\" prompt (the information the answer rests on removed or changed)",
    lift: "answerLogprob - baselineLogprob (nats): how much the prompt's information helps the model produce the answer"
} as const;
export type RulerScoreName = "stringMatch" | "lift";

/** RULER's threshold (Llama-2-7B-chat at 4K) for string match; for lift, the information makes the answer e times more likely. */
export const DEFAULT_THRESHOLDS: Record<RulerScoreName, number> = {stringMatch: 85.6, lift: 1};

/** Equivalence margins for verdicts against the reference (harness/util/verdict.ts), NIAH's: 5 string-match points, 0.1 nats of lift. */
export const EQUIVALENCE_MARGIN: Readonly<Record<RulerScoreName, number>> = {stringMatch: 5, lift: 0.1};

const mean = z.number().finite().nullable();
const aggregate = z.object({
    trials: z.number().int().nonnegative().describe("Samples that ran (status ok)"),
    skipped: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    stringMatch: mean,
    lift: mean,
    answerLogprob: mean
});

const flipsSchema = z.object({
    pairs: z.number().int().nonnegative(),
    rightToWrong: z.number().int().nonnegative().describe("Right at the reference, wrong at this file"),
    wrongToRight: z.number().int().nonnegative(),
    mcnemarP: z.number().min(0).max(1).describe("McNemar's exact two-sided p-value")
});

/** A paired change over samples (each sample an independent draw, so one unit of the bootstrap). */
const deltaSchema = mainDeltaSchema;

/** A quantized file against its ladder's reference on the same samples (same seeds; same prompts when the tokenizer is the same). */
export const rulerComparisonSchema = z.object({
    reference: z.object({id: z.string(), fileName: z.string(), sha256: z.string(), quantLabel: z.string()}),
    pairedTrials: z.number().int().nonnegative(),
    mainDelta: deltaSchema.describe("Change of the main score"),
    deltaStringMatch: deltaSchema,
    deltaLift: deltaSchema,
    flips: flipsSchema.describe("Right = string match 100 (every expected string found)"),
    liftFlips: flipsSchema.describe("Right = lift > 0 (the prompt's information helps): judge-free, for tiny and base models"),
    byLength: z.array(z.object({
        length: z.number().int().positive(),
        pairs: z.number().int().nonnegative(),
        deltaStringMatch: mean,
        deltaLift: mean
    }))
});
export type RulerComparison = z.infer<typeof rulerComparisonSchema>;

/** The `scores` block of a RULER result document. */
export const rulerScoresSchema = aggregate.extend({
    main: mean,
    mainScore: z.enum(["stringMatch", "lift"]),
    mainCi: z.tuple([z.number(), z.number()]).nullable()
        .describe("95% percentile-bootstrap interval of the main score's mean over samples (1,000 resamples, seed 1)"),
    task: z.string().describe("RULER's task id (niah_single_1 ... fwe)"),
    byLength: z.array(aggregate.extend({
        length: z.number().int().positive(),
        score: mean.describe("RULER's task score at this length: mean string match over the samples, rounded to 2 decimals as RULER rounds"),
        liftCi: z.tuple([z.number(), z.number()]).nullable(),
        skipReason: z.string().optional()
    })),
    effectiveContext: z.object({
        length: z.number().int().positive().nullable().describe("Longest length such that it and every shorter length score above the threshold; null when the shortest does not"),
        score: z.enum(["stringMatch", "lift"]),
        threshold: z.number(),
        measuredFrom: z.number().int().positive().nullable().describe("The shortest length that ran")
    }),
    vsReference: rulerComparisonSchema.optional()
});
export type RulerScores = z.infer<typeof rulerScoresSchema>;

/** What the suite headline reads from a result document (a ResultDocument satisfies it). */
export interface RulerDocumentLike {
    task: {type: string; id: string};
    model: {id: string};
    scores: unknown;
}

export interface RulerSummaryOptions {
    /** The score the effective length is read from (default stringMatch, RULER's). */
    score?: RulerScoreName;
    /** Default: 85.6 for string match, 1 nat for lift. */
    threshold?: number;
}

export interface RulerSummaryLength {
    length: number;
    /** RULER's headline: the mean of the tasks' scores (string match, rounded per task) at this length; null when no task ran here. */
    average: number | null;
    /** The mean of the tasks' mean lifts (nats), where lifts were measured. */
    averageLift: number | null;
    /** Task ids with a score at this length. */
    tasks: string[];
    /** Task ids of the set with no score at this length (skipped: too short, beyond the context, or not run). */
    missing: string[];
}

export interface RulerSummary {
    model: string;
    /** Task instance ids, RULER's order first. */
    tasks: string[];
    /** Per task instance: its scores per length (RULER's table: tasks as rows, lengths as columns). */
    table: Record<string, {task: string; byLength: Record<number, {score: number | null; lift: number | null}>}>;
    byLength: RulerSummaryLength[];
    effectiveLength: {length: number | null; score: RulerScoreName; threshold: number; basis: "complete lengths"};
}

/**
 * The suite headline of one model's RULER documents, as RULER reports it: per length, the average
 * of the tasks' scores; the effective length is the longest length that, with every shorter one,
 * averages above the threshold. Only lengths where every task of the set has a score count for the
 * effective length (an average over fewer tasks is not RULER's number); `missing` names the others.
 * Pure; documents of other task types are ignored.
 */
export function rulerSummary(documents: readonly RulerDocumentLike[], options: RulerSummaryOptions = {}): RulerSummary {
    const ruler = documents.filter((doc) => doc.task.type === "ruler");
    const models = new Set(ruler.map((doc) => doc.model.id));
    if (models.size > 1) throw new Error(`rulerSummary takes one model's documents; got ${[...models].join(", ")} (use rulerSummaries)`);
    const order = (id: string) => {
        const index = (RULER_TASK_ORDER as readonly string[]).indexOf(id);
        return index === -1 ? RULER_TASK_ORDER.length : index;
    };
    const parsed = ruler.map((doc) => ({id: doc.task.id, scores: rulerScoresSchema.parse(doc.scores)}))
        .sort((a, b) => order(a.scores.task) - order(b.scores.task) || a.id.localeCompare(b.id));
    const table: RulerSummary["table"] = {};
    const lengths = new Set<number>();
    for (const {id, scores} of parsed) {
        table[id] = {task: scores.task, byLength: {}};
        for (const entry of scores.byLength) {
            lengths.add(entry.length);
            table[id]!.byLength[entry.length] = {score: entry.trials > 0 ? entry.score : null, lift: entry.trials > 0 ? entry.lift : null};
        }
    }
    const tasks = parsed.map((p) => p.id);
    const byLength = [...lengths].sort((a, b) => a - b).map((length): RulerSummaryLength => {
        const scored = tasks.filter((id) => table[id]!.byLength[length]?.score != null);
        const lifts = tasks.map((id) => table[id]!.byLength[length]?.lift).filter((v): v is number => v != null);
        return {
            length,
            average: scored.length ? scored.reduce((sum, id) => sum + table[id]!.byLength[length]!.score!, 0) / scored.length : null,
            averageLift: lifts.length ? lifts.reduce((a, b) => a + b, 0) / lifts.length : null,
            tasks: scored,
            missing: tasks.filter((id) => !scored.includes(id))
        };
    });
    const score = options.score ?? "stringMatch";
    const threshold = options.threshold ?? DEFAULT_THRESHOLDS[score];
    let effective: number | null = null;
    for (const entry of byLength) {
        const value = score === "stringMatch" ? entry.average : entry.averageLift;
        if (entry.missing.length > 0 || value == null || value <= threshold) break;
        effective = entry.length;
    }
    return {model: ruler[0]?.model.id ?? "", tasks, table, byLength, effectiveLength: {length: effective, score, threshold, basis: "complete lengths"}};
}

/** One summary per model, in the order models first appear. */
export function rulerSummaries(documents: readonly RulerDocumentLike[], options: RulerSummaryOptions = {}): RulerSummary[] {
    const byModel = new Map<string, RulerDocumentLike[]>();
    for (const doc of documents.filter((d) => d.task.type === "ruler")) byModel.set(doc.model.id, [...(byModel.get(doc.model.id) ?? []), doc]);
    return [...byModel.values()].map((docs) => rulerSummary(docs, options));
}

/** A file's headline against its reference's: per length, the difference of the averages over the tasks both have there. */
export function rulerSummaryDelta(reference: RulerSummary, candidate: RulerSummary): {length: number; tasks: string[]; deltaAverage: number | null; deltaLift: number | null}[] {
    return candidate.byLength.map(({length}) => {
        const both = candidate.tasks.filter((id) => candidate.table[id]?.byLength[length]?.score != null && reference.table[id]?.byLength[length]?.score != null);
        const lifts = candidate.tasks.filter((id) => candidate.table[id]?.byLength[length]?.lift != null && reference.table[id]?.byLength[length]?.lift != null);
        const meanOf = (ids: string[], read: (s: RulerSummary, id: string) => number) =>
            ids.length ? ids.reduce((sum, id) => sum + read(candidate, id) - read(reference, id), 0) / ids.length : null;
        return {
            length,
            tasks: both,
            deltaAverage: meanOf(both, (s, id) => s.table[id]!.byLength[length]!.score!),
            deltaLift: meanOf(lifts, (s, id) => s.table[id]!.byLength[length]!.lift!)
        };
    });
}
