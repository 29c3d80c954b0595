import {defineSuite} from "../../harness/config/suite.js";

/**
 * The default suite: every file of both tiny llama ladders on a NIAH grid within their
 * training contexts (TinyStories-656K: 512 tokens, stories260K: 2048), on RULER's noise
 * haystack, which both tokenizers accept. Tiny models rarely generate the answer, so the main
 * score is the teacher-forced lift of the answer's log-probability (string match is recorded too).
 */
export default defineSuite({
    name: "default",
    description: "NIAH on the tiny stories260K and TinyStories-656K quantization ladders",
    models: [
        // stories260K's F32 file is public (llama.cpp's test model). Its ladder is taken from beside the
        // F32 file in an asset root; levels no root holds are quantized from it into the cache, so a
        // machine with only the public file still compares the whole ladder.
        {
            quantize: {
                from: {asset: "stories260K/stories260K-F32.gguf", download: "hf:ggml-org/models/tinyllamas/stories260K.gguf"},
                types: ["F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K"]
            }
        },
        // Converted for slmbench; no public GGUF: found only in asset roots.
        {asset: "tinystories-656k"}
    ],
    tasks: [
        {
            type: "niah",
            id: "niah-kv-noise",
            lengths: [256, 512, 1024],
            depths: {count: 5, spacing: "linear"},
            // Three (length, trial) groups per length: the independent units a verdict against the
            // reference rests on (at least 5 are needed; the depths of one group share its haystack).
            trialsPerCell: 3,
            haystack: {type: "noise"},
            needle: {type: "kv", keys: "words", values: "numbers"},
            maxNewTokens: 16,
            mainScore: "lift"
        },
        {
            type: "niah",
            id: "niah-classic-noise",
            lengths: [256, 512],
            depths: {count: 3},
            trialsPerCell: 3,
            haystack: {type: "noise"},
            needle: {type: "classic"},
            maxNewTokens: 24,
            mainScore: "lift"
        }
    ]
});
