import {z} from "zod";

const positiveInt = z.number().int().positive();

/**
 * A field given either as a list or as a range object. Picks the schema by the value's shape, so
 * errors name the element and the reason (a plain union reports only "Invalid input").
 */
function listOrRange<L extends z.ZodTypeAny, R extends z.ZodTypeAny>(list: L, range: R, what: string) {
    return z.unknown().transform((value, ctx): z.output<L> | z.output<R> => {
        if (!Array.isArray(value) && (typeof value !== "object" || value === null)) {
            ctx.addIssue({code: "custom", message: `expected a list of ${what} or a range object`});
            return z.NEVER;
        }
        const parsed = (Array.isArray(value) ? list : range).safeParse(value);
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) ctx.addIssue({code: "custom", message: issue.message, path: issue.path as (string | number)[]});
        return z.NEVER;
    });
}
const depthPercent = z.number().min(0, "depth must be at least 0 (%)").max(100, "depth must be at most 100 (%)");

/** Context lengths in the model's own tokens: a list, or evenly spaced like the original test's linspace. */
const lengthsSchema = listOrRange(
    z.array(positiveInt.describe("context length in tokens, must be positive")).nonempty(),
    z.object({min: positiveInt, max: positiveInt, count: positiveInt}).strict()
        .refine((range) => range.min <= range.max, "lengths.min must not exceed lengths.max"),
    "context lengths");

/** Needle depths in percent of the haystack: a list, or `count` points with linear or sigmoid spacing. */
const depthsSchema = listOrRange(
    z.array(depthPercent).nonempty(),
    z.object({
        count: positiveInt,
        spacing: z.enum(["linear", "sigmoid"]).default("linear"),
        min: depthPercent.default(0),
        max: depthPercent.default(100)
    }).strict().refine((range) => range.min <= range.max, "depths.min must not exceed depths.max"),
    "depth percents");

const haystackSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("noise").describe("RULER's repeated 'The grass is green...' text; needs no data")}),
    z.object({
        type: z.literal("files"),
        files: z.array(z.string().min(1)).nonempty()
            .describe("Text files, absolute, relative to the working directory, or relative to an asset root's datasets/")
    })
]);

const valueKind = z.enum(["numbers", "words", "uuids"]);
const needleSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("classic").describe("gkamradt's San Francisco needle; string match wants 'sandwich' and 'Dolores Park'")}),
    z.object({
        type: z.literal("kv").describe("RULER needle: 'One of the special magic {values} for {key} is: {value}.'"),
        keys: valueKind.default("words"),
        values: valueKind.default("numbers"),
        distractors: z.number().int().min(0).default(0).describe("Extra needles with other keys (RULER multikey)"),
        valuesPerKey: positiveInt.default(1).describe("Values hidden for the queried key, all expected (RULER multivalue)")
    }),
    z.object({
        type: z.literal("custom"),
        needle: z.string().min(1),
        question: z.string().min(1),
        answers: z.array(z.string().min(1)).nonempty().describe("Strings the output must contain (string match)"),
        answer: z.string().min(1).optional().describe("Teacher-forced answer text; default: the answers joined"),
        answerPrefix: z.string().optional()
    })
]);

export const niahConfigSchema = z.object({
    lengths: lengthsSchema,
    depths: depthsSchema.default({count: 5, spacing: "linear", min: 0, max: 100}),
    trialsPerCell: positiveInt.default(1).describe("Trials per (length, depth) cell, each with its own seed and haystack offset"),
    seed: z.number().int().default(42),
    haystack: haystackSchema.default({type: "noise"}),
    needle: needleSchema.default({type: "kv", keys: "words", values: "numbers", distractors: 0, valuesPerKey: 1}),
    maxNewTokens: positiveInt.default(32).describe("Greedy generation budget; prompt + this fits the cell's length (RULER's rule)"),
    mainScore: z.enum(["stringMatch", "lift", "liftPerToken", "judge"]).default("stringMatch")
        .describe("The trial score the task is ranked by: stringMatch (0-100), lift (nats summed over the answer's tokens, needs log-probabilities), " +
            "liftPerToken (lift / answer tokens: thresholds mean the same across needle types) or judge (1-10, needs `judge`)"),
    // No default on purpose: absent, the config hash (and so resume) is unchanged; aggregate.ts fills it in.
    effectiveContext: z.object({
        score: z.enum(["stringMatch", "lift", "liftPerToken", "judge"]).optional().describe("Default: the main score"),
        threshold: z.number().optional().describe("Default: 85.6 for string match (RULER), 1 nat for lift, 0.1 nat per token for liftPerToken, 8.704 for the judge (85.6% of its 1-10 scale)")
    }).strict().optional().describe("Effective context length: the longest length scoring above the threshold"),
    // Optional LLM-as-judge (the original test's 1-10 accuracy rubric): trial score "judge"; the main score only with mainScore: "judge".
    judge: z.object({
        model: z.union([z.string().min(1), z.object({hosted: z.string()}).passthrough()])
            .describe("A hosted chat model (hf-inference:, hf-endpoint:, openai: URI or {hosted, ...}) that grades each answer"),
        maxTokens: positiveInt.default(16)
    }).strict().optional()
}).strict().superRefine((config, ctx) => {
    if (config.judge) return;
    if (config.mainScore === "judge")
        ctx.addIssue({code: "custom", path: ["mainScore"], message: "mainScore \"judge\" needs a judge: add judge: {model: \"<hosted chat model URI>\"}"});
    if (config.effectiveContext?.score === "judge")
        ctx.addIssue({code: "custom", path: ["effectiveContext", "score"], message: "effectiveContext.score \"judge\" needs a judge: add judge: {model: \"<hosted chat model URI>\"}"});
});

export type NiahConfig = z.infer<typeof niahConfigSchema>;
export type NeedleConfig = NiahConfig["needle"];
