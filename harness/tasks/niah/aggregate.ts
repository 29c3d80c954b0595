import type {TrialRecord} from "../../results/schema.js";
import {bootstrapMeanCi, meanOrNull} from "../../util/stats.js";
import type {NiahConfig} from "./config.js";
import type {NiahScoreName, NiahScores} from "./contract.js";

/**
 * RULER calls the longest length scoring above 85.6 (Llama-2-7B-chat at 4K) a model's effective
 * context. For lift (tiny and base models) the default threshold is 1 nat: the needle makes the
 * answer e times more likely. For the judge's 1-10 scale, RULER's 85.6% of the way up: 8.704.
 */
const DEFAULT_THRESHOLDS: Record<NiahScoreName, number> = {stringMatch: 85.6, lift: 1, judge: 8.704};

export function effectiveContextSettings(config: NiahConfig): {score: NiahScoreName; threshold: number} {
    const score = config.effectiveContext?.score ?? config.mainScore;
    return {score, threshold: config.effectiveContext?.threshold ?? DEFAULT_THRESHOLDS[score]};
}

function summarize(records: TrialRecord[]) {
    const ok = records.filter((r) => r.status === "ok");
    const judged = ok.some((r) => r.scores.judge !== undefined);
    return {
        trials: ok.length,
        skipped: records.filter((r) => r.status === "skipped").length,
        errors: records.filter((r) => r.status === "error").length,
        stringMatch: meanOrNull(ok.map((r) => r.scores.stringMatch)),
        lift: meanOrNull(ok.map((r) => r.scores.lift)),
        answerLogprob: meanOrNull(ok.map((r) => r.scores.answerLogprob)),
        // Only tasks with a judge carry the key, so documents without one keep their shape.
        ...(judged ? {judge: meanOrNull(ok.map((r) => r.scores.judge))} : {})
    };
}

function groupBy<K>(records: TrialRecord[], key: (r: TrialRecord) => K): Map<K, TrialRecord[]> {
    const groups = new Map<K, TrialRecord[]>();
    for (const record of records) groups.set(key(record), [...(groups.get(key(record)) ?? []), record]);
    return groups;
}

/** Per cell, per length, per depth and overall means; `main` is the configured score. */
export function aggregateNiah(config: NiahConfig, records: TrialRecord[]): NiahScores {
    const overall = summarize(records);
    const length = (r: TrialRecord) => Number(r.cell.length);
    const depth = (r: TrialRecord) => Number(r.cell.depth);
    const cells = [...groupBy(records, (r) => `${length(r)}|${depth(r)}`).values()].map((group) => ({
        length: length(group[0]!),
        depth: depth(group[0]!),
        ...summarize(group),
        skipReason: group.find((r) => r.status === "skipped")?.skipReason
    })).sort((a, b) => a.length - b.length || a.depth - b.depth);
    const byLength = [...groupBy(records, length)].map(([len, group]) => ({length: len, ...summarize(group)})).sort((a, b) => a.length - b.length);
    const byDepth = [...groupBy(records, depth)].map(([d, group]) => ({depth: d, ...summarize(group)})).sort((a, b) => a.depth - b.depth);
    const mainValues = records.filter((r) => r.status === "ok").map((r) => r.scores[config.mainScore])
        .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const effective = effectiveContextSettings(config);
    let effectiveLength: number | null = null;
    for (const entry of byLength) {
        const value = entry[effective.score] ?? null;
        if (entry.trials === 0) break; // skipped lengths (beyond the model's context) end the run of passing lengths
        if (value == null || value <= effective.threshold) break;
        effectiveLength = entry.length;
    }
    return {
        main: overall[config.mainScore] ?? null,
        mainScore: config.mainScore,
        mainCi: bootstrapMeanCi(mainValues),
        ...overall,
        cells,
        byLength,
        byDepth,
        effectiveContext: {length: effectiveLength, ...effective}
    };
}
