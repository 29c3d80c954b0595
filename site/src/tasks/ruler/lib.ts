// RULER on the site. A model's RULER documents (one per task) are grouped into runs: one run's
// documents form a table and a headline, never mixed with another run's or another
// configuration's (harness/util/comparable.ts). The headline (average over tasks per length, the
// effective length, missing tasks) and the difference from the ladder reference's run come from
// the contract's pure functions (rulerSummary, rulerSummaryDelta); the paired intervals from each
// document's scores.vsReference.
import {
    DEFAULT_THRESHOLDS, RULER_TASK_ORDER, rulerSummary, rulerSummaryDelta,
    type RulerComparison, type RulerScoreName, type RulerScores, type RulerSummary
} from "../../../../harness/tasks/ruler/contract.ts";
import type {MainDelta} from "../../../../harness/util/verdict.ts";
import {comparableKey} from "../../../../harness/util/comparable.ts";
import {fmt, fmtInt} from "../../lib/format.ts";
import type {DocEntry, Family, ModelEntry} from "../../lib/types.ts";

export const RULER_TYPE = "ruler";
export const SCORE_NAMES: readonly RulerScoreName[] = ["stringMatch", "lift"];
export const SCORE_LABEL: Record<RulerScoreName, string> = {stringMatch: "string match", lift: "lift"};
export const SCORE_UNIT: Record<RulerScoreName, string> = {stringMatch: "×100", lift: "nats"};

export interface RulerDoc {
    entry: DocEntry;
    scores: RulerScores;
}

/** One model's documents of one run: RULER's table and headline. */
export interface RulerRun {
    model: ModelEntry;
    runId: string;
    suite: string;
    /** The newest document's time. */
    createdAt: string;
    /** One document per task instance, in the summary's order (RULER's order first). */
    docs: RulerDoc[];
    byTask: Map<string, RulerDoc>;
    /** The documents' comparable keys (task id, config hash, data), sorted: runs with the same key measure the same thing. */
    configKey: string;
    /** The tasks' main score when they agree, else string match (RULER's). */
    mainScore: RulerScoreName;
    /** Per score, the headline with the effective length on that score's rule (string match > 85.6: RULER's; lift > 1 nat). */
    summaries: Record<RulerScoreName, RulerSummary>;
    /** Lengths in the documents, shortest first. */
    lengths: number[];
}

/** The RULER scores a document's view read, else undefined. */
export function rulerScoresOf(entry: DocEntry | undefined): RulerScores | undefined {
    return entry?.view?.type === RULER_TYPE ? (entry.view.data as RulerScores) : undefined;
}

/** The scores in the order a run shows them: its main score first. */
export const scoreOrder = (main: RulerScoreName): RulerScoreName[] => [main, ...SCORE_NAMES.filter((s) => s !== main)];

const runsCache = new WeakMap<ModelEntry, RulerRun[]>();

/** A model's RULER runs, newest first; within a run, the newest document per task id. */
export function rulerRuns(model: ModelEntry): RulerRun[] {
    const cached = runsCache.get(model);
    if (cached) return cached;
    const byRun = new Map<string, Map<string, RulerDoc>>();
    // model.docs are newest first: the first document seen per (run, task id) wins.
    for (const entry of model.docs) {
        const scores = rulerScoresOf(entry);
        if (!scores) continue;
        const docs = byRun.get(entry.doc.runId) ?? new Map<string, RulerDoc>();
        if (!docs.has(entry.doc.task.id)) docs.set(entry.doc.task.id, {entry, scores});
        byRun.set(entry.doc.runId, docs);
    }
    const runs = [...byRun].map(([runId, docs]) => runOf(model, runId, [...docs.values()]))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.runId.localeCompare(b.runId));
    runsCache.set(model, runs);
    return runs;
}

function runOf(model: ModelEntry, runId: string, list: RulerDoc[]): RulerRun {
    const documents = list.map((d) => d.entry.doc);
    const summaries = Object.fromEntries(SCORE_NAMES.map((score) => [score, rulerSummary(documents, {score})])) as Record<RulerScoreName, RulerSummary>;
    const byTask = new Map(list.map((d) => [d.entry.doc.task.id, d]));
    const mains = new Set(list.map((d) => d.scores.mainScore));
    return {
        model, runId, suite: list[0]!.entry.doc.suite.name,
        createdAt: list.map((d) => d.entry.doc.createdAt).sort().at(-1)!,
        docs: summaries.stringMatch.tasks.map((id) => byTask.get(id)!), byTask,
        configKey: list.map((d) => comparableKey(d.entry.doc)).sort().join("\n"),
        mainScore: mains.size === 1 ? [...mains][0]! : "stringMatch",
        summaries,
        lengths: summaries.stringMatch.byLength.map((b) => b.length)
    };
}

/** The model's newest RULER run. */
export function latestRun(model: ModelEntry): RulerRun | undefined {
    return rulerRuns(model)[0];
}

/** RULER's tasks this run has no document for (the headline averages over the run's tasks only). */
export function notRun(run: RulerRun): string[] {
    const names = new Set(run.docs.map((d) => d.scores.task));
    return RULER_TASK_ORDER.filter((task) => !names.has(task));
}

/** A task's figures at one length, with why it has none. */
export interface TaskCell {
    score: number | null;
    lift: number | null;
    trials: number;
    liftCi: [number, number] | null;
    /** Why there is no score: the skip reason, errors, or not planned at this length. */
    note?: string;
}

export function taskCell(doc: RulerDoc | undefined, length: number): TaskCell {
    const at = doc?.scores.byLength.find((b) => b.length === length);
    if (!doc) return {score: null, lift: null, trials: 0, liftCi: null, note: "no document"};
    if (!at) return {score: null, lift: null, trials: 0, liftCi: null, note: "not run at this length"};
    const note = at.trials > 0 ? undefined
        : at.skipReason ?? (at.errors > 0 ? `${at.errors} ${at.errors === 1 ? "sample" : "samples"} failed` : at.skipped > 0 ? "skipped" : "no samples");
    return {score: at.trials > 0 ? at.score : null, lift: at.trials > 0 ? at.lift : null, trials: at.trials, liftCi: at.liftCi, ...(note ? {note} : {})};
}

export const cellValue = (cell: TaskCell, score: RulerScoreName): number | null => (score === "stringMatch" ? cell.score : cell.lift);

/** A score's value as the tables show it: string match 0-100, lift in nats. */
export const fmtScore = (value: number | null | undefined): string => fmt(value);

export interface Headline {
    length: number;
    /** The average of this score over the tasks scored at that length. */
    value: number | null;
    tasks: number;
    of: number;
    missing: string[];
    /** Every task of the run has a score at this length (RULER's average); else the average is over fewer tasks. */
    complete: boolean;
}

/**
 * The run's headline on a score: the average at the longest length where every task scored,
 * else (no complete length) at the longest length with any score, marked incomplete.
 */
export function headline(run: RulerRun, score: RulerScoreName): Headline | null {
    const lengths = run.summaries.stringMatch.byLength.filter((b) => b.tasks.length > 0);
    const complete = lengths.filter((b) => b.missing.length === 0);
    const at = complete.at(-1) ?? lengths.at(-1);
    if (!at) return null;
    return {
        length: at.length, value: score === "stringMatch" ? at.average : at.averageLift,
        tasks: at.tasks.length, of: run.docs.length, missing: at.missing, complete: at.missing.length === 0
    };
}

/** The effective length on a score's rule, as text: "2,048", "< 512" (the shortest length is below), or "n/a" (no length where every task scored). */
export function effectiveText(run: RulerRun, score: RulerScoreName): {text: string; value: string; title: string} {
    const summary = run.summaries[score];
    const {length, threshold} = summary.effectiveLength;
    const rule = `${SCORE_LABEL[score]} > ${fmt(threshold)}${score === "lift" ? " nat" : ""}`;
    if (length !== null) return {text: fmtInt(length), value: String(length), title: `average ${rule} at every length up to this one`};
    const ran = summary.byLength.filter((b) => b.tasks.length > 0);
    const first = ran[0];
    if (!first) return {text: "—", value: "", title: "no task scored at any length"};
    if (first.missing.length > 0) {
        return {text: "n/a", value: "", title: `no effective length: the shortest length, ${fmtInt(first.length)}, lacks ${first.missing.join(", ")} (the rule needs every task)`};
    }
    return {text: `< ${fmtInt(first.length)}`, value: "0", title: `the average at the shortest length, ${fmtInt(first.length)}, is not ${rule}`};
}

export const thresholdOf = (score: RulerScoreName) => DEFAULT_THRESHOLDS[score];

/** The reference's run a file's run is compared with, and which of its tasks measure the same thing. */
export interface ReferencePairing {
    run: RulerRun;
    /** Task ids whose documents are comparable (same task id, config and data). */
    comparable: Set<string>;
    /** The reference's headline over the comparable tasks only. */
    summary: RulerSummary;
}

/**
 * The run of the ladder's reference to compare with: the same run when the reference ran in it,
 * else the reference's newest run with a comparable task; undefined for the reference itself,
 * a ladder without one, or no comparable task.
 */
export function referencePairing(run: RulerRun, family: Family | undefined): ReferencePairing | undefined {
    const ref = family?.reference;
    if (!ref || ref === run.model) return undefined;
    const keyOf = (d: RulerDoc) => comparableKey(d.entry.doc);
    const pair = (candidate: RulerRun) => new Set(run.docs.filter((d) => {
        const other = candidate.byTask.get(d.entry.doc.task.id);
        return other !== undefined && keyOf(other) === keyOf(d);
    }).map((d) => d.entry.doc.task.id));
    const runs = rulerRuns(ref);
    const chosen = [...runs.filter((r) => r.runId === run.runId), ...runs].find((r) => pair(r).size > 0);
    if (!chosen) return undefined;
    const comparable = pair(chosen);
    const summary = rulerSummary(chosen.docs.filter((d) => comparable.has(d.entry.doc.task.id)).map((d) => d.entry.doc));
    return {run: chosen, comparable, summary};
}

/** A change with its paired interval where the document has one. */
export interface DeltaCell {
    delta: number | null;
    ci: [number, number] | null;
    /** Paired over samples both files ran (vsReference), or a plain difference of the two documents' scores. */
    paired: boolean;
}

export const excludesZero = (ci: [number, number] | null): boolean => ci !== null && (ci[0] > 0 || ci[1] < 0);

/** CSS class of a change: coloured only when its paired interval excludes zero (higher is better for both scores). */
export function deltaTone(cell: DeltaCell): string {
    if (cell.delta === null || !excludesZero(cell.ci)) return "delta-none";
    return cell.delta > 0 ? "delta-pos" : "delta-neg";
}

const asCell = (d: MainDelta | undefined): DeltaCell => (d ? {delta: d.delta, ci: d.ci, paired: true} : {delta: null, ci: null, paired: false});

export interface TaskDelta {
    id: string;
    task: string;
    comparable: boolean;
    /** The document's comparison (vsReference), when it has one against this ladder's reference. */
    vs: RulerComparison | undefined;
    /** Over every paired sample: the paired change with its interval. */
    overall: Record<RulerScoreName, DeltaCell>;
    /** Per length: the paired mean change (vsReference.byLength; no interval per length), else the plain difference. */
    byLength: Map<number, Record<RulerScoreName, DeltaCell>>;
}

/** Per task of the run, its change from the reference: overall with the paired interval, and per length. */
export function taskDeltas(run: RulerRun, pairing: ReferencePairing): TaskDelta[] {
    const refSha = run.model.model.ladder.referenceSha256;
    return run.docs.map((d) => {
        const id = d.entry.doc.task.id;
        const comparable = pairing.comparable.has(id);
        const recorded = d.scores.vsReference;
        const vs = recorded && (!refSha || recorded.reference.sha256 === refSha) ? recorded : undefined;
        const other = comparable ? pairing.run.byTask.get(id) : undefined;
        const byLength = new Map(run.lengths.map((length) => {
            const paired = vs?.byLength.find((b) => b.length === length);
            if (paired && paired.pairs > 0) {
                return [length, {stringMatch: {delta: paired.deltaStringMatch, ci: null, paired: true}, lift: {delta: paired.deltaLift, ci: null, paired: true}}] as const;
            }
            const mine = taskCell(d, length);
            const theirs = taskCell(other, length);
            const diff = (s: RulerScoreName): DeltaCell => {
                const a = cellValue(mine, s);
                const b = cellValue(theirs, s);
                return {delta: other && a !== null && b !== null ? a - b : null, ci: null, paired: false};
            };
            return [length, {stringMatch: diff("stringMatch"), lift: diff("lift")}] as const;
        }));
        return {id, task: d.scores.task, comparable, vs, overall: {stringMatch: asCell(vs?.deltaStringMatch), lift: asCell(vs?.deltaLift)}, byLength};
    });
}

/** The headline's change per length (the contract's rulerSummaryDelta over the tasks both have). */
export function headlineDelta(run: RulerRun, pairing: ReferencePairing): Map<number, {tasks: string[]; stringMatch: number | null; lift: number | null}> {
    const candidate = rulerSummary(run.docs.filter((d) => pairing.comparable.has(d.entry.doc.task.id)).map((d) => d.entry.doc));
    return new Map(rulerSummaryDelta(pairing.summary, candidate).map((d) => [d.length, {tasks: d.tasks, stringMatch: d.deltaAverage, lift: d.deltaLift}]));
}

/** One table of the home and ladder pages: the runs that measure the same thing (same configuration key). */
export interface HeadlineTable {
    configKey: string;
    suites: string[];
    lengths: number[];
    /** RULER's tasks in this configuration. */
    tasks: number;
    mainScore: RulerScoreName;
    rows: {family: Family; run: RulerRun; pairing: ReferencePairing | undefined}[];
}

/** Each model's newest run, grouped by configuration; a table per configuration, the largest first. */
export function headlineTables(families: readonly Family[]): HeadlineTable[] {
    const tables = new Map<string, HeadlineTable>();
    for (const family of families) {
        for (const model of family.models) {
            const run = latestRun(model);
            if (!run) continue;
            const table = tables.get(run.configKey) ?? {configKey: run.configKey, suites: [], lengths: [], tasks: run.docs.length, mainScore: run.mainScore, rows: []};
            table.rows.push({family, run, pairing: referencePairing(run, family)});
            if (!table.suites.includes(run.suite)) table.suites.push(run.suite);
            table.lengths = [...new Set([...table.lengths, ...run.lengths])].sort((a, b) => a - b);
            tables.set(run.configKey, table);
        }
    }
    return [...tables.values()].sort((a, b) => b.rows.length - a.rows.length || a.configKey.localeCompare(b.configKey));
}
