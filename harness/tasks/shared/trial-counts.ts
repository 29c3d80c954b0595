import type {TrialRecord} from "../../results/schema.js";

/** How a group of trials ended: ran (ok), skipped, failed. The counts every aggregate reports beside its scores. */
export function trialCounts(records: readonly Pick<TrialRecord, "status">[]): {trials: number; skipped: number; errors: number} {
    let trials = 0, skipped = 0, errors = 0;
    for (const record of records) {
        if (record.status === "ok") trials++;
        else if (record.status === "skipped") skipped++;
        else errors++;
    }
    return {trials, skipped, errors};
}
