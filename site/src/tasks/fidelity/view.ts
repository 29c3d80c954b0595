// Fidelity: the main score (mean KL divergence) is itself a distance from the ladder's reference,
// so it is never compared across ladders; the ladder page adds KLD percentiles, top-1 agreement and
// perplexity (Ladder.astro).
import {fidelityScoresSchema, type FidelityScores} from "../../../../harness/tasks/fidelity/contract.ts";
import {fmt, fmtPct} from "../../lib/format.ts";
import {describeIssues} from "../../lib/issues.ts";
import {defineView} from "../types.ts";

export const fidelityView = defineView<FidelityScores>({
    type: "fidelity",
    name: "fidelity",
    parse(doc) {
        const scores = fidelityScoresSchema.safeParse(doc.scores);
        return scores.success ? {ok: true, data: scores.data} : {ok: false, error: `invalid fidelity scores block\n${describeIssues(scores.error.issues, "scores")}`};
    },
    withinLadder: true,
    overview: {segment: "fidelity", title: "Fidelity scoreboard"},
    sampleSize: (data) => (data ? {n: data.scoredTokens, unit: "tokens"} : null),
    replacesChangeColumns: true,
    ladderColumns: [
        {header: "Same top p", title: "Share of positions where this file's most likely next token is the reference's (top-1 agreement)", numeric: true, cell: ({data}) => ({text: fmtPct(data?.top1Agreement)})},
        {header: "KLD p99", numeric: true, cell: ({data}) => ({text: fmt(data?.kldP99)})},
        {header: "Max KLD", numeric: true, cell: ({data}) => ({text: fmt(data?.maxKld)})}
    ]
});
