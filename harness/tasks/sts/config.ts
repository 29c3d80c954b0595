import {z} from "zod";

const column = z.union([
    z.string().min(1).describe("column name (header field, or JSON key)"),
    z.number().int().nonnegative().describe("0-based column index (or array index in JSONL)")
]);

/** Where the pairs come from: a built-in dataset read from its original files, or a user file. */
export const datasetSchema = z.discriminatedUnion("type", [
    z.object({
        type: z.literal("stsb"),
        split: z.enum(["test", "dev", "train"]).default("test")
            .describe("STS Benchmark split: datasets/stsb/sts-<split>.csv (original TAB-separated files)")
    }).strict(),
    z.object({
        type: z.literal("sick"),
        pairs: z.enum(["all", "test"]).default("all")
            .describe("SICK-R pairs: 'all' = the 9,927 SemEval-2014 pairs (train+trial+test) as MTEB scores them; " +
                "'test' = the 4,927 test pairs as SentEval / the SBERT paper score them")
    }).strict(),
    z.object({
        type: z.literal("file"),
        file: z.string().min(1).describe("Absolute, relative to the working directory, or relative to an asset root's datasets/"),
        name: z.string().min(1).optional().describe("Name shown in results (default: the file name)"),
        format: z.enum(["tsv", "csv", "jsonl"]).optional().describe("Default: from the extension (.tsv/.tab, .csv, .jsonl/.ndjson)"),
        header: z.boolean().default(true).describe("TSV/CSV: the first record names the columns"),
        columns: z.object({
            sentence1: column.default("sentence1"),
            sentence2: column.default("sentence2"),
            score: column.default("score"),
            id: column.optional().describe("Pair id column (default: the line number)"),
            group: column.optional().describe("A column to break scores down by (genre, source ...)")
        }).strict().default({sentence1: "sentence1", sentence2: "sentence2", score: "score"}),
        scoreRange: z.tuple([z.number(), z.number()]).refine(([min, max]) => min < max, "scoreRange must be [min, max] with min < max")
            .describe("Range of the gold scores; a score outside it is an error naming the line")
    }).strict()
]);
export type StsDatasetConfig = z.infer<typeof datasetSchema>;

export const stsConfigSchema = z.object({
    dataset: datasetSchema,
    prefix: z.string().default("").describe("Text put before every sentence before embedding (e.g. 'search_query: ')"),
    includeText: z.boolean().default(false)
        .describe("Write the sentence texts into the per-pair records (off by default: SICK is non-commercial, STS-B rows keep their source licenses)"),
    seed: z.number().int().default(42).describe("Seed of the bootstrap resamples"),
    bootstrapSamples: z.number().int().min(100).default(1000).describe("Bootstrap resamples for the confidence intervals"),
    confidenceLevel: z.number().gt(0).lt(1).default(0.95)
}).strict();

export type StsConfig = z.infer<typeof stsConfigSchema>;
