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
        // stories260K's F32 file is public (llama.cpp's test model); the rest of its ladder lives in asset roots.
        {asset: "stories260K", download: "hf:ggml-org/models/tinyllamas/stories260K.gguf"},
        // Converted for slmbench; no public GGUF: found only in asset roots.
        {asset: "tinystories-656k"}
    ],
    tasks: [
        {
            type: "niah",
            id: "niah-kv-noise",
            lengths: [256, 512, 1024],
            depths: {count: 5, spacing: "linear"},
            trialsPerCell: 2,
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
            trialsPerCell: 1,
            haystack: {type: "noise"},
            needle: {type: "classic"},
            maxNewTokens: 24,
            mainScore: "lift"
        }
    ]
});
