import {z} from "zod";
import type {TrialRecord} from "../../results/schema.js";
import type {StsConfig} from "./config.js";
import {pairRecordsOf, type StsPairRecords, type StsScores} from "./contract.js";
import {bootstrapCi, pearson, ResampledSpearman, spearman} from "../../util/correlation.js";

const trialInputSchema = z.object({
    dataset: z.object({
        name: z.string(),
        description: z.string(),
        pairs: z.number(),
        scoreRange: z.tuple([z.number(), z.number()]),
        groupKeys: z.array(z.string()),
        files: z.array(z.object({path: z.string(), sha256: z.string(), rows: z.number()}))
    }),
    prefix: z.string(),
    prefixApplied: z.boolean(),
    similarity: z.string()
});

const times100 = (value: number | null) => (value == null ? null : value * 100);

export function bootstrapSettings(config: StsConfig) {
    return {samples: config.bootstrapSamples, seed: config.seed, level: config.confidenceLevel};
}

/** Spearman x100 with its percentile-bootstrap CI over pairs. */
export function spearmanWithCi(gold: number[], similarity: number[], config: StsConfig): {spearman: number | null; ci: [number, number] | null} {
    const rho = times100(spearman(gold, similarity));
    if (rho == null) return {spearman: null, ci: null};
    const resampled = new ResampledSpearman(gold, similarity);
    const ci = bootstrapCi(gold.length, bootstrapSettings(config), (weights) => times100(resampled.of(weights)));
    return {spearman: rho, ci};
}

function breakdown(records: StsPairRecords): StsScores["breakdown"] {
    const out: StsScores["breakdown"] = {};
    for (const [key, values] of Object.entries(records.groups)) {
        const byValue = new Map<string, number[]>();
        values.forEach((value, i) => {
            const indexes = byValue.get(value);
            if (indexes) indexes.push(i);
            else byValue.set(value, [i]);
        });
        out[key] = [...byValue].sort(([a], [b]) => a.localeCompare(b)).map(([value, indexes]) => {
            const gold = indexes.map((i) => records.gold[i]!);
            const similarity = indexes.map((i) => records.similarity[i]!);
            return {value, pairs: indexes.length, spearman: times100(spearman(gold, similarity)), pearson: times100(pearson(gold, similarity))};
        });
    }
    return out;
}

/**
 * The document's scores: main = Spearman x100 of similarity vs gold over every pair, with a
 * seeded percentile-bootstrap CI; Pearson; per-group breakdowns; embedding throughput. main is
 * null unless every planned trial ran (a partial dataset is not the benchmark's score).
 */
export function aggregateSts(config: StsConfig, trials: TrialRecord[]): StsScores {
    const ok = trials.filter((trial) => trial.status === "ok");
    const errors = trials.filter((trial) => trial.status === "error").length;
    const skipped = trials.filter((trial) => trial.status === "skipped").length;
    const records = pairRecordsOf(trials);
    const input = ok.length > 0 ? trialInputSchema.safeParse(ok[0]!.input) : undefined;
    const sum = (name: string) => ok.reduce((total, trial) => total + (trial.scores[name] ?? 0), 0);
    const embedMs = ok.reduce((total, trial) => total + (trial.timings.embedMs ?? 0), 0);
    const embedded = sum("embeddedSentences");
    const complete = records != null && errors === 0 && skipped === 0;
    const main = complete ? spearmanWithCi(records.gold, records.similarity, config) : {spearman: null, ci: null};
    const dimensions = ok.map((trial) => trial.scores.dimensions).find((d): d is number => typeof d === "number") ?? null;
    const zeroed = ok.filter((trial) => typeof trial.scores.zeroVectors === "number");
    const truncated = ok.some((trial) => typeof trial.scores.truncatedInputs === "number") ? sum("truncatedInputs") : undefined;
    return {
        main: main.spearman,
        mainScore: "spearman",
        mainCi: main.ci,
        bootstrap: {method: "percentile bootstrap over pairs", ...bootstrapSettings(config)},
        spearman: records ? times100(spearman(records.gold, records.similarity)) : null,
        pearson: records ? times100(pearson(records.gold, records.similarity)) : null,
        pairs: records?.pairIds.length ?? 0,
        trials: ok.length,
        errors,
        skipped,
        dataset: input?.success ? input.data.dataset : null,
        similarity: input?.success ? input.data.similarity : null,
        prefix: config.prefix,
        prefixApplied: input?.success ? input.data.prefixApplied : true,
        breakdown: records ? breakdown(records) : {},
        ...(zeroed.length > 0 ? {zeroVectors: zeroed.reduce((total, trial) => total + trial.scores.zeroVectors!, 0)} : {}),
        embedding: {
            distinctSentences: sum("distinctSentences"),
            embeddedSentences: embedded,
            cachedSentences: sum("cachedSentences"),
            embedMs,
            sentencesPerSecond: embedded > 0 && embedMs > 0 ? embedded / (embedMs / 1000) : null,
            dimensions
        },
        ...(truncated != null ? {truncatedInputs: truncated} : {})
    };
}

/** The document warnings STS trials imply: all-zero embeddings (cosine 0 with anything), sentences cut to fit, a discarded embedding cache. */
export function stsWarnings(_config: StsConfig, trials: TrialRecord[]): string[] {
    const warnings: string[] = [];
    const ok = trials.filter((trial) => trial.status === "ok");
    const zero = ok.reduce((total, trial) => total + (trial.scores.zeroVectors ?? 0), 0);
    if (zero > 0)
        warnings.push(`${zero} sentence${zero === 1 ? "" : "s"} embedded as all-zero vectors (no direction: every pair with one scores cosine 0); see scores.zeroVectors`);
    const truncated = ok.reduce((total, trial) => total + (trial.scores.truncatedInputs ?? 0), 0);
    if (truncated > 0)
        warnings.push(`${truncated} sentence${truncated === 1 ? " was" : "s were"} longer than the model's embedding context and cut to fit before embedding (scores.truncatedInputs)`);
    if (ok.some((trial) => trial.input?.embeddingCanary === "changed"))
        warnings.push("the canary sentence's embedding changed since the cached vectors were made (another model behind the same name?): the embedding cache was discarded and every sentence embedded again");
    return warnings;
}
