import {defineSuite} from "../../harness/config/suite.js";

/**
 * Quantization fidelity of both tiny llama ladders: every file against its ladder's reference (F32),
 * as llama-perplexity --kl-divergence measures it (mean / p99 / max KLD, top-1 agreement, RMS Δp,
 * perplexity), over the first 8,192 tokens of Pride and Prejudice, in 16 chunks of 512 tokens
 * (llama-perplexity's default -c 512; 16 chunks are the independent units the paired intervals
 * against the reference rest on), the second half of each chunk scored. The KL is exact over the whole vocabulary: the reference files
 * run first and write their full next-token logits (under the cache dir's fidelity/: 4 x vocabulary
 * bytes per scored position, 34 MB for TinyStories-656K, well inside the default 2 GB budget); each
 * other file is one more pass reading them. topK is the route beyond the budgets (docs/tasks/fidelity.md).
 *
 * TinyStories-656K's tokenizer aborts the process on characters outside its vocabulary (curly
 * quotes, brackets ...: models/MANIFEST.md), so the text keeps only the characters it accepts
 * (ascii-safe: the others become spaces). A suite runs every task on every model, so stories260K
 * reads the same ascii-safe text, which keeps the two ladders' numbers comparable.
 * Expected order: F16 ~0, then Q8_0 / Q6_K, Q5_x, Q4_x and Q3_K_M, Q2_K; files with the same real
 * tensor types (Q6_K = Q8_0 and Q2_K = Q4_0 on these widths) give identical numbers.
 */
export default defineSuite({
    name: "fidelity",
    description: "KL divergence, top-1 agreement and RMS Δp of the stories260K and TinyStories-656K quantization ladders against F32",
    models: [
        {asset: "stories260K", download: "hf:ggml-org/models/tinyllamas/stories260K.gguf"},
        {asset: "tinystories-656k"}
    ],
    tasks: [
        {
            type: "fidelity",
            id: "fidelity-pride",
            corpus: {files: ["haystacks/pg1342-pride-and-prejudice.txt"], maxTokens: 8192, charset: "ascii-safe", whitespace: "collapse"},
            chunkSize: 512,
            topK: 256,
            scoredPositions: "second-half"
        }
    ]
});
