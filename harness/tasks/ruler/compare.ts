import type {ResultDocument, TrialRecord} from "../../results/schema.js";
import {mcnemarExactP} from "../../util/mcnemar.js";
import {bootstrapMeanCi} from "../../util/stats.js";
import type {RulerComparison, RulerScoreName} from "./contract.js";

type Outcome = (record: TrialRecord) => boolean | null;

/** Right = every expected string found (string match 100); lift > 0 is the judge-free variant for tiny and base models. */
const RIGHT_BY: Record<"stringMatch" | "liftPositive", Outcome> = {
    stringMatch: (r) => (r.scores.stringMatch == null ? null : r.scores.stringMatch >= 100),
    liftPositive: (r) => (r.scores.lift == null ? null : r.scores.lift > 0)
};

function flips(pairs: [TrialRecord, TrialRecord][], outcome: Outcome) {
    let rightToWrong = 0;
    let wrongToRight = 0;
    let paired = 0;
    for (const [reference, candidate] of pairs) {
        const before = outcome(reference);
        const after = outcome(candidate);
        if (before == null || after == null) continue;
        paired++;
        if (before && !after) rightToWrong++;
        if (!before && after) wrongToRight++;
    }
    return {pairs: paired, rightToWrong, wrongToRight, mcnemarP: mcnemarExactP(rightToWrong, wrongToRight)};
}

const METHOD = "paired percentile bootstrap over samples (1,000 resamples, seed 1, 95%)";

function delta(pairs: [TrialRecord, TrialRecord][], score: RulerScoreName) {
    const deltas = pairs
        .filter(([r, c]) => r.scores[score] != null && c.scores[score] != null)
        .map(([r, c]) => c.scores[score]! - r.scores[score]!);
    return {
        delta: deltas.length ? deltas.reduce((a, b) => a + b, 0) / deltas.length : null,
        ci: bootstrapMeanCi(deltas, {seed: 1}),
        units: deltas.length,
        unit: "samples (length, sample)",
        method: METHOD
    };
}

/**
 * Pure: per sample, how a quantized file's RULER outcomes differ from its ladder reference's on the
 * same task instance. Samples are independent draws (each has its own seed), so each paired sample
 * is one unit of the bootstrap: the change in string match and in lift with their intervals, flips
 * with McNemar's exact test, and the change per length.
 */
export function compareRuler(reference: ResultDocument, candidate: ResultDocument): RulerComparison {
    const referenceTrials = new Map(reference.trials.filter((t) => t.status === "ok").map((t) => [t.id, t]));
    const pairs = candidate.trials
        .filter((t) => t.status === "ok" && referenceTrials.has(t.id))
        .map((t) => [referenceTrials.get(t.id)!, t] as [TrialRecord, TrialRecord]);
    const mainScore = (candidate.scores as {mainScore?: RulerScoreName}).mainScore ?? "stringMatch";
    const lengths = [...new Set(pairs.map(([, c]) => Number(c.cell.length)))].sort((a, b) => a - b);
    return {
        reference: {id: reference.model.id, fileName: reference.model.fileName, sha256: reference.model.sha256, quantLabel: reference.model.quantLabel},
        pairedTrials: pairs.length,
        mainDelta: delta(pairs, mainScore),
        deltaStringMatch: delta(pairs, "stringMatch"),
        deltaLift: delta(pairs, "lift"),
        flips: flips(pairs, RIGHT_BY.stringMatch),
        liftFlips: flips(pairs, RIGHT_BY.liftPositive),
        byLength: lengths.map((length) => {
            const at = pairs.filter(([, c]) => Number(c.cell.length) === length);
            return {length, pairs: at.length, deltaStringMatch: delta(at, "stringMatch").delta, deltaLift: delta(at, "lift").delta};
        })
    };
}
