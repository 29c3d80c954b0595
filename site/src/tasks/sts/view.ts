// STS: Spearman with its interval per file and the pairs it gets most wrong (Page.astro);
// embedding drift in the ladder table.
import {EQUIVALENCE_MARGIN, stsScoresSchema, type StsScores} from "../../../../harness/tasks/sts/contract.ts";
import {fmtDrift} from "../../lib/format.ts";
import {describeIssues} from "../../lib/issues.ts";
import {defineView, type Cell} from "../types.ts";
import {parsePairRecords, type PairRecords} from "./lib.ts";

export interface StsData {
    scores: StsScores;
    /** The per-pair records of every ok trial; null when none ran. */
    pairs: PairRecords | null;
}

const drift = (cosine: number | null | undefined): Cell => ({text: fmtDrift(cosine), value: cosine == null ? "" : String(1 - cosine)});

export const stsView = defineView<StsData>({
    type: "sts",
    name: "STS",
    parse(doc) {
        const scores = stsScoresSchema.safeParse(doc.scores);
        if (!scores.success) return {ok: false, error: `invalid STS scores block\n${describeIssues(scores.error.issues, "scores")}`};
        const pairs = parsePairRecords(doc.trials);
        if (!pairs.ok) return {ok: false, error: `invalid STS per-pair records\n${pairs.error}`};
        return {ok: true, data: {scores: scores.data, pairs: pairs.records}};
    },
    modelPage: {segment: "sts", linkText: "STS details"},
    ladderColumns: [
        {header: "Drift: 1 − mean cosine", title: "Embedding drift from the reference: 1 − mean cosine between a sentence's two vectors (0 = identical)", numeric: true,
            cell: ({data, isReference}) => (isReference ? {text: ""} : drift(data?.scores.vsReference?.drift?.meanCosine))},
        {header: "1 − min cosine", title: "The sentence that moved most", numeric: true,
            cell: ({data, isReference}) => (isReference ? {text: ""} : drift(data?.scores.vsReference?.drift?.minCosine))}
    ],
    ladderNote: "Change: Spearman ×100 of the file minus the reference's over the same pairs, with a paired bootstrap interval; drift compares each sentence's embedding with the reference file's. Per-file details, including the pairs each file gets most wrong, are on the STS pages.",
    mainDelta(data) {
        const vs = data?.scores.vsReference;
        return vs && vs.deltaSpearman !== null ? {delta: vs.deltaSpearman, ci: vs.deltaCi, units: vs.pairs, unit: "sentence pairs", method: vs.bootstrap.method} : null;
    },
    equivalenceMargin: () => EQUIVALENCE_MARGIN,
    sampleSize: (data) => (data ? {n: data.scores.pairs, unit: "pairs"} : null)
});
