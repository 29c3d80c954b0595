import {ensureDatasetFiles} from "../../assets/datasets.js";
import type {ModelInfo} from "../../results/schema.js";
import type {PlannedTrial, Task} from "../types.js";
import {aggregateSts, stsWarnings} from "./aggregate.js";
import {EQUIVALENCE_MARGIN} from "./contract.js";
import {compareWithInputs, loadComparisonVectors} from "./compare.js";
import {StsConfig, stsConfigSchema} from "./config.js";
import {builtinDatasetFiles, loadDataset} from "./datasets.js";
import {createStsRunner, StsTrialSpec} from "./runner.js";

/** Pairs a dataset needs: a rank correlation is undefined below three. */
export const MIN_PAIRS = 3;

/** A short, stable name of the configured dataset, used as the trial id and cell. */
export function datasetKey(config: StsConfig): string {
    const {dataset} = config;
    switch (dataset.type) {
        case "stsb":
            return `stsb-${dataset.split}`;
        case "sick":
            return `sick-${dataset.pairs}`;
        case "file":
            return "file";
    }
}

/**
 * Semantic textual similarity, scored as MTEB scores it: Spearman x100 between the cosine of
 * the two sentences' embeddings and the gold score. Trial granularity: one trial per task
 * instance (= one dataset). Spearman and its bootstrap CI are statistics of the whole dataset,
 * plan() cannot size chunks of a user file it may not read, and resuming finer than a trial
 * comes from the embedding cache, flushed every EMBED_BATCH sentences: a killed run re-runs the
 * trial but embeds only what was not cached yet.
 */
const sts: Task<StsConfig, StsTrialSpec> = {
    type: "sts",
    description: "Semantic textual similarity (STS-B, SICK-R or a pairs file): Spearman of embedding cosine vs gold, as MTEB",
    configSchema: stsConfigSchema,
    // Embedding models, or models that score sentence pairs directly (the lexical baseline).
    requires: [["embed", "similarity"]],
    mainScore: () => ({
        name: "spearman",
        higherIsBetter: true,
        description: "Spearman rank correlation x100 between cosine similarity of the sentence embeddings and the gold scores (MTEB's cosine_spearman)"
    }),
    plan(config: StsConfig, model: ModelInfo): PlannedTrial<StsTrialSpec>[] {
        const key = datasetKey(config);
        return [{id: key, cell: {dataset: key}, seed: config.seed, spec: {modelSha256: model.sha256}}];
    },
    async validate(config, context) {
        // Runs in the parent before any model: fetch built-in files no asset root has (sha256-checked, into the cache root).
        await ensureDatasetFiles(context.assetRoots, builtinDatasetFiles(config.dataset));
        const dataset = loadDataset(config.dataset, context.assetRoots);
        if (dataset.pairs.length < MIN_PAIRS)
            throw new Error(`${dataset.files.map((file) => file.path).join(", ")}: ${dataset.pairs.length} pair${dataset.pairs.length === 1 ? "" : "s"}; ` +
                `Spearman and Pearson need at least ${MIN_PAIRS}`);
    },
    // Embedding contexts hold one sentence at a time; 512 tokens is what sentence-transformers models truncate to.
    contextSize: () => 512,
    createRunner: createStsRunner,
    aggregate: aggregateSts,
    warnings: stsWarnings,
    equivalenceMargin: () => EQUIVALENCE_MARGIN,
    // Change in Spearman and embedding drift against the ladder's reference file.
    compare: compareWithInputs,
    compareInputs: loadComparisonVectors
};

export default sts;
