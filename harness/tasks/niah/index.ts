import type {Task} from "../types.js";
import {aggregateNiah, niahWarnings} from "./aggregate.js";
import {NiahConfig, niahConfigSchema} from "./config.js";
import {NiahTrialSpec, planNiah} from "./grid.js";
import {loadHaystackSentences} from "./haystack.js";
import {haystackWarnings} from "./haystack-checks.js";
import {createNiahRunner} from "./runner.js";
import {compareNiah} from "./compare.js";
import {EQUIVALENCE_MARGIN, NIAH_TRIAL_SCORES} from "./contract.js";

const niah: Task<NiahConfig, NiahTrialSpec> = {
    type: "niah",
    description: "Needle in a haystack: retrieve a fact hidden at a depth of a long context (gkamradt NIAH / NVIDIA RULER)",
    configSchema: niahConfigSchema,
    // tokenize and logprobs are used when the session has them (see runner.ts); hosted models size lengths approximately.
    requires: ["generate"],
    mainScore: (config) => ({
        name: config.mainScore,
        higherIsBetter: true,
        description: NIAH_TRIAL_SCORES[config.mainScore] + " (mean over trials; interval over (length, trial) groups)"
    }),
    plan: planNiah,
    async validate(config, context) {
        const sentences = loadHaystackSentences(config.haystack, context.assetRoots);
        const name = config.haystack.type === "noise" ? "noise" : config.haystack.files.join(", ");
        return {warnings: haystackWarnings(config, sentences, name)};
    },
    contextSize: (_config, trials) => Math.max(...trials.map((trial) => trial.spec.length)),
    createRunner: createNiahRunner,
    aggregate: aggregateNiah,
    warnings: niahWarnings,
    equivalenceMargin: (config) => EQUIVALENCE_MARGIN[config.mainScore],
    // Change of the main score and of lift, and flips with a cluster-level test, against the ladder's reference file.
    compare: compareNiah
};

export default niah;
