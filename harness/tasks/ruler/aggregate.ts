import type {TrialRecord} from "../../results/schema.js";
import {bootstrapMeanCi, meanOrNull} from "../../util/stats.js";
import {rulerTaskScore} from "../shared/ruler/scoring.js";
import type {RulerConfig} from "./config.js";
import {DEFAULT_THRESHOLDS, type RulerScores} from "./contract.js";
import {trialCounts} from "../shared/trial-counts.js";

const finite = (values: (number | null | undefined)[]) => values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));

function summarize(records: TrialRecord[]) {
    const ok = records.filter((r) => r.status === "ok");
    return {
        ...trialCounts(records),
        stringMatch: meanOrNull(ok.map((r) => r.scores.stringMatch)),
        lift: meanOrNull(ok.map((r) => r.scores.lift)),
        answerLogprob: meanOrNull(ok.map((r) => r.scores.answerLogprob))
    };
}

/**
 * Overall and per-length means; per length also RULER's task score (mean string match rounded to
 * 2 decimals as RULER rounds) and the lift's bootstrap interval. `main` is the configured score's
 * mean over every sample that ran; the effective length is read from the per-length means.
 */
export function aggregateRuler(config: RulerConfig, records: TrialRecord[]): RulerScores {
    const lengths = [...new Set(records.map((r) => Number(r.cell.length)))].sort((a, b) => a - b);
    const byLength = lengths.map((length) => {
        const group = records.filter((r) => Number(r.cell.length) === length);
        const ok = group.filter((r) => r.status === "ok");
        const matches = finite(ok.map((r) => r.scores.stringMatch));
        return {
            length,
            ...summarize(group),
            score: matches.length ? rulerTaskScore(matches) : null,
            liftCi: bootstrapMeanCi(finite(ok.map((r) => r.scores.lift))),
            ...(ok.length === 0 && group.some((r) => r.skipReason) ? {skipReason: group.find((r) => r.skipReason)!.skipReason} : {})
        };
    });
    const score = config.mainScore;
    const threshold = config.effectiveContext?.threshold ?? DEFAULT_THRESHOLDS[score];
    let effective: number | null = null;
    const ran = byLength.filter((entry) => entry.trials > 0);
    for (const entry of byLength) {
        if (entry.trials === 0) break; // a length that did not run (too short, beyond the context) ends the run of passing lengths
        const value = entry[score];
        if (value == null || value <= threshold) break;
        effective = entry.length;
    }
    const overall = summarize(records);
    return {
        main: overall[score],
        mainScore: score,
        mainCi: bootstrapMeanCi(finite(records.filter((r) => r.status === "ok").map((r) => r.scores[score]))),
        task: config.task,
        ...overall,
        byLength,
        effectiveContext: {length: effective, score, threshold, measuredFrom: ran[0]?.length ?? null}
    };
}
