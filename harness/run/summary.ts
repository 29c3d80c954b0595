import {rulerSummaries} from "../tasks/ruler/contract.js";
import type {ResultDocument} from "../results/schema.js";

const format = (value: number | null | undefined, digits: number) =>
    value == null || !Number.isFinite(value) ? "-" : value.toFixed(digits);

/** The table printed after a run: one row per (model file, task). */
export function summaryTable(documents: ResultDocument[]): string {
    const header = ["model", "quant", "bits/weight", "task", "main score", "trials ok/err/skip", "time s"];
    const rows = documents.map((doc) => [
        doc.model.id + (doc.model.ladder.isReference ? " (ref)" : ""),
        doc.model.quantLabel,
        format(doc.model.bitsPerWeight, 2),
        doc.task.id,
        `${format(doc.scores.main, 3)} ${doc.task.mainScore.name}`,
        `${doc.counts.ok}/${doc.counts.error}/${doc.counts.skipped}`,
        format(doc.performance ? doc.performance.wallMs / 1000 : null, 1)
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * RULER's headline per model when the run has RULER documents: the average over the tasks per
 * length (string match x100, with the mean lift in nats), and the effective length
 * (harness/tasks/ruler/contract.ts rulerSummaries). Empty when there are none.
 */
export function rulerHeadlineTable(documents: ResultDocument[]): string {
    const summaries = rulerSummaries(documents);
    if (summaries.length === 0) return "";
    const lengths = [...new Set(summaries.flatMap((s) => s.byLength.map((l) => l.length)))].sort((a, b) => a - b);
    const header = ["model", ...lengths.map(String), "effective length"];
    const rows = summaries.map((summary) => [
        summary.model,
        ...lengths.map((length) => {
            const entry = summary.byLength.find((l) => l.length === length);
            if (!entry || entry.average == null) return "-";
            const lift = entry.averageLift == null ? "" : ` / ${entry.averageLift >= 0 ? "+" : ""}${entry.averageLift.toFixed(2)}`;
            const partial = entry.missing.length > 0 ? ` (${entry.tasks.length}/${summary.tasks.length})` : "";
            return `${format(entry.average, 2)}${lift}${partial}`;
        }),
        summary.effectiveLength.length == null ? "-" : String(summary.effectiveLength.length)
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
    return ["RULER: average over tasks per length (string match x100 / lift in nats; tasks scored / tasks where some are missing)",
        line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
