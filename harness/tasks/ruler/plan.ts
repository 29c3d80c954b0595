import type {ModelInfo} from "../../results/schema.js";
import {deriveSeed} from "../../util/random.js";
import type {PlannedTrial} from "../types.js";
import type {RulerConfig} from "./config.js";

export interface RulerTrialSpec {
    length: number;
    sample: number;
}

export function rulerLengths(config: RulerConfig): number[] {
    return [...new Set(config.lengths)].sort((a, b) => a - b);
}

/**
 * Lengths x samples. Each sample has its own seed (task, length, sample), so samples are
 * independent draws, as RULER's are; lengths beyond the model's training context are planned as
 * skipped with the reason.
 */
export function planRuler(config: RulerConfig, model: ModelInfo): PlannedTrial<RulerTrialSpec>[] {
    const trials: PlannedTrial<RulerTrialSpec>[] = [];
    for (const length of rulerLengths(config)) {
        const tooLong = model.contextLength != null && length > model.contextLength;
        for (let sample = 0; sample < config.samples; sample++) {
            trials.push({
                id: `L${length}-S${sample}`,
                cell: {length, sample},
                seed: deriveSeed(config.seed, "ruler", config.task, length, sample),
                spec: {length, sample},
                skipReason: tooLong ? `length ${length} exceeds the model's training context (${model.contextLength} tokens)` : undefined
            });
        }
    }
    return trials;
}
