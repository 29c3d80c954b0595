// What the leaderboard computes at build time: the task it sorts by first, ranks with ties where
// intervals overlap, and each score cell's text (reference, partial, n).
import {ciOf, type SiteData} from "./data.ts";
import {isPartial} from "./honest.ts";
import type {DocEntry, ModelEntry, TaskInfo} from "./types.ts";
import {viewFor} from "./views.ts";
import {viewOf} from "../tasks/registry.ts";

/** Tasks measured within a ladder (fidelity): never ranked or put on a front across ladders. */
export const isWithinLadder = (task: TaskInfo) => Boolean(viewOf(task.type)?.withinLadder);

/** Tasks that are parts of a suite with its own headline (RULER): shown through the suite's columns and sections, not one by one. */
export const isSuiteTask = (task: TaskInfo) => Boolean(viewOf(task.type)?.suite);

/**
 * The task the leaderboard sorts and ranks by when the reader has not chosen: the across-ladder
 * task most models have a score on, a task of its own before a suite's part.
 */
export function defaultTask(data: SiteData): TaskInfo | undefined {
    const count = (t: TaskInfo) => data.models.filter((m) => m.latest.get(t.id)?.doc.scores.main != null).length;
    return data.tasks.filter((t) => !isWithinLadder(t))
        .sort((a, b) => Number(isSuiteTask(a)) - Number(isSuiteTask(b)) || count(b) - count(a) || a.id.localeCompare(b.id))[0];
}

/** A score's interval for ranking: its CI, else the point itself. */
function interval(entry: DocEntry): [number, number] {
    const ci = ciOf(entry.doc.scores, "main");
    const v = entry.doc.scores.main!;
    return ci ?? [v, v];
}

/**
 * Ranks as LMArena shows them: 1 + the number of models whose interval lies entirely on the
 * better side of this one's. Overlapping intervals share a rank. Partial scores, missing scores
 * and within-ladder tasks get none.
 */
export function ranks(models: ModelEntry[], task: TaskInfo): Map<ModelEntry, number> {
    if (isWithinLadder(task)) return new Map();
    const ranked = models.flatMap((m) => {
        const entry = m.latest.get(task.id);
        return entry && entry.doc.scores.main != null && !isPartial(entry.doc) ? [{m, ci: interval(entry)}] : [];
    });
    const better = (a: [number, number], b: [number, number]) => (task.mainScore.higherIsBetter ? a[0] > b[1] : a[1] < b[0]);
    return new Map(ranked.map(({m, ci}) => [m, 1 + ranked.filter((o) => better(o.ci, ci)).length]));
}

/** What a score rests on: the view's unit (STS pairs, fidelity tokens) or trials that ran. */
export function sampleSize(entry: DocEntry): {n: number; unit: string} {
    const view = viewFor(entry);
    return view?.sampleSize?.(view.of(entry)) ?? {n: entry.doc.coverage?.ok ?? entry.doc.counts.ok, unit: "trials"};
}

/** A within-ladder score of the ladder's reference is its distance to itself: shown as "reference", not 0. */
export function isOwnReference(entry: DocEntry | undefined, task: TaskInfo): boolean {
    return Boolean(entry && isWithinLadder(task) && entry.doc.model.ladder.isReference);
}
