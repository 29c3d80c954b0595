// Draws every <canvas data-intervals>: values per category (quantization level) with their
// intervals as whiskers, and dashed reference levels (baseline, zero). Shape: lib/charts.ts IntervalSpec.
import type {ChartDataset} from "chart.js";
import type {IntervalSpec} from "../lib/charts.ts";
import {fmt} from "../lib/format.ts";
import {Chart, chartData, intervalRange, intervalText, logTick, whiskers} from "./chart-setup.ts";

/** Whole decades around the values, so no point sits on the frame. */
function logRange(spec: IntervalSpec): {min?: number; max?: number} {
    const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
    if (!ys.length) return {};
    return {min: 10 ** Math.floor(Math.log10(Math.min(...ys))), max: 10 ** Math.ceil(Math.log10(Math.max(...ys)))};
}

for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-intervals]")) {
    const spec = chartData<IntervalSpec>(canvas);
    type Point = IntervalSpec["series"][number]["points"][number];
    const datasets = spec.series.map((s): ChartDataset<"line", Point[]> => ({
        label: s.label,
        data: s.points,
        showLine: Boolean(s.line),
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.line === "dashed" ? [6, 4] : [],
        borderWidth: s.line ? 2 : 1,
        pointStyle: s.pointStyle ?? "circle",
        pointRadius: s.radius ?? 5,
        pointHoverRadius: (s.radius ?? 5) + 2
    }));
    new Chart<"line", Point[]>(canvas, {
        type: "line",
        data: {labels: spec.categories, datasets},
        options: {
            scales: {
                x: {type: "category", offset: true, title: {display: true, text: spec.xLabel}},
                y: {type: spec.yLog ? "logarithmic" : "linear", title: {display: true, text: spec.yLabel},
                    ...(spec.yLog ? logRange(spec) : intervalRange(spec.series.flatMap((s) => s.points))),
                    ...(spec.yLog ? {ticks: {callback: (value: string | number) => logTick(Number(value))}} : {})}
            },
            plugins: {
                tooltip: {callbacks: {label: (item) => {
                    const p = item.raw as Point;
                    return `${item.dataset.label} ${p.x}: ${fmt(p.y)}${intervalText(p)}`;
                }}}
            }
        },
        plugins: [whiskers()]
    });
}
