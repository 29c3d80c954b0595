// RULER: one document per task, read together. Per model file the table RULER papers print
// (tasks as rows, lengths as columns, the average and the effective length) and its difference
// from the ladder's reference (Page.astro); the suite headline on the home and ladder pages
// (Suite.astro) and as leaderboard columns, once for all of RULER's tasks.
import {EQUIVALENCE_MARGIN, rulerScoresSchema, type RulerScoreName, type RulerScores} from "../../../../harness/tasks/ruler/contract.ts";
import {fmt, fmtInt} from "../../lib/format.ts";
import {describeIssues} from "../../lib/issues.ts";
import {pages} from "../../lib/paths.ts";
import type {ModelEntry} from "../../lib/types.ts";
import {defineView, type RegisteredView, type SuiteColumn} from "../types.ts";
import {effectiveText, headline, latestRun, RULER_TYPE, SCORE_LABEL, SCORE_NAMES, SCORE_UNIT, thresholdOf} from "./lib.ts";

const SEGMENT = "ruler";
const SHORT_LABEL: Record<RulerScoreName, string> = {stringMatch: "match", lift: "lift"};

/**
 * Leaderboard columns per score: RULER's average at the longest length (the runs' main score
 * shown by default, kept narrow: the leaderboard's default columns fit 1280 px), and the
 * effective length (in the column picker; the average's cell names it too).
 */
function suiteColumns(models: ModelEntry[]): SuiteColumn[] {
    const runs = models.map((m) => latestRun(m)).filter((r) => r !== undefined);
    if (runs.length === 0) return [];
    const mains = new Set(runs.map((r) => r.mainScore));
    const order = [...SCORE_NAMES].sort((a, b) => Number(mains.has(b)) - Number(mains.has(a)));
    const link = (model: ModelEntry) => pages.viewPage(SEGMENT, model.slug);
    return order.flatMap((score: RulerScoreName): SuiteColumn[] => [
        {
            key: `ruler:avg:${score}`, header: "RULER", sub: `avg ${SHORT_LABEL[score]}`, shownByDefault: mains.has(score),
            title: `RULER's headline on ${SCORE_LABEL[score]} (${SCORE_UNIT[score]}): the average over the run's tasks at the longest length where every task scored (else the longest with any score, marked with the tasks it covers). Lengths differ between models: the cell names its length and the effective length.`,
            cell(model) {
                const run = latestRun(model);
                const h = run ? headline(run, score) : null;
                if (!run || !h || h.value === null) return {text: "—", value: "", class: "muted"};
                const effective = effectiveText(run, score);
                return {
                    text: fmt(h.value), value: String(h.value), href: link(model),
                    sub: `at ${fmtInt(h.length)}${h.complete ? "" : `, ${h.tasks}/${h.of} tasks`} · eff. ${effective.text}`,
                    title: `${h.complete ? `average over all ${h.tasks} tasks of the run at ${fmtInt(h.length)} tokens` : `missing at ${fmtInt(h.length)} tokens: ${h.missing.join(", ")} (not RULER's average)`}; effective length: ${effective.title}`,
                    class: h.complete ? undefined : "incomplete"
                };
            }
        },
        {
            key: `ruler:eff:${score}`, header: "RULER eff. length", sub: `${SCORE_LABEL[score]} > ${fmt(thresholdOf(score))}`,
            title: `RULER's effective length on ${SCORE_LABEL[score]}: the longest length such that it and every shorter length average above ${fmt(thresholdOf(score))}, over lengths where every task scored; "< n" when even the shortest does not, "n/a" when the shortest length lacks a task`,
            cell(model) {
                const run = latestRun(model);
                if (!run) return {text: "—", value: "", class: "muted"};
                const e = effectiveText(run, score);
                return {text: e.text, value: e.value, title: e.title, href: link(model), class: e.value === "" ? "muted" : undefined};
            }
        }
    ]);
}

export const rulerView: RegisteredView<RulerScores> = defineView<RulerScores>({
    type: RULER_TYPE,
    name: "RULER",
    parse(doc) {
        const scores = rulerScoresSchema.safeParse(doc.scores);
        return scores.success ? {ok: true, data: scores.data} : {ok: false, error: `invalid RULER scores block\n${describeIssues(scores.error.issues, "scores")}`};
    },
    modelPage: {segment: SEGMENT, linkText: "RULER table"},
    suite: {title: "RULER", columns: suiteColumns},
    equivalenceMargin: (data) => (data ? EQUIVALENCE_MARGIN[data.mainScore] : null),
    sampleSize: (data) => (data ? {n: data.trials, unit: "samples"} : null),
    ladderNote: "Each RULER task is its own document: the change of its main score over the samples both files ran (each sample its own draw), with a paired bootstrap interval. The headline over the tasks is in the RULER section above; per-length tables are on the RULER pages."
});
