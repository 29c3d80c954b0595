// STS views: the per-pair records of a result (validated at build time), which pairs a file ranks
// most differently from the annotators, and which of them quantization made worse.
//
// "How wrong is a pair": both the gold scores and the model's similarities are turned into rank
// percentiles over the pairs of the dataset (average ranks for ties, as the harness's Spearman),
// 0 = least similar pair, 100 = most similar. A pair's error is its similarity percentile minus
// its gold percentile, in percentile points. Spearman's rho is the correlation of these ranks
// (without ties rho = 1 - 6 sum(d^2) / (n (n^2 - 1)), d the rank difference), so the pairs with the
// largest |error| are the ones that cost the file the most correlation. Positive: the model finds
// the pair more similar than the annotators did, relative to the other pairs; negative: less.
import type {TrialRecord} from "../../../../harness/results/schema.ts";
import {parsePairRecords as readPairRecords, type StsComparison, type StsPairRecords} from "../../../../harness/tasks/sts/contract.ts";
import {averageRanks} from "../../../../harness/util/correlation.ts";
import {describeIssues} from "../../lib/issues.ts";

export type PairRecords = StsPairRecords;

/** The per-pair records of every ok trial (the task's own reader), or why they are invalid, naming the field. */
export function parsePairRecords(trials: TrialRecord[]): {ok: true; records: PairRecords | null} | {ok: false; error: string} {
    const result = readPairRecords(trials);
    return result.ok ? result : {ok: false, error: describeIssues(result.issues, `trials.${result.trialIndex}.output`)};
}

/** Rank percentiles, 0 (lowest) to 100 (highest); 50 for a single value. */
export function rankPercentiles(values: readonly number[]): number[] {
    const n = values.length;
    return Array.from(averageRanks(values), (r) => (n > 1 ? (100 * (r - 1)) / (n - 1) : 50));
}

export interface PairError {
    id: string;
    gold: number;
    similarity: number;
    goldPct: number;
    similarityPct: number;
    /** similarityPct - goldPct, percentile points. */
    error: number;
    groups: Record<string, string>;
    texts?: [string, string];
}

export function pairErrors(records: PairRecords): PairError[] {
    const goldPct = rankPercentiles(records.gold);
    const similarityPct = rankPercentiles(records.similarity);
    return records.pairIds.map((id, i) => ({
        id, gold: records.gold[i]!, similarity: records.similarity[i]!, goldPct: goldPct[i]!, similarityPct: similarityPct[i]!,
        error: similarityPct[i]! - goldPct[i]!,
        groups: Object.fromEntries(Object.entries(records.groups).map(([key, values]) => [key, values[i]!])),
        ...(records.texts ? {texts: records.texts[i]!} : {})
    }));
}

const byAbsError = (a: PairError, b: PairError) => Math.abs(b.error) - Math.abs(a.error) || a.id.localeCompare(b.id);

/** The n pairs with the largest |error|. */
export function worstPairs(records: PairRecords, n: number): PairError[] {
    return pairErrors(records).sort(byAbsError).slice(0, n);
}

/** Records restricted to the given pair ids, in the records' order. */
function subset(records: PairRecords, keep: Set<string>): PairRecords {
    const idx = records.pairIds.flatMap((id, i) => (keep.has(id) ? [i] : []));
    return {
        pairIds: idx.map((i) => records.pairIds[i]!),
        gold: idx.map((i) => records.gold[i]!),
        similarity: idx.map((i) => records.similarity[i]!),
        groups: Object.fromEntries(Object.entries(records.groups).map(([key, values]) => [key, idx.map((i) => values[i]!)])),
        ...(records.texts ? {texts: idx.map((i) => records.texts![i]!)} : {})
    };
}

export interface PairChange {
    mine: PairError;
    reference: PairError;
    /** |mine.error| - |reference.error|: how many percentile points further from gold this file puts the pair. */
    change: number;
}

/**
 * The n pairs this file ranks furthest from gold compared with the reference (both ranked over
 * the pairs they share, matched by id); only pairs it made worse.
 */
export function changedPairs(records: PairRecords, reference: PairRecords, n: number): PairChange[] {
    const refIds = new Set(reference.pairIds);
    const common = new Set(records.pairIds.filter((id) => refIds.has(id)));
    const theirs = new Map(pairErrors(subset(reference, common)).map((p) => [p.id, p]));
    // Texts may be recorded by only one of the two files.
    return pairErrors(subset(records, common))
        .map((mine) => {
            const ref = theirs.get(mine.id)!;
            return {mine: {...mine, texts: mine.texts ?? ref.texts}, reference: ref, change: Math.abs(mine.error) - Math.abs(ref.error)};
        })
        .filter((c) => c.change > 0)
        .sort((a, b) => b.change - a.change || a.mine.id.localeCompare(b.mine.id))
        .slice(0, n);
}

/** What a paired CI of the Spearman change says, in a few words. */
export function deltaVerdict(vs: StsComparison | undefined): string {
    if (!vs || vs.deltaSpearman === null || !vs.deltaCi) return "not compared";
    const [lo, hi] = vs.deltaCi;
    if (lo > 0) return "higher (CI excludes 0)";
    if (hi < 0) return "lower (CI excludes 0)";
    return "within noise (CI includes 0)";
}
