import {defineSuite} from "../../harness/config/suite.js";

/**
 * RULER's synthetic tasks on the tiny ladders, sized to their training contexts (stories260K:
 * 2,048 tokens, TinyStories-656K: 512), with RULER's own short-context settings (below 4,096
 * tokens RULER already switches cwe to its short regime and steps haystacks by 5). Where a task
 * cannot run it is skipped with the reason, never scaled down: on TinyStories-656K vt's "=" and
 * "(" are outside the tokenizer's vocabulary (llama.cpp would abort), and cwe's prompt with 10
 * words is longer than 512 tokens with its answer budget; on stories260K vt and cwe need 2,048.
 * Tiny models rarely generate the answer, so the main score is the teacher-forced lift (string
 * match, RULER's score, is recorded too and is what the RULER headline averages).
 */
const LENGTHS = [512, 1024, 2048];
const SAMPLES = 5;
const TASKS = [
    "niah_single_1", "niah_single_2", "niah_single_3",
    "niah_multikey_1", "niah_multikey_2", "niah_multikey_3",
    "niah_multivalue", "niah_multiquery",
    "vt", "cwe", "fwe"
];

export default defineSuite({
    name: "ruler-tiny",
    description: "RULER's 11 synthetic tasks on the stories260K and TinyStories-656K ladders (512-2,048 tokens)",
    models: [
        {asset: "stories260K", download: "hf:ggml-org/models/tinyllamas/stories260K.gguf"},
        {asset: "tinystories-656k"}
    ],
    tasks: TASKS.map((task) => ({type: "ruler", id: task, task, lengths: LENGTHS, samples: SAMPLES, mainScore: "lift"}))
});
