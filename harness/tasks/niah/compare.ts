import type {ResultDocument, TrialRecord} from "../../results/schema.js";
import {clusterBootstrapMeanCi, signFlipTestP} from "../../util/stats.js";
import {clusterOf} from "./aggregate.js";
import type {NiahComparison} from "./contract.js";

type Outcome = (record: TrialRecord) => boolean | null;

/** Right = every expected string found (string match 100); lift > 0 is the judge-free variant for tiny and base models. */
const RIGHT_BY: Record<"stringMatch" | "liftPositive", Outcome> = {
    stringMatch: (r) => (r.scores.stringMatch == null ? null : r.scores.stringMatch >= 100),
    liftPositive: (r) => (r.scores.lift == null ? null : r.scores.lift > 0)
};

const BOOTSTRAP = {resamples: 1000, seed: 1, level: 0.95};
const UNIT = "clusters (length, trial)";
const FLIP_TEST = "paired sign-flip test over (length, trial) groups (exact up to 16 groups that changed)";

type Pair = [TrialRecord, TrialRecord];

/** Values per (length, trial) group, in first-seen order. */
function byCluster(pairs: Pair[], value: (pair: Pair) => number | null): number[][] {
    const clusters = new Map<string, number[]>();
    for (const pair of pairs) {
        const v = value(pair);
        if (v == null || !Number.isFinite(v)) continue;
        const key = clusterOf(pair[1]);
        clusters.set(key, [...(clusters.get(key) ?? []), v]);
    }
    return [...clusters.values()];
}

/** Flips both ways, tested at the level of (length, trial) groups: the depths of a group are not independent. */
function flips(pairs: Pair[], outcome: Outcome) {
    let rightToWrong = 0;
    let wrongToRight = 0;
    const counted: Pair[] = [];
    for (const pair of pairs) {
        const before = outcome(pair[0]);
        const after = outcome(pair[1]);
        if (before == null || after == null) continue;
        counted.push(pair);
        if (before && !after) rightToWrong++;
        if (!before && after) wrongToRight++;
    }
    const perCluster = byCluster(counted, ([r, c]) => Number(outcome(c)) - Number(outcome(r)));
    return {
        pairs: counted.length,
        clusters: perCluster.length,
        rightToWrong,
        wrongToRight,
        p: signFlipTestP(perCluster.map((d) => d.reduce((a, b) => a + b, 0))),
        test: FLIP_TEST
    };
}

/**
 * Why two files' prompts may differ: different forms ("base" and "completion" are one plain-text
 * rendering), or chat templates of different providers (a GGUF's template vs a server's).
 */
function promptFormNote(forms: {reference: string | null; candidate: string | null}, referenceProvider: string, candidateProvider: string): string | undefined {
    const plain = (form: string | null) => form === "base" || form === "completion";
    const {reference, candidate} = forms;
    if (reference === candidate && (reference !== "chat-template" || referenceProvider === candidateProvider)) return undefined;
    if (plain(reference) && plain(candidate)) return undefined;
    if (reference === candidate)
        return `both files saw chat templates, but from different providers (${referenceProvider}, ${candidateProvider}): the templates may differ, and the change mixes quantization with prompting`;
    return `the files saw different prompt forms (reference: ${reference ?? "unknown"}, this file: ${candidate ?? "unknown"}): the change mixes quantization with prompting`;
}

const mean = (values: number[][]) => {
    const flat = values.flat();
    return flat.length ? flat.reduce((a, b) => a + b, 0) / flat.length : null;
};

/**
 * Pure: per trial, how a quantized file's NIAH outcomes differ from its ladder reference's on the
 * same task instance, over the trials both completed: the change of the main score and of the
 * lift with paired cluster-bootstrap intervals (resampling (length, trial) groups), and flips
 * (right at the reference and wrong at the quant, and the reverse) with a cluster-level paired test.
 */
export function compareNiah(reference: ResultDocument, candidate: ResultDocument): NiahComparison {
    const referenceTrials = new Map(reference.trials.filter((t) => t.status === "ok").map((t) => [t.id, t]));
    const pairs = candidate.trials
        .filter((t) => t.status === "ok" && referenceTrials.has(t.id))
        .map((t) => [referenceTrials.get(t.id)!, t] as Pair);
    const difference = (score: string) => ([r, c]: Pair) =>
        typeof r.scores[score] === "number" && typeof c.scores[score] === "number" ? c.scores[score]! - r.scores[score]! : null;
    const liftDeltas = byCluster(pairs, difference("lift"));
    const mainScore = String((candidate.scores as Record<string, unknown> | undefined)?.mainScore ?? candidate.task?.mainScore.name ?? "stringMatch");
    const mainDeltas = byCluster(pairs, difference(mainScore));
    const formOf = (document: ResultDocument) => {
        const form = (document.scores as Record<string, unknown> | undefined)?.promptForm;
        return typeof form === "string" ? form : null;
    };
    const promptForms = {reference: formOf(reference), candidate: formOf(candidate)};
    const note = promptFormNote(promptForms, reference.model.provider, candidate.model.provider);
    return {
        reference: {id: reference.model.id, fileName: reference.model.fileName, sha256: reference.model.sha256, quantLabel: reference.model.quantLabel},
        pairedTrials: pairs.length,
        mainDelta: {
            delta: mean(mainDeltas),
            ci: clusterBootstrapMeanCi(mainDeltas, BOOTSTRAP),
            units: mainDeltas.length,
            unit: UNIT,
            method: `paired cluster bootstrap of the mean ${mainScore} change over the trials both files completed (${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed})`
        },
        flips: flips(pairs, RIGHT_BY.stringMatch),
        liftFlips: flips(pairs, RIGHT_BY.liftPositive),
        deltaLift: mean(liftDeltas),
        deltaLiftCi: clusterBootstrapMeanCi(liftDeltas, BOOTSTRAP),
        bootstrap: {method: "paired percentile bootstrap over (length, trial) groups", ...BOOTSTRAP},
        promptForms,
        ...(note ? {note} : {})
    };
}
