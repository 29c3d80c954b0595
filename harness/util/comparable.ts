/**
 * Which result documents measure the same thing, so their scores may be compared, ranked or
 * subtracted: the same task instance (task id), run with the same settings (config hash, defaults
 * filled) on the same data (the dataset files a task records in `scores.dataset.files`, as STS
 * does; a config naming a file does not pin its contents). Shared by `recommend` and the site.
 */

/** The part of a result document this module reads. */
export interface ComparableDocument {
    task: {id: string; configHash: string};
    scores: Record<string, unknown>;
}

/** The sha256 of the dataset files the document's scores record, joined; null when it records none. */
export function datasetHashOf(document: Pick<ComparableDocument, "scores">): string | null {
    const dataset = document.scores.dataset as {files?: unknown} | null | undefined;
    if (!dataset || !Array.isArray(dataset.files)) return null;
    const hashes = dataset.files.map((file) => (file as {sha256?: unknown})?.sha256);
    return hashes.every((hash) => typeof hash === "string") ? hashes.join(",") : null;
}

/** Documents with equal keys are comparable: task id, config hash and dataset files. */
export function comparableKey(document: ComparableDocument): string {
    return `${document.task.id}|${document.task.configHash}|${datasetHashOf(document) ?? "-"}`;
}

/** Documents grouped by comparableKey, in first-seen order; within a task id, each group is one configuration (or dataset). */
export function groupComparable<D extends ComparableDocument>(documents: Iterable<D>): Map<string, D[]> {
    const groups = new Map<string, D[]>();
    for (const document of documents) {
        const key = comparableKey(document);
        groups.set(key, [...(groups.get(key) ?? []), document]);
    }
    return groups;
}
