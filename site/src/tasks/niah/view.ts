// NIAH: length x depth heatmaps per file (Page.astro), flips and Δ lift per ladder (Ladder.astro),
// and an effective-context column on the leaderboard.
import {EQUIVALENCE_MARGIN, niahScoresSchema, type NiahScores} from "../../../../harness/tasks/niah/contract.ts";
import {describeIssues} from "../../lib/issues.ts";
import {defineView, type RegisteredView} from "../types.ts";
import {effectiveContextText, effectiveContextValue, effectiveRules} from "./lib.ts";

export const niahView: RegisteredView<NiahScores> = defineView<NiahScores>({
    type: "niah",
    name: "NIAH",
    parse(doc) {
        const scores = niahScoresSchema.safeParse(doc.scores);
        return scores.success ? {ok: true, data: scores.data} : {ok: false, error: `invalid NIAH scores block\n${describeIssues(scores.error.issues, "scores")}`};
    },
    modelPage: {segment: "niah", linkText: "NIAH heatmaps"},
    mainDelta(data) {
        const vs = data?.vsReference;
        // Older documents: only lift has a paired interval.
        return data?.mainScore === "lift" && vs && vs.deltaLift !== null
            ? {delta: vs.deltaLift, ci: vs.deltaLiftCi, units: vs.pairedTrials, unit: "paired trials", method: vs.bootstrap.method} : null;
    },
    equivalenceMargin: (data) => (data ? EQUIVALENCE_MARGIN[data.mainScore] : null),
    leaderboardColumns(task, models) {
        const rules = effectiveRules(models.map((m) => niahView.of(m.latest.get(task.id))));
        if (rules.length === 0) return [];
        const rule = rules.join(" or ");
        return [{
            key: `ctx:${task.id}`, header: task.id, sub: `eff. context (${rule})`,
            title: `Effective context (RULER's rule): the longest length such that it and every shorter length score ${rule}; "< n" when even the shortest length n does not`,
            cell(entry) {
                const scores = niahView.of(entry);
                const text = scores ? effectiveContextText(scores) : null;
                return {
                    text: text ?? "—", value: effectiveContextValue(scores), class: text ? undefined : "muted",
                    title: scores?.effectiveContext ? `${effectiveRules([scores])[0]} up to this length` : undefined
                };
            }
        }];
    }
});
