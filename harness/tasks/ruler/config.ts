import {z} from "zod";
import {RULER_TASK_IDS, RULER_TASKS, type RulerTaskId} from "../shared/ruler/catalog.js";
import {NIAH_PRESETS} from "../shared/ruler/niah.js";

const positiveInt = z.number().int().positive();

/** The Gutenberg books in the asset roots' datasets/haystacks/, standing in for RULER's Paul Graham essays. */
export const DEFAULT_ESSAY_FILES = ["haystacks/pg1342-pride-and-prejudice.txt", "haystacks/pg1661-adventures-of-sherlock-holmes.txt"] as const;

/** RULER tasks whose haystack is prose (RULER: Paul Graham's essays). */
export function usesEssay(task: RulerTaskId): boolean {
    return RULER_TASKS[task].family === "niah" && NIAH_PRESETS[task as keyof typeof NIAH_PRESETS].haystack === "essay";
}

export const rulerConfigSchema = z.object({
    task: z.enum(RULER_TASK_IDS as [RulerTaskId, ...RulerTaskId[]])
        .describe("RULER's task: niah_single_1..3, niah_multikey_1..3, niah_multivalue, niah_multiquery, vt, cwe or fwe"),
    lengths: z.array(positiveInt.describe("context length in tokens, must be positive")).nonempty()
        .describe("Context lengths in the model's own tokens: prompt + generation budget fit each (RULER: 4,096 to 131,072)"),
    samples: positiveInt.default(25).describe("Samples per length, each with its own seed (RULER: 500)"),
    seed: z.number().int().default(42).describe("RULER's random_seed: the base of every sample's seed and the run-wide layout shuffles"),
    maxNewTokens: positiveInt.optional().describe("Greedy generation budget, counted inside the length; default RULER's (niah 128, vt 30, cwe 120, fwe 50)"),
    mainScore: z.enum(["stringMatch", "lift"]).default("stringMatch")
        .describe("The trial score the task is ranked by: stringMatch (RULER's string_match_all, 0-100) or lift (nats, needs log-probabilities)"),
    // No default on purpose: absent, the config hash (and so resume) is unchanged; aggregate.ts fills it in.
    effectiveContext: z.object({
        threshold: z.number().optional().describe("Default: 85.6 for string match (RULER), 1 nat for lift")
    }).strict().optional().describe("Effective context length: the longest length that, with every shorter one, scores above the threshold"),
    essay: z.object({
        files: z.array(z.string().min(1)).nonempty()
            .describe("Text files, absolute, relative to the working directory, or relative to an asset root's datasets/")
    }).strict().optional().describe("The essay haystack of niah_single_2/3, niah_multikey_1, niah_multivalue and niah_multiquery (default: the two Gutenberg books), made ascii-safe")
}).strict().superRefine((config, ctx) => {
    if (config.essay && !usesEssay(config.task))
        ctx.addIssue({code: "custom", path: ["essay"], message: `${config.task} has no essay haystack: essay applies to ${RULER_TASK_IDS.filter(usesEssay).join(", ")}`});
}).transform((config) => (usesEssay(config.task) && !config.essay ? {...config, essay: {files: [...DEFAULT_ESSAY_FILES] as [string, ...string[]]}} : config));

export type RulerConfig = z.infer<typeof rulerConfigSchema>;

/** The generation budget of a config: its own, else RULER's for the task. */
export function generationBudget(config: RulerConfig): number {
    return config.maxNewTokens ?? RULER_TASKS[config.task].maxNewTokens;
}
