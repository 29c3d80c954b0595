import type {ResultDocument} from "../results/schema.js";
import {clipMessage} from "../util/clip.js";

/** Distinct reasons printed per document; the rest are counted. */
const REASONS_PER_DOCUMENT = 3;

/**
 * Why trials failed, as lines for the terminal: per document with errors, each distinct reason
 * (kind and message) with how many trials it stopped, most frequent first, so a run never ends
 * with only "N errors".
 */
export function trialFailureLines(documents: ResultDocument[]): string[] {
    const lines: string[] = [];
    for (const doc of documents) {
        if (doc.counts.error === 0) continue;
        const reasons = new Map<string, number>();
        for (const trial of doc.trials) {
            if (trial.status !== "error") continue;
            const reason = `${trial.error?.kind ?? "trial"}: ${clipMessage(trial.error?.message ?? "(no message)", 400)}`;
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
        const sorted = [...reasons].sort((a, b) => b[1] - a[1]);
        for (const [reason, count] of sorted.slice(0, REASONS_PER_DOCUMENT))
            lines.push(`${doc.task.id} on ${doc.model.id}: ${count} of ${doc.counts.planned} trials failed (${reason})`);
        if (sorted.length > REASONS_PER_DOCUMENT)
            lines.push(`${doc.task.id} on ${doc.model.id}: ${sorted.slice(REASONS_PER_DOCUMENT).reduce((n, [, c]) => n + c, 0)} more failed trials with ${sorted.length - REASONS_PER_DOCUMENT} other reasons (see the result document)`);
    }
    return lines;
}

/** The documents' warnings as lines (the shard notice every shard's document carries left out). */
export function warningLines(documents: ResultDocument[]): string[] {
    const lines: string[] = [];
    for (const doc of documents)
        for (const warning of doc.warnings)
            if (!/^shard \d+\/\d+: /.test(warning)) lines.push(`${doc.task.id} on ${doc.model.id}: ${clipMessage(warning, 400)}`);
    return lines;
}
