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
