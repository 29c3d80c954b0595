// Draws every <canvas data-scatter> from its data-chart JSON (see lib/charts.ts for the shape).
// Points with lo/hi get a whisker (their confidence interval); points with a label get it written beside them.
import type {ChartDataset} from "chart.js";
import type {ScatterSpec} from "../lib/charts.ts";
import {fmt} from "../lib/format.ts";
import {Chart, chartData, compactTick, intervalRange, intervalText, logTick, pointLabels, whiskers} from "./chart-setup.ts";

for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-scatter]")) {
    const spec = chartData<ScatterSpec>(canvas);
    type Point = ScatterSpec["series"][number]["points"][number];
    const datasets = spec.series.map((s): ChartDataset<"scatter", Point[]> => ({
        label: s.label,
        data: s.points,
        showLine: Boolean(s.line),
        stepped: s.line === "stepped" ? "after" : false,
        borderColor: s.pointColors ?? s.color,
        backgroundColor: s.pointColors ?? s.color,
        borderDash: s.dashed ? [6, 4] : [],
        pointStyle: s.pointStyles ?? s.pointStyle ?? "circle",
        pointRadius: s.radius ?? 4,
        pointHoverRadius: (s.radius ?? 4) + 2,
        borderWidth: s.line ? 2 : 1
    }));
    new Chart<"scatter", Point[]>(canvas, {
        type: "scatter",
        data: {datasets},
        options: {
            scales: {
                // grace: room at both ends, so a point at the edge (the reference, say) is not cut in half.
                x: {type: spec.xLog ? "logarithmic" : "linear", title: {display: true, text: spec.xLabel}, ...(spec.xLog ? {} : {grace: "4%"})},
                y: spec.yLog
                    ? {type: "logarithmic", title: {display: true, text: spec.yLabel}, ticks: {callback: (v) => logTick(Number(v))}}
                    : {title: {display: true, text: spec.yLabel}, ticks: {callback: compactTick}, ...intervalRange(spec.series.flatMap((s) => s.points))}
            },
            plugins: {
                tooltip: {callbacks: {label: (item) => {
                    const p = item.raw as Point;
                    return `${p.group ? `${p.group} ` : ""}${p.name}: ${fmt(p.y)}${intervalText(p)} at ${fmt(p.x)} ${spec.xUnit ?? ""}`;
                }}}
            }
        },
        plugins: [whiskers(), pointLabels((raw) => {
            const label = (raw as Point).label;
            return label ? {text: label, priority: 1} : null;
        })]
    });
}
