// The terms the site uses, defined once: the glossary page lists them and <Term> links a term's
// first use on a page to its entry (with the short definition as a tooltip).

export interface GlossaryEntry {
    term: string;
    /** One line: the tooltip. */
    short: string;
    /** The glossary's paragraph(s). */
    long: string[];
}

export const GLOSSARY = {
    "bits-per-weight": {
        term: "bits per weight",
        short: "Average storage per model weight, from the file's real tensor types (F16 = 16, Q8_0 ≈ 8.5, Q4_K_M ≈ 4.9).",
        long: ["The file's weight bytes × 8 divided by its number of weights, computed from the tensor types actually stored in the GGUF file, not from the label. Lower means a smaller file; the charts draw it on a log2 axis, so each halving is one step."]
    },
    memory: {
        term: "memory",
        short: "Estimated memory to run the model at the stated context: weights + KV cache + overhead (MiB).",
        long: [
            "Where a result records the model's memory facts, memory is the harness's estimate: file size + KV-cache bytes per token × context length + a fixed overhead (compute buffers). The context length is stated next to every figure; the same figure appears on every page.",
            "Models without memory facts fall back to the run's measured peak resident memory, else the file size; that figure does not change with the context and is marked. Sizes are binary: 1 MiB = 1,048,576 bytes."
        ]
    },
    "trained-context": {
        term: "trained context",
        short: "The context length the model was trained for (GGUF metadata); longer contexts are beyond what it learned.",
        long: ["The context length recorded in the model file (its training context). The trade-off page offers only context lengths up to the longest trained one and marks lengths beyond some models' training."]
    },
    reference: {
        term: "reference",
        short: "The highest-precision file of a quantization ladder; every other file is compared with it.",
        long: ["Files with the same architecture, name and parameter count form a ladder; its highest-precision file (F32, F16 ...) is the reference. Changes, verdicts and fidelity are always measured against the file's own reference, never across ladders."]
    },
    "paired-interval": {
        term: "paired interval",
        short: "95% interval of the change from the reference, both files scored on the same resampled units.",
        long: ["The change of a score from the reference (candidate − reference) is computed over the units both files completed (sentence pairs, (length, trial) clusters, text chunks), and its 95% interval comes from a bootstrap that resamples those units for both files at once. Pairing removes the difficulty the two files share, so the interval is much narrower than comparing two separate intervals.", "A change whose interval includes zero is within noise: the site colours a change only when its interval excludes zero."]
    },
    "within-noise": {
        term: "within noise",
        short: "The paired interval includes zero: this data cannot tell the change from no change.",
        long: ["A change whose paired interval includes zero. It is shown uncoloured. More units (pairs, trials) narrow the interval; the verdict says roughly how many."]
    },
    verdict: {
        term: "verdict",
        short: "equivalent / better / worse / inconclusive, from the paired interval and the task's equivalence margin.",
        long: [
            "The same rule as slmbench recommend, checked in this order: equivalent when the whole paired interval lies within ± the task's equivalence margin (STS: 1 Spearman point; NIAH string match: 5 points); better when it lies entirely beyond the margin on the good side; worse when it excludes zero on the bad side; inconclusive otherwise (with an estimate of how many more units would decide it).",
            "Tasks without a margin get none: their changes can be better, worse or inconclusive, never equivalent."
        ]
    },
    rank: {
        term: "rank",
        short: "1 + the number of models whose interval lies entirely above this one's: overlapping intervals share a rank.",
        long: ["As LMArena ranks models: a model's rank is one plus the number of models that are better beyond doubt (their interval's low end above this model's high end). Models whose intervals overlap share a rank. Partial scores and within-ladder measures (fidelity) are not ranked."]
    },
    partial: {
        term: "partial",
        short: "Not every planned trial ran (errors, missing trials): the score is marked and not ranked.",
        long: ["A result is partial when its ok and skipped trials add up to fewer than were planned: a model error stopped it, or trials were missing when shards were merged. Its main score is shown as measured, marked partial, and never ranked beside complete ones."]
    },
    n: {
        term: "n",
        short: "How many units a score rests on: trials that ran, or sentence pairs (STS).",
        long: ["The number under a score: trials that ran (status ok), or for STS the sentence pairs scored. A score on few units has a wide interval."]
    },
    "same-tensors": {
        term: "same tensors",
        short: "Two files of a ladder store identical tensor types: they are one model, drawn as one point with both labels.",
        long: ["Files of one ladder whose tensor-type maps are identical (e.g. a Q6_K file that really holds Q8_0 tensors) compute the same thing. The site draws them as one point carrying both labels and badges them in tables; recommend never counts them twice."]
    },
    "label-mismatch": {
        term: "label ≠ tensors",
        short: "The quantization label promises a main tensor type the file does not mostly hold.",
        long: ["The label's expected main type (Q4_K for Q4_K_M, Q8_0 for Q8_0 ...) is not the file's dominant tensor type by weights. The file's real bits per weight and scores are what count; the badge warns that its name misleads."]
    },
    lift: {
        term: "lift",
        short: "How much the needle raises the answer's log-probability, in nats: answer logprob with the needle − without it.",
        long: ["Teacher-forced log-probability of the expected answer after the prompt, minus the same with the needle removed from the haystack (nats; RULER's tasks remove or change the information the answer rests on: the needles, the chain's value, which words are frequent). Positive lift means the model uses the needle even when it cannot yet produce the answer verbatim: a judge-free signal for tiny and base models. Δ lift is a file's lift minus the reference's on the same trials."]
    },
    "string-match": {
        term: "string match",
        short: "Share of expected strings found in the model's output (×100), RULER's string_match_all.",
        long: ["RULER's string_match_all: the share of the expected answer strings that appear in the generated output, case-insensitive, ×100. A trial is right when it scores 100."]
    },
    "effective-context": {
        term: "effective context",
        short: "Longest context length such that it and every shorter one score above the threshold (RULER's rule).",
        long: ["RULER's rule: the longest tested length such that it and every shorter tested length score above a threshold (the rule is shown beside the figure, e.g. stringMatch > 85.6). \"< n\" means even the shortest length n that ran does not."]
    },
    flips: {
        term: "flips",
        short: "Trials right at the reference and wrong here (right→wrong), and the reverse; a paired test over (length, trial) groups compares the two.",
        long: ["On the same trials, right→wrong counts those the reference gets right and this file gets wrong, wrong→right the reverse. A paired sign-flip test over (length, trial) groups (the depths of a group share its haystack, so they are not independent) asks whether the two directions differ more than chance allows (p < 0.05: a clear change)."]
    },
    spearman: {
        term: "Spearman ×100",
        short: "Rank correlation between the model's similarities and human similarity scores, ×100 (STS).",
        long: ["Spearman's rank correlation between the model's cosine similarity of two sentences and the annotators' gold score, over the dataset's pairs, ×100 (as MTEB reports it). 100 would rank every pair as the annotators did."]
    },
    drift: {
        term: "drift",
        short: "1 − cosine between a sentence's embedding from this file and from the reference (0 = identical).",
        long: ["For each sentence, the cosine between its vector from this file and from the reference file; the site shows 1 − cosine (mean, 95th percentile, largest), which stays readable next to 1: 1e−5 is nearly identical, 0.01 is a visible change."]
    },
    kld: {
        term: "KLD",
        short: "Kullback-Leibler divergence of this file's next-token distribution from the reference's, in nats (0 = identical).",
        long: ["At each scored position of a text, the KL divergence of this file's next-token distribution from the reference file's, in nats; the mean over positions (± its standard error) and its percentiles, as llama.cpp's perplexity tool reports them. KLD is a within-ladder measure: two ladders' KLDs are against different references and are never put on one front.", "\"Top-K\" results sum over the reference's K most likely tokens plus one bin for the rest (a close lower bound); exact results sum over the whole vocabulary."]
    },
    "same-top-p": {
        term: "same top p",
        short: "Share of positions where this file's most likely next token is the reference's (llama.cpp's \"Same top p\").",
        long: ["The share of scored positions at which this file and the reference agree on the most likely next token (top-1 agreement), as llama.cpp's KL-divergence scoreboard reports it."]
    },
    "ppl-ratio": {
        term: "PPL ratio",
        short: "This file's perplexity on the text divided by the reference's (1 = same).",
        long: ["Perplexity of this file on the scored tokens divided by the reference's perplexity on the same tokens. Above 1 the file predicts the text worse."]
    }
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryId = keyof typeof GLOSSARY;
