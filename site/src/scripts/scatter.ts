// Draws every <canvas data-scatter> from its data-chart JSON (see lib/charts.ts for the shape).
import type {ChartDataset} from "chart.js";
import type {ScatterSpec} from "../lib/charts.ts";
import {Chart, chartData} from "./chart-setup.ts";

for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-scatter]")) {
    const spec = chartData<ScatterSpec>(canvas);
    type Point = {x: number; y: number; name: string};
    const datasets = spec.series.map((s): ChartDataset<"scatter", Point[]> => ({
        label: s.label,
        data: s.points,
        showLine: Boolean(s.line),
        stepped: s.line === "stepped" ? "after" : false,
        borderColor: s.color,
        backgroundColor: s.color,
        pointStyle: s.pointStyle ?? "circle",
        pointRadius: s.radius ?? 4,
        pointHoverRadius: (s.radius ?? 4) + 2,
        borderWidth: s.line ? 2 : 1
    }));
    new Chart<"scatter", Point[]>(canvas, {
        type: "scatter",
        data: {datasets},
        options: {
            scales: {
                x: {type: spec.xLog ? "logarithmic" : "linear", title: {display: true, text: spec.xLabel}},
                y: {title: {display: true, text: spec.yLabel}}
            },
            plugins: {
                tooltip: {callbacks: {label: (item) => {
                    const p = item.raw as {x: number; y: number; name: string};
                    return `${p.name}: ${p.y.toFixed(2)} at ${p.x.toFixed(2)} ${spec.xUnit ?? ""}`;
                }}}
            }
        }
    });
}
