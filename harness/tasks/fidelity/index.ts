import type {Task} from "../types.js";
import {aggregateFidelity} from "./aggregate.js";
import {compareFidelity} from "./compare.js";
import {FidelityConfig, fidelityConfigSchema} from "./config.js";
import {EQUIVALENCE_MARGIN} from "./contract.js";
import {loadCorpusText} from "./corpus.js";
import {FidelityTrialSpec, planFidelity} from "./plan.js";
import {createFidelityRunner} from "./runner.js";

/** Quantization fidelity: each file of a ladder against its reference file, as llama-perplexity --kl-divergence measures it. See README.md. */
const fidelity: Task<FidelityConfig, FidelityTrialSpec> = {
    type: "fidelity",
    description: "Quantization fidelity: KL divergence, top-1 agreement, RMS Δp and perplexity of each file of a ladder against its reference file (llama.cpp's llama-perplexity --kl-divergence)",
    configSchema: fidelityConfigSchema,
    requires: ["distributions"],
    mainScore: (config) => ({
        name: "meanKld",
        higherIsBetter: false,
        description: `Mean KL divergence (nats) of the next-token distribution from the ladder's reference file, over ${config.scoredPositions === "all" ? "every position of each chunk" : "the second half of each chunk"} ` +
            (config.topK === "vocabulary"
                ? "(exact: over the full vocabulary)"
                : `(over the reference's top ${config.topK} tokens plus one bin for the rest: a lower bound of the full KL, exact only when ${config.topK} reaches the vocabulary size)`)
    }),
    plan: planFidelity,
    async validate(config, context) {
        loadCorpusText(config.corpus, context.assetRoots);
    },
    contextSize: (_config, trials) => (trials.length ? Math.max(...trials.map((trial) => trial.spec.chunkSize)) : 512),
    createRunner: createFidelityRunner,
    // A chunk of every file of a ladder lands in one shard: the compared files need the reference's
    // cached distributions of that chunk, which the reference writes in the same run.
    shardKey: (trial) => `${trial.spec.referenceSha256}|${trial.id}`,
    aggregate: aggregateFidelity,
    equivalenceMargin: () => EQUIVALENCE_MARGIN,
    // The KLD change on the chunks both files completed (the reference's own is 0), with its interval over chunks.
    compare: compareFidelity
};

export default fidelity;
