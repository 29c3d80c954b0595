import {z} from "zod";

const positiveInt = z.number().int().positive();

/** The public-domain books every asset root carries (datasets/haystacks/, Project Gutenberg #1342 and #1661). */
export const DEFAULT_CORPUS_FILES = ["haystacks/pg1342-pride-and-prejudice.txt", "haystacks/pg1661-adventures-of-sherlock-holmes.txt"];
/** Default k of the reference cache; see README.md ("Choosing k") for its measured effect. */
export const DEFAULT_TOP_K = 256;
export const DEFAULT_MAX_TOKENS = 8192;

const corpusSchema = z.object({
    files: z.array(z.string().min(1)).nonempty()
        .describe("Text files, joined by a blank line: absolute, relative to the working directory, or relative to an asset root's datasets/"),
    maxTokens: positiveInt.min(4).describe("Tokens taken from the start of the corpus (BOS included), cut into chunks of chunkSize"),
    charset: z.enum(["any", "ascii", "ascii-safe"]).describe(
        "any: the text as is; ascii: every non-ASCII character becomes a space; ascii-safe: every character other than " +
        "letters, digits, space, newline and . , ! ? : ; ' \" - becomes a space (for tokenizers that abort on others, e.g. TinyStories-656K)"),
    whitespace: z.enum(["collapse", "keep"]).describe(
        "collapse: every run of whitespace becomes one space (the books are hard-wrapped and their front matter is centred " +
        "with runs of spaces); keep: the text as llama-perplexity would read the file")
}).strict();

export const fidelityConfigSchema = z.object({
    corpus: z.object({
        files: corpusSchema.shape.files.default([DEFAULT_CORPUS_FILES[0]!, ...DEFAULT_CORPUS_FILES.slice(1)]),
        maxTokens: corpusSchema.shape.maxTokens.default(DEFAULT_MAX_TOKENS),
        charset: corpusSchema.shape.charset.default("any"),
        whitespace: corpusSchema.shape.whitespace.default("collapse")
    }).strict().default({files: [DEFAULT_CORPUS_FILES[0]!, ...DEFAULT_CORPUS_FILES.slice(1)], maxTokens: DEFAULT_MAX_TOKENS, charset: "any", whitespace: "collapse"}),
    chunkSize: z.number().int().min(4).optional()
        .describe("Tokens per chunk (llama-perplexity's -c); default: the model's training context, at most corpus.maxTokens. Larger than the training context: the chunks are skipped"),
    topK: z.union([positiveInt, z.literal("vocabulary")]).default(DEFAULT_TOP_K)
        .describe("Reference tokens kept per position in the cache; the KL sums over them plus one rest bin, a lower bound of the full KL. " +
            "\"vocabulary\" (or a number at or above the vocabulary size) keeps every token: the KL is exact"),
    scoredPositions: z.enum(["second-half", "all"]).default("second-half")
        .describe("second-half: llama.cpp's rule, the first half of each chunk is context only; all: every position of the chunk after its first token")
}).strict();

export type FidelityConfig = z.infer<typeof fidelityConfigSchema>;
export type CorpusConfig = FidelityConfig["corpus"];

/** The k asked of the reference's distributions: "vocabulary" asks for every token (sessions clamp k to the vocabulary). */
export function requestedTopK(topK: FidelityConfig["topK"]): number {
    return topK === "vocabulary" ? 2 ** 31 - 1 : topK;
}
