// What a task view gives the site: how to read its documents, which pages and columns it adds.
// Views live in site/src/tasks/<type>/ (view.ts, plus Page.astro, Ladder.astro, Overview.astro
// when it declares them) and are listed in site/src/tasks/registry.ts. A task type without a
// view gets the generic ones: its main score on the leaderboard, trade-off and ladder pages, and
// the run page with every scalar score and trial.
import type {ResultDocument} from "../../../harness/results/schema.ts";
import type {MainDelta} from "../../../harness/util/verdict.ts";
import type {DocEntry, Family, LoadedDoc, ModelEntry, TaskInfo} from "../lib/types.ts";

/** A view's reading of a document: its validated data, or why it is invalid (naming the field). */
export type Parsed<D> = {ok: true; data: D} | {ok: false; error: string};

/** A table cell, formatted at build time. */
export interface Cell {
    text: string;
    /** Sort value (data-v); "" sorts last. */
    value?: string;
    /** A second line under the value (an interval ...). */
    sub?: string;
    title?: string;
    href?: string;
    /** Extra CSS classes (delta-pos, delta-neg, muted ...). */
    class?: string;
}

/** A leaderboard column a view adds after its task's score column. */
export interface LeaderboardColumn {
    /** Unique among the columns, e.g. "ctx:niah-short" (the sort key in the URL). */
    key: string;
    header: string;
    /** The smaller second header line. */
    sub: string;
    title: string;
    /** Whether the picker shows the column before the reader asks for it. */
    shownByDefault?: boolean;
    cell(entry: DocEntry | undefined): Cell;
}

/** A leaderboard column for a view's tasks together (a suite headline), shown once per view. */
export interface SuiteColumn {
    /** Unique among the columns, e.g. "ruler:avg:lift" (the sort key in the URL). */
    key: string;
    header: string;
    sub: string;
    title: string;
    /** Whether the picker shows the column before the reader asks. */
    shownByDefault?: boolean;
    cell(model: ModelEntry): Cell;
}

/** A row of a task's table on the ladder page. */
export interface LadderRow<D> {
    model: ModelEntry;
    entry: DocEntry | undefined;
    data: D | undefined;
    /** This row is the ladder's reference (and the ladder has more than one file). */
    isReference: boolean;
    family: Family;
}

/** A column a view adds to its task's table on the ladder page. */
export interface LadderColumn<D> {
    header: string;
    title?: string;
    numeric?: boolean;
    cell(row: LadderRow<D>): Cell;
}

export interface TaskView<D> {
    /** The task type (ResultDocument.task.type) this view renders; also its folder name. */
    type: string;
    /** Short human name: "NIAH", "STS". */
    name: string;
    /** Reads and validates the task-specific parts of a document (scores block, per-trial records). */
    parse(doc: ResultDocument): Parsed<D>;
    /** A page per model file under /<segment>/<model slug>/, drawn by <type>/Page.astro. */
    modelPage?: {segment: string; linkText: string};
    /** A page for the task type under /<segment>/, drawn by <type>/Overview.astro. */
    overview?: {segment: string; title: string};
    /**
     * The main score compares the file with its ladder's reference by itself (fidelity's KL
     * divergence): the ladder table has no change-from-reference columns, and the score is never
     * put on one chart or front with another ladder's.
     */
    withinLadder?: boolean;
    /**
     * The view's task ids are parts of one suite with a headline of its own (RULER: the average
     * over its tasks per length, the effective length). The home page then shows the view's
     * Suite.astro (props {families}) once instead of a frontier per task, the ladder page shows it
     * above the per-task sections, and the leaderboard shows `columns` once; the per-task columns
     * stay in the column picker, off by default.
     */
    suite?: {title: string; columns(models: ModelEntry[]): SuiteColumn[]};
    /** Columns after the task's score on the leaderboard. */
    leaderboardColumns?(task: TaskInfo, models: ModelEntry[]): LeaderboardColumn[];
    /** Columns of the task's table on the ladder page (after the main score). */
    ladderColumns?: LadderColumn<D>[];
    /** Its ladder columns replace the generic "change vs reference" ones. */
    replacesChangeColumns?: boolean;
    /** A note under the task's ladder table. */
    ladderNote?: string;
    /** The paired change of the main score for documents that predate scores.vsReference.mainDelta. */
    mainDelta?(data: D | undefined): MainDelta | null;
    /** The task's equivalence margin for the verdict (its contract's EQUIVALENCE_MARGIN), in main-score units. */
    equivalenceMargin?(data: D | undefined): number | null;
    /** What a score rests on, shown as n under it (default: trials that ran). */
    sampleSize?(data: D | undefined): {n: number; unit: string} | null;
}

/** A registered view, with a typed accessor for what it read from a document. */
export interface RegisteredView<D> extends TaskView<D> {
    /** The view's data for a document of its type, else undefined. */
    of(entry: LoadedDoc | undefined): D | undefined;
}

export function defineView<D>(view: TaskView<D>): RegisteredView<D> {
    return {...view, of: (entry) => (entry?.view?.type === view.type ? (entry.view.data as D) : undefined)};
}
