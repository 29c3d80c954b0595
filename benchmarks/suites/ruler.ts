import {defineSuite} from "../../harness/config/suite.js";

/**
 * NVIDIA RULER's synthetic tasks (all but the two QA tasks, whose datasets are not at hand) at
 * RULER's lengths, 4K to 128K tokens of each model's own tokenizer; lengths beyond a model's
 * training context are recorded as skipped. Task ids are RULER's names. The headline (average over
 * the tasks per length, effective length = longest length averaging above 85.6) comes from the
 * documents through rulerSummary in harness/tasks/ruler/contract.ts (docs/tasks/ruler.md).
 *
 * RULER scores 500 samples per task and length; 100 here keeps a 1B model's run on a CPU within
 * reach (each document carries its bootstrap intervals). Run other models with --models.
 */
const LENGTHS = [4096, 8192, 16384, 32768, 65536, 131072];
const SAMPLES = 100;
const TASKS = [
    "niah_single_1", "niah_single_2", "niah_single_3",
    "niah_multikey_1", "niah_multikey_2", "niah_multikey_3",
    "niah_multivalue", "niah_multiquery",
    "vt", "cwe", "fwe"
];

export default defineSuite({
    name: "ruler",
    description: "RULER's 11 synthetic long-context tasks at 4K-128K tokens",
    models: [
        // A 128K-context ladder: its reference (Q8_0) and a 4-bit file, compared sample by sample.
        "hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0",
        "hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"
    ],
    tasks: TASKS.map((task) => ({type: "ruler", id: task, task, lengths: LENGTHS, samples: SAMPLES}))
});
