// STS: Spearman with its interval per file and the pairs it gets most wrong (Page.astro); the
// paired change from the reference and embedding drift in the ladder table.
import {stsScoresSchema, type StsScores} from "../../../../harness/tasks/sts/contract.ts";
import {fmtDelta, fmtNum} from "../../lib/format.ts";
import {describeIssues} from "../../lib/issues.ts";
import {defineView, type Cell} from "../types.ts";
import {deltaVerdict, parsePairRecords, type PairRecords} from "./lib.ts";

export interface StsData {
    scores: StsScores;
    /** The per-pair records of every ok trial; null when none ran. */
    pairs: PairRecords | null;
}

const cos = (v: number | null | undefined): Cell => ({text: fmtNum(v, 6), value: v == null ? "" : String(v)});

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
    replacesChangeColumns: true,
    ladderColumns: [
        {
            header: "Δ vs reference (paired CI)", title: "candidate minus reference, paired bootstrap over pairs", numeric: true,
            cell({data, isReference, family}) {
                if (isReference) return {text: "reference"};
                if (family.models.length === 1) return {text: "—"};
                const vs = data?.scores.vsReference;
                if (!vs || vs.deltaSpearman === null) return {text: "—", value: "", class: "muted"};
                return {text: fmtDelta(vs.deltaSpearman, 3), value: String(vs.deltaSpearman),
                    sub: vs.deltaCi ? `[${fmtDelta(vs.deltaCi[0], 3)}, ${fmtDelta(vs.deltaCi[1], 3)}]` : undefined};
            }
        },
        {header: "Reading", cell: ({data, isReference}) => ({text: isReference ? "" : data ? deltaVerdict(data.scores.vsReference) : "", class: "small"})},
        {header: "Mean cosine", numeric: true, cell: ({data, isReference}) => (isReference ? {text: ""} : cos(data?.scores.vsReference?.drift?.meanCosine))},
        {header: "Min cosine", numeric: true, cell: ({data, isReference}) => (isReference ? {text: ""} : cos(data?.scores.vsReference?.drift?.minCosine))}
    ],
    ladderNote: "Δ vs reference: Spearman ×100 of the file minus the reference's, with a paired bootstrap CI (both scored on the same resampled pairs); cosines compare each sentence's embedding with the reference file's. Per-file details, including the pairs each file gets most wrong, are on the STS pages."
});
