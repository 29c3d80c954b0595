import type {Task} from "../types.js";
import {aggregateRuler} from "./aggregate.js";
import {compareRuler} from "./compare.js";
import {RulerConfig, rulerConfigSchema} from "./config.js";
import {EQUIVALENCE_MARGIN, RULER_TRIAL_SCORES} from "./contract.js";
import {loadEssayWords} from "./essay.js";
import {planRuler, RulerTrialSpec} from "./plan.js";
import {createRulerRunner} from "./runner.js";

const ruler: Task<RulerConfig, RulerTrialSpec> = {
    type: "ruler",
    description: "NVIDIA RULER's synthetic long-context tasks (eight NIAH variants, variable tracking, common and frequent words extraction) at lengths in the model's own tokens",
    configSchema: rulerConfigSchema,
    // tokenize and logprobs are used when the session has them (runner.ts); hosted models size lengths approximately.
    requires: ["generate"],
    mainScore: (config) => ({
        name: config.mainScore,
        higherIsBetter: true,
        description: `${config.task}: ${RULER_TRIAL_SCORES[config.mainScore]} (mean over samples)`
    }),
    plan: planRuler,
    async validate(config, context) {
        if (config.essay) loadEssayWords(config.essay.files, context.assetRoots);
    },
    contextSize: (_config, trials) => Math.max(...trials.map((trial) => trial.spec.length)),
    createRunner: createRulerRunner,
    equivalenceMargin: (config) => EQUIVALENCE_MARGIN[config.mainScore],
    aggregate: aggregateRuler,
    // Paired per sample against the ladder's reference: string match and lift changes, flips.
    compare: compareRuler
};

export default ruler;
