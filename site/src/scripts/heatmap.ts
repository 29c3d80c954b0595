// Draws every <canvas data-heatmap> as a length x depth matrix (chartjs-chart-matrix).
// Cells without a value (skipped, errors, no reference) are hatched grey and labeled.
import {MatrixController, MatrixElement, type MatrixDataPoint} from "chartjs-chart-matrix";
import type {Plugin, ScriptableContext} from "chart.js";
import {HEATMAP_COLORS, heatmapRange, type HeatmapCell, type HeatmapSpec} from "../lib/charts.ts";
import {fmt} from "../lib/format.ts";
import {Chart, chartData} from "./chart-setup.ts";

Chart.register(MatrixController, MatrixElement);

function mix(a: number[], b: number[], t: number): string {
    const c = a.map((v, i) => Math.round(v + (b[i]! - v) * t));
    return `rgb(${c.join(",")})`;
}

/** Color intensity 0..1 and its sign: sequential scales run min..max, diverging ones center on 0 (the legend's range). */
function intensity(spec: HeatmapSpec, v: number): number {
    const [lo, hi] = heatmapRange(spec);
    const t = spec.scale === "seq" ? (v - lo) / (hi - lo || 1) : v / (hi || 1);
    return Math.min(1, Math.max(-1, t));
}

function colorOf(spec: HeatmapSpec, v: number): string {
    const t = intensity(spec, v);
    const {seq, div} = HEATMAP_COLORS;
    if (spec.scale === "seq") return mix([...seq.low], [...seq.high], Math.max(0, t));
    return t < 0 ? mix([...div.zero], [...div.negative], -t) : mix([...div.zero], [...div.positive], t);
}

function hatch(): CanvasPattern | string {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const ctx = tile.getContext("2d");
    if (!ctx) return "#ddd";
    ctx.fillStyle = "#e5e7eb";
    ctx.fillRect(0, 0, 8, 8);
    ctx.strokeStyle = "#9ca3af";
    ctx.beginPath();
    ctx.moveTo(0, 8);
    ctx.lineTo(8, 0);
    ctx.stroke();
    return ctx.createPattern(tile, "repeat") ?? "#ddd";
}

// Writes each cell's value (or note) into it, so the chart reads without hovering.
function cellLabels(spec: HeatmapSpec): Plugin<"matrix"> {
    return {
        id: "cellLabels",
        afterDatasetsDraw(chart) {
            const {ctx} = chart;
            ctx.save();
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            ctx.font = "11px system-ui, sans-serif";
            chart.getDatasetMeta(0).data.forEach((element, i) => {
                const cell = spec.cells[i]!;
                const {x, y} = element.tooltipPosition(false); // a matrix cell's center
                const text = cell.v === null ? cell.note ?? "n/a" : fmt(cell.v);
                ctx.fillStyle = cell.v !== null && Math.abs(intensity(spec, cell.v)) > 0.55 ? "#fff" : "#1b1f24";
                ctx.fillText(text, x ?? 0, y ?? 0);
            });
            ctx.restore();
        }
    };
}

for (const canvas of document.querySelectorAll<HTMLCanvasElement>("canvas[data-heatmap]")) {
    const spec = chartData<HeatmapSpec>(canvas);
    const pattern = hatch();
    new Chart(canvas, {
        type: "matrix",
        data: {
            datasets: [{
                label: spec.label,
                data: spec.cells as MatrixDataPoint[],
                backgroundColor: (c: ScriptableContext<"matrix">) => {
                    const cell = c.raw as HeatmapCell | undefined;
                    return !cell || cell.v === null ? pattern : colorOf(spec, cell.v);
                },
                borderColor: "#fff",
                borderWidth: 1,
                width: ({chart}) => (chart.chartArea?.width ?? 0) / spec.xs.length - 1,
                height: ({chart}) => (chart.chartArea?.height ?? 0) / spec.ys.length - 1
            }]
        },
        options: {
            scales: {
                x: {type: "category", labels: spec.xs, offset: true, grid: {display: false}, title: {display: true, text: spec.xLabel}},
                y: {type: "category", labels: spec.ys, offset: true, reverse: false, grid: {display: false}, title: {display: true, text: spec.yLabel}}
            },
            plugins: {
                legend: {display: false},
                tooltip: {callbacks: {
                    title: () => "",
                    label: (item) => {
                        const cell = item.raw as HeatmapCell;
                        const value = cell.v === null ? cell.note ?? "n/a" : fmt(cell.v);
                        return `${spec.xLabel} ${cell.x}, ${spec.yLabel} ${cell.y}: ${value}`;
                    }
                }}
            }
        },
        plugins: [cellLabels(spec)]
    });
}
