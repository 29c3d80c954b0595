import type {ResultDocument, TrialRecord} from "../../results/schema.js";
import {clusterBootstrapRatioCi} from "../../util/stats.js";
import type {FidelityScores} from "./contract.js";

const BOOTSTRAP = {resamples: 1000, seed: 1};

/**
 * Pure: a file's mean KLD against its ladder reference's on the chunks both completed (the
 * reference scores itself at 0 by definition: the change is this file's KLD on those chunks),
 * with a bootstrap interval resampling chunks (each weighed by its scored tokens).
 */
export function compareFidelity(reference: ResultDocument, candidate: ResultDocument): NonNullable<FidelityScores["vsReference"]> {
    const done = (document: ResultDocument) =>
        new Map(document.trials.filter((t) => t.status === "ok" && typeof t.scores.sumKld === "number" && typeof t.scores.tokens === "number").map((t) => [t.id, t]));
    const referenceChunks = done(reference);
    const pairs = [...done(candidate)].filter(([id]) => referenceChunks.has(id)).map(([id, t]): [TrialRecord, TrialRecord] => [referenceChunks.get(id)!, t]);
    const sums = pairs.map(([r, c]) => c.scores.sumKld! - r.scores.sumKld!);
    const tokens = pairs.map(([, c]) => c.scores.tokens!);
    const totalTokens = tokens.reduce((a, b) => a + b, 0);
    return {
        reference: {id: reference.model.id, fileName: reference.model.fileName, sha256: reference.model.sha256, quantLabel: reference.model.quantLabel},
        pairedChunks: pairs.length,
        mainDelta: {
            delta: totalTokens > 0 ? sums.reduce((a, b) => a + b, 0) / totalTokens : null,
            ci: clusterBootstrapRatioCi(sums, tokens, BOOTSTRAP),
            units: pairs.length,
            unit: "chunks",
            method: `bootstrap of the mean KLD change over the chunks both files completed, resampling chunks weighed by their scored tokens (${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed})`
        }
    };
}
