import {SkipTrial} from "../skip.js";
import {RULER_TASKS, type RulerTaskId} from "../shared/ruler/catalog.js";
import {CWE_COMMON_WORDS, CWE_INCREMENT, cweRegime, generateCwe} from "../shared/ruler/cwe.js";
import {fweIncrement, fweMinimumSize, fweVocabSize, generateFwe} from "../shared/ruler/fwe.js";
import {generateNiah, NIAH_PRESETS, niahIncrement, type NiahPresetName} from "../shared/ruler/niah.js";
import type {RulerSample} from "../shared/ruler/sample.js";
import {generateVt, VT_DEFAULTS, vtIncrement} from "../shared/ruler/vt.js";

/** A sample with what its trial records about how it was built. */
export interface BuiltSample extends RulerSample {
    details: Record<string, unknown>;
}

/** How one task's samples are built at one length: the size range to search and the generator. */
export interface SampleBuilder {
    /** What `size` counts (noise lines, essay words ...). */
    unit: string;
    /** The smallest size the generator accepts. */
    min: number;
    /** The second size the search tries: min + RULER's increment at this length. */
    probe: number;
    /** What the lift's "without" prompt changes (RulerSample.withoutPrompt). */
    liftBaseline: string;
    build(seed: number, size: number): BuiltSample;
}

export interface BuilderInputs {
    task: RulerTaskId;
    length: number;
    /** The run's seed: RULER's run-wide layout shuffles (needle order, word lists, the vt example's layout). */
    layoutSeed: number;
    /** The essay haystack's words (essay presets). */
    essay?: readonly string[];
    /** The vt example's noise lines, fitted once per model. */
    vtExampleLines?: number;
}

/** RULER's settings for a task at a length: cwe's regime and fwe's vocabulary depend on it, as in RULER. */
export function sampleBuilder({task, length, layoutSeed, essay, vtExampleLines}: BuilderInputs): SampleBuilder {
    const info = RULER_TASKS[task];
    if (info.family === "niah") {
        const preset = NIAH_PRESETS[task as NiahPresetName];
        const min = Math.max(preset.numKeys, preset.numQueries) * preset.numValues;
        return {
            unit: info.sizeUnit, min, probe: min + niahIncrement(preset, length),
            liftBaseline: "the queried keys' needles left out",
            build(seed, size) {
                const sample = generateNiah(task as NiahPresetName, {seed, size, essay, layoutSeed});
                return {...sample, details: {needles: sample.needles}};
            }
        };
    }
    if (info.family === "vt") {
        if (vtExampleLines == null) throw new Error("vt needs its example's size (vtExampleLines)");
        const min = VT_DEFAULTS.chains * (VT_DEFAULTS.hops + 1);
        return {
            unit: info.sizeUnit, min, probe: min + vtIncrement(length),
            liftBaseline: "the chain holds another value than the one asked for",
            build(seed, size) {
                const sample = generateVt({seed, size, example: {lines: vtExampleLines, seed: layoutSeed}});
                return {...sample, details: {value: sample.value, exampleLines: vtExampleLines}};
            }
        };
    }
    if (info.family === "cwe") {
        const regime = cweRegime(length);
        return {
            unit: info.sizeUnit, min: CWE_COMMON_WORDS, probe: CWE_COMMON_WORDS + CWE_INCREMENT,
            liftBaseline: "the 10 common words trade places with 10 uncommon ones (same words, other frequencies)",
            build(seed, size) {
                const sample = generateCwe({seed, size, regime, layoutSeed});
                return {...sample, details: {regime, listItems: sample.listItems}};
            }
        };
    }
    const vocabSize = fweVocabSize(length);
    if (vocabSize < 4) throw new SkipTrial(`length ${length} is too short for fwe: RULER's vocabulary of (length - 50) // 50 = ${vocabSize} coded words cannot hold the three answer words and the noise word`);
    const min = fweMinimumSize();
    return {
        unit: info.sizeUnit, min, probe: min + Math.max(1, fweIncrement(length)),
        liftBaseline: "the three answer words trade places with the three least frequent words",
        build(seed, size) {
            const sample = generateFwe({seed, size, vocabSize, layoutSeed});
            return {...sample, details: {vocabSize, textWords: sample.textWords}};
        }
    };
}
