import type {ResultDocument, TrialRecord} from "../../results/schema.js";
import {mcnemarExactP} from "../../util/mcnemar.js";
import {bootstrapMeanCi} from "../../util/stats.js";
import type {NiahComparison} from "./contract.js";

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

/**
 * Pure: per trial, how a quantized file's NIAH outcomes differ from its ladder reference's on the
 * same task instance: flips (right at the reference and wrong at the quant, and the reverse) with
 * McNemar's exact test, and the change in mean lift with a paired-bootstrap interval.
 */
export function compareNiah(reference: ResultDocument, candidate: ResultDocument): NiahComparison {
    const referenceTrials = new Map(reference.trials.filter((t) => t.status === "ok").map((t) => [t.id, t]));
    const pairs = candidate.trials
        .filter((t) => t.status === "ok" && referenceTrials.has(t.id))
        .map((t) => [referenceTrials.get(t.id)!, t] as [TrialRecord, TrialRecord]);
    const liftDeltas = pairs
        .filter(([r, c]) => r.scores.lift != null && c.scores.lift != null)
        .map(([r, c]) => c.scores.lift! - r.scores.lift!);
    return {
        reference: {id: reference.model.id, fileName: reference.model.fileName, sha256: reference.model.sha256, quantLabel: reference.model.quantLabel},
        pairedTrials: pairs.length,
        flips: flips(pairs, RIGHT_BY.stringMatch),
        liftFlips: flips(pairs, RIGHT_BY.liftPositive),
        deltaLift: liftDeltas.length ? liftDeltas.reduce((a, b) => a + b, 0) / liftDeltas.length : null,
        deltaLiftCi: bootstrapMeanCi(liftDeltas, {seed: 1}),
        bootstrap: {method: "paired percentile bootstrap over trials", resamples: 1000, seed: 1, level: 0.95}
    };
}
