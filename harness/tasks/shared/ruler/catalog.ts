/**
 * RULER's synthetic tasks as this folder builds them (all but qa_1 and qa_2): task id, generator
 * family, generation budget, what the size parameter counts, and RULER's search step for it.
 */
import {CWE_INCREMENT} from "./cwe.js";
import {fweIncrement} from "./fwe.js";
import {NIAH_PRESETS, niahIncrement, type NiahPresetName} from "./niah.js";
import {RULER_METRIC} from "./scoring.js";
import {GENERATION_BUDGETS} from "./templates.js";
import {vtIncrement} from "./vt.js";

export interface RulerTaskInfo {
    family: "niah" | "vt" | "cwe" | "fwe";
    /** RULER's tokens_to_generate: greedy budget, counted inside the length. */
    maxNewTokens: number;
    metric: typeof RULER_METRIC;
    /** What the generator's `size` counts. */
    sizeUnit: "noise lines" | "needle lines" | "essay words" | "distinct words" | "nominal words";
    /** RULER's search start and step for the size at a length (its `incremental`). */
    increment(maxSeqLength: number): number;
}

const niah = (name: NiahPresetName): RulerTaskInfo => {
    const preset = NIAH_PRESETS[name];
    return {
        family: "niah",
        maxNewTokens: GENERATION_BUDGETS.niah,
        metric: RULER_METRIC,
        sizeUnit: preset.haystack === "essay" ? "essay words" : preset.haystack === "noise" ? "noise lines" : "needle lines",
        increment: (maxSeqLength) => niahIncrement(preset, maxSeqLength)
    };
};

export const RULER_TASKS = {
    niah_single_1: niah("niah_single_1"),
    niah_single_2: niah("niah_single_2"),
    niah_single_3: niah("niah_single_3"),
    niah_multikey_1: niah("niah_multikey_1"),
    niah_multikey_2: niah("niah_multikey_2"),
    niah_multikey_3: niah("niah_multikey_3"),
    niah_multivalue: niah("niah_multivalue"),
    niah_multiquery: niah("niah_multiquery"),
    vt: {family: "vt", maxNewTokens: GENERATION_BUDGETS.vt, metric: RULER_METRIC, sizeUnit: "noise lines", increment: vtIncrement},
    cwe: {family: "cwe", maxNewTokens: GENERATION_BUDGETS.cwe, metric: RULER_METRIC, sizeUnit: "distinct words", increment: () => CWE_INCREMENT},
    fwe: {family: "fwe", maxNewTokens: GENERATION_BUDGETS.fwe, metric: RULER_METRIC, sizeUnit: "nominal words", increment: (maxSeqLength) => fweIncrement(maxSeqLength)}
} as const satisfies Record<string, RulerTaskInfo>;

export type RulerTaskId = keyof typeof RULER_TASKS;
export const RULER_TASK_IDS = Object.keys(RULER_TASKS) as RulerTaskId[];
