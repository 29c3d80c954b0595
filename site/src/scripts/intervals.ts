// Draws every <canvas data-intervals>: values per category (quantization level) with their
// intervals as whiskers, and dashed reference levels (baseline, zero). Shape: lib/charts.ts IntervalSpec.
import type {ChartDataset} from "chart.js";
import type {IntervalSpec} from "../lib/charts.ts";
import {Chart, chartData, intervalRange, intervalText, whiskers} from "./chart-setup.ts";

/** Whole decades around the values, so no point sits on the frame. */
function logRange(spec: IntervalSpec): {min?: number; max?: number} {
    const ys = spec.series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
    if (!ys.length) return {};
    return {min: 10 ** Math.floor(Math.log10(Math.min(...ys))), max: 10 ** Math.ceil(Math.log10(Math.max(...ys)))};
}

/** 0.03, 0.001, 3e-4, 1e-5 rather than 0.000010; only 1, 2, 3 and 5 times a power of ten are labeled. */
function logTick(value: number): string {
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    if (![1, 2, 3, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return "";
    return value >= 1e-3 ? String(Number(value.toPrecision(2))) : value.toExponential(0);
}

for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-intervals]")) {
    const spec = chartData<IntervalSpec>(canvas);
    type Point = IntervalSpec["series"][number]["points"][number];
    const digits = spec.digits ?? 2;
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
                    const value = spec.yLog ? p.y.toPrecision(3) : p.y.toFixed(digits);
                    return `${item.dataset.label} ${p.x}: ${value}${intervalText(p, digits)}`;
                }}}
            }
        },
        plugins: [whiskers()]
    });
}
