import type {ModelInfo} from "../../results/schema.js";
import {deriveSeed} from "../../util/random.js";
import type {PlannedTrial} from "../types.js";
import type {NiahConfig} from "./config.js";

function linspace(min: number, max: number, count: number): number[] {
    if (count === 1) return [min];
    return Array.from({length: count}, (_, i) => min + ((max - min) * i) / (count - 1));
}

/** The original test's sigmoid spacing: logistic(L=100, x0=50, k=0.1) of linear points, ends kept, 3 decimals. */
function logistic(x: number): number {
    if (x === 0 || x === 100) return x;
    return Math.round((100 / (1 + Math.exp(-0.1 * (x - 50)))) * 1000) / 1000;
}

export function contextLengths(config: NiahConfig): number[] {
    const lengths = Array.isArray(config.lengths)
        ? config.lengths
        : linspace(config.lengths.min, config.lengths.max, config.lengths.count).map(Math.round);
    return [...new Set(lengths)].sort((a, b) => a - b);
}

export function depthPercents(config: NiahConfig): number[] {
    const {depths} = config;
    const values = Array.isArray(depths)
        ? depths
        : linspace(depths.min, depths.max, depths.count).map((x) => (depths.spacing === "sigmoid" ? logistic(x) : Math.round(x * 1000) / 1000));
    return [...new Set(values)].sort((a, b) => a - b);
}

export interface NiahTrialSpec {
    length: number;
    depth: number;
    trial: number;
    /** Seed of the (length, trial) group: needle values, distractor positions and haystack offset. */
    groupSeed: number;
}

/**
 * The grid: lengths x depths x trials. Cells longer than the model's training context are
 * planned as skipped (with the reason), never run. Trials of one (length, trial) group share a
 * haystack and needle values, so only the depth differs between them.
 */
export function planNiah(config: NiahConfig, model: ModelInfo): PlannedTrial<NiahTrialSpec>[] {
    const trials: PlannedTrial<NiahTrialSpec>[] = [];
    for (const length of contextLengths(config)) {
        for (let trial = 0; trial < config.trialsPerCell; trial++) {
            const groupSeed = deriveSeed(config.seed, "niah", length, trial);
            for (const depth of depthPercents(config)) {
                const tooLong = model.contextLength != null && length > model.contextLength;
                trials.push({
                    id: `L${length}-D${depth}-T${trial}`,
                    cell: {length, depth, trial},
                    seed: groupSeed,
                    spec: {length, depth, trial, groupSeed},
                    skipReason: tooLong ? `length ${length} exceeds the model's training context (${model.contextLength} tokens)` : undefined
                });
            }
        }
    }
    return trials;
}
