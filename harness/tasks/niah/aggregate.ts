import type {TrialRecord} from "../../results/schema.js";
import {clusterBootstrapMeanCi, meanOrNull} from "../../util/stats.js";
import type {NiahConfig} from "./config.js";
import {isTooShortReason, samePromptDepth, type NiahScoreName, type NiahScores} from "./contract.js";
import {trialCounts} from "../shared/trial-counts.js";

/**
 * RULER calls the longest length scoring above 85.6 (Llama-2-7B-chat at 4K) a model's effective
 * context. For lift (tiny and base models) the default threshold is 1 nat: the needle makes the
 * answer e times more likely; per answer token, a tenth of a nat. For the judge's 1-10 scale,
 * RULER's 85.6% of the way up: 8.704.
 */
const DEFAULT_THRESHOLDS: Record<NiahScoreName, number> = {stringMatch: 85.6, lift: 1, liftPerToken: 0.1, judge: 8.704};

export function effectiveContextSettings(config: NiahConfig): {score: NiahScoreName; threshold: number} {
    const score = config.effectiveContext?.score ?? config.mainScore;
    return {score, threshold: config.effectiveContext?.threshold ?? DEFAULT_THRESHOLDS[score]};
}

/** The (length, trial) group of a trial: its depths share haystack, needles and baseline, so the group is the independent unit. */
export function clusterOf(record: Pick<TrialRecord, "cell">): string {
    return `${record.cell.length}|${record.cell.trial ?? 0}`;
}

/** Whether a trial ran the judge but its reply held no rating (scores.judge recorded as null). */
const judgeUnparsed = (r: TrialRecord) => r.status === "ok" && "judge" in r.scores && r.scores.judge == null;

function summarize(records: TrialRecord[]) {
    const ok = records.filter((r) => r.status === "ok");
    const judged = ok.some((r) => r.scores.judge !== undefined);
    const perToken = ok.some((r) => r.scores.liftPerToken !== undefined);
    return {
        ...trialCounts(records),
        stringMatch: meanOrNull(ok.map((r) => r.scores.stringMatch)),
        lift: meanOrNull(ok.map((r) => r.scores.lift)),
        // Only documents whose trials carry the key get it, so older documents keep their shape.
        ...(perToken ? {liftPerToken: meanOrNull(ok.map((r) => r.scores.liftPerToken))} : {}),
        answerLogprob: meanOrNull(ok.map((r) => r.scores.answerLogprob)),
        // Only tasks with a judge carry the keys, so documents without one keep their shape.
        ...(judged ? {judge: meanOrNull(ok.map((r) => r.scores.judge)), judgeUnparsed: ok.filter(judgeUnparsed).length} : {})
    };
}

function groupBy<K>(records: TrialRecord[], key: (r: TrialRecord) => K): Map<K, TrialRecord[]> {
    const groups = new Map<K, TrialRecord[]>();
    for (const record of records) groups.set(key(record), [...(groups.get(key(record)) ?? []), record]);
    return groups;
}

/** The finite values of one score of the ok trials, per (length, trial) group. */
export function clusteredValues(records: TrialRecord[], score: string): number[][] {
    const clusters = new Map<string, number[]>();
    for (const record of records) {
        const value = record.scores[score];
        if (record.status !== "ok" || typeof value !== "number" || !Number.isFinite(value)) continue;
        const key = clusterOf(record);
        clusters.set(key, [...(clusters.get(key) ?? []), value]);
    }
    return [...clusters.values()];
}

/** The depth every trial of a cell shares its prompt with, when all of them were skipped for that. */
function sameAsDepthOf(group: TrialRecord[]): number | undefined {
    const depths = new Set(group.map((r) => (r.status === "skipped" ? samePromptDepth(r.skipReason) : undefined)));
    const [only] = depths;
    return depths.size === 1 && only !== undefined ? only : undefined;
}

/**
 * Effective context (RULER's rule): the longest length such that it and every shorter length
 * that ran score above the threshold. Lengths too short for the prompt (skipped before the first
 * one that ran) are not failures: measuring starts at the shortest length that ran
 * (`measuredFrom`). Any later length without a completed trial (beyond the training context,
 * errors) ends the run.
 */
function effectiveContext(byLength: ({length: number; trials: number} & Record<string, unknown>)[], records: TrialRecord[], config: NiahConfig): NonNullable<NiahScores["effectiveContext"]> {
    const settings = effectiveContextSettings(config);
    let measuredFrom: number | null = null;
    let length: number | null = null;
    for (const entry of byLength) {
        if (entry.trials === 0) {
            const atLength = records.filter((r) => Number(r.cell.length) === entry.length);
            if (measuredFrom === null && atLength.length > 0 && atLength.every((r) => r.status === "skipped" && isTooShortReason(r.skipReason))) continue;
            break;
        }
        measuredFrom ??= entry.length;
        const value = entry[settings.score];
        if (typeof value !== "number" || value <= settings.threshold) break;
        length = entry.length;
    }
    return {length, measuredFrom, ...settings};
}

/** Per cell, per length, per depth and overall means; `main` is the configured score, its interval over (length, trial) groups. */
export function aggregateNiah(config: NiahConfig, records: TrialRecord[]): NiahScores {
    const overall = summarize(records);
    const length = (r: TrialRecord) => Number(r.cell.length);
    const depth = (r: TrialRecord) => Number(r.cell.depth);
    const cells = [...groupBy(records, (r) => `${length(r)}|${depth(r)}`).values()].map((group) => {
        const sameAsDepth = sameAsDepthOf(group);
        return {
            length: length(group[0]!),
            depth: depth(group[0]!),
            ...summarize(group),
            skipReason: group.find((r) => r.status === "skipped")?.skipReason,
            ...(sameAsDepth !== undefined ? {sameAsDepth} : {})
        };
    }).sort((a, b) => a.length - b.length || a.depth - b.depth);
    const byLength = [...groupBy(records, length)].map(([len, group]) => ({length: len, ...summarize(group)})).sort((a, b) => a.length - b.length);
    const byDepth = [...groupBy(records, depth)].map(([d, group]) => ({depth: d, ...summarize(group)})).sort((a, b) => a.depth - b.depth);
    const clusters = clusteredValues(records, config.mainScore);
    const forms = new Set(records.filter((r) => r.status === "ok").map((r) => r.input?.promptForm).filter((f): f is string => typeof f === "string"));
    const [promptForm] = forms;
    return {
        main: overall[config.mainScore] ?? null,
        mainScore: config.mainScore,
        mainCi: clusterBootstrapMeanCi(clusters),
        mainCiUnits: clusters.length,
        ...(forms.size === 1 ? {promptForm: promptForm as NonNullable<NiahScores["promptForm"]>} : {}),
        ...overall,
        cells,
        byLength,
        byDepth,
        effectiveContext: effectiveContext(byLength, records, config)
    };
}

/** The document warnings NIAH trials imply: depths that collapsed onto another depth's prompt, judge replies without a rating. */
export function niahWarnings(_config: NiahConfig, records: TrialRecord[]): string[] {
    const warnings: string[] = [];
    const collapsed = records.filter((r) => r.status === "skipped" && samePromptDepth(r.skipReason) !== undefined);
    if (collapsed.length > 0) {
        const groups = new Set(collapsed.map(clusterOf)).size;
        warnings.push(`${collapsed.length} trial${collapsed.length === 1 ? "" : "s"} in ${groups} (length, trial) group${groups === 1 ? "" : "s"} ` +
            "put the needle where another depth of the group did (the haystack has too few sentence boundaries): each such prompt ran and counts once");
    }
    const unparsed = records.filter(judgeUnparsed).length;
    if (unparsed > 0) warnings.push(`${unparsed} judge repl${unparsed === 1 ? "y" : "ies"} held no 1-10 rating: left out of the judge means (judgeUnparsed)`);
    return warnings;
}
