import {TrialRecord, trialRecordSchema} from "../results/schema.js";
import {clipMessage} from "../util/clip.js";

/** Names of the record's scores that are NaN or infinite (a model with garbage weights gives NaN log-probabilities). */
export function nonFiniteScores(record: Pick<TrialRecord, "scores">): string[] {
    return Object.entries(record.scores ?? {})
        .filter(([, value]) => typeof value === "number" && !Number.isFinite(value))
        .map(([name, value]) => `${name} = ${value}`);
}

/**
 * A finished trial's record as it may be journaled and written: a record with a non-finite score
 * becomes an error of kind "non-finite score" (JSON would turn NaN into null, a valid-looking
 * "no score"), and a record the result schema rejects becomes a trial error saying why, so one
 * bad trial never stops its document from being written.
 */
export function checkedRecord(record: TrialRecord): TrialRecord {
    const base = {id: record.id, cell: record.cell, seed: record.seed, status: "error" as const, scores: {}, timings: {}};
    const bad = nonFiniteScores(record);
    if (bad.length > 0)
        return {...base, input: record.input, error: {message: `the model computed NaN or an infinite value: ${bad.join(", ")}`, kind: "non-finite score"}};
    const parsed = trialRecordSchema.safeParse(record);
    if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return {...base, error: {message: clipMessage(`the trial's record is invalid: ${issue.path.join(".") || "(root)"}: ${issue.message}`), kind: "trial"}};
    }
    return record.error ? {...record, error: {...record.error, message: clipMessage(record.error.message)}} : record;
}
