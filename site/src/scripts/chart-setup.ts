// Chart.js, tree-shaken to what the site draws. Animations are off: charts should be readable
// (and testable) the moment they appear.
import {fmt, fmtInterval} from "../lib/format.ts";
import {CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip, type ChartType, type Plugin} from "chart.js";

Chart.register(ScatterController, LineController, PointElement, LineElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
// Pages with charts expose Chart.js, so Chart.getChart(canvas) reads any chart's datasets (tests, debugging).
(window as unknown as {Chart: typeof Chart}).Chart = Chart;

/** Chart data is rendered by the page into a data attribute (escaped by Astro, parsed here). */
export function chartData<T>(canvas: HTMLElement): T {
    return JSON.parse(canvas.dataset.chart ?? "null") as T;
}

type Interval = {lo?: number; hi?: number};
const hasInterval = (p: unknown): p is Required<Interval> =>
    typeof (p as Interval | null)?.lo === "number" && typeof (p as Interval).hi === "number";

/** The y range the intervals need (Chart.js scales only look at y): for suggestedMin/Max. */
export function intervalRange(points: unknown[]): {suggestedMin?: number; suggestedMax?: number} {
    const withCi = points.filter(hasInterval);
    return withCi.length ? {suggestedMin: Math.min(...withCi.map((p) => p.lo)), suggestedMax: Math.max(...withCi.map((p) => p.hi))} : {};
}

/** Draws a vertical whisker with caps for every point that has lo and hi (a confidence interval). */
export function whiskers<T extends ChartType>(): Plugin<T> {
    return {
        id: "whiskers",
        afterDatasetsDraw(chart) {
            const {ctx} = chart;
            const y = chart.scales.y;
            if (!y) return;
            chart.data.datasets.forEach((dataset, i) => {
                if (!chart.isDatasetVisible(i)) return;
                const meta = chart.getDatasetMeta(i);
                (dataset.data as unknown[]).forEach((raw, j) => {
                    const element = meta.data[j];
                    if (!hasInterval(raw) || !element) return;
                    const x = element.x;
                    const top = y.getPixelForValue(raw.hi);
                    const bottom = y.getPixelForValue(raw.lo);
                    ctx.save();
                    ctx.strokeStyle = String(dataset.borderColor ?? "#333");
                    ctx.lineWidth = 1.5;
                    ctx.beginPath();
                    ctx.moveTo(x, top);
                    ctx.lineTo(x, bottom);
                    ctx.moveTo(x - 5, top);
                    ctx.lineTo(x + 5, top);
                    ctx.moveTo(x - 5, bottom);
                    ctx.lineTo(x + 5, bottom);
                    ctx.stroke();
                    ctx.restore();
                });
            });
        }
    };
}

export interface PointLabel {
    text: string;
    /** Lower first: a label that would overlap one already written is left out. */
    priority: number;
    align?: "left" | "right";
}

type Box = {x: number; y: number; w: number; h: number};
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Writes a label beside each point that has one (textOf), in its dataset's colour. A label that
 * would overlap one already written is left out (the tooltip and the table have it).
 */
export function pointLabels<T extends ChartType>(textOf: (raw: unknown, index: number) => PointLabel | null): Plugin<T> {
    return {
        id: "pointLabels",
        afterDatasetsDraw(chart) {
            const {ctx} = chart;
            ctx.save();
            ctx.font = "11px system-ui, sans-serif";
            ctx.textBaseline = "bottom";
            const wanted: (PointLabel & {x: number; y: number; color: string})[] = [];
            chart.data.datasets.forEach((dataset, i) => {
                if (!chart.isDatasetVisible(i)) return;
                const meta = chart.getDatasetMeta(i);
                (dataset.data as unknown[]).forEach((raw, j) => {
                    const element = meta.data[j];
                    const label = element ? textOf(raw, j) : null;
                    if (!label || !element) return;
                    const colors = dataset.borderColor;
                    const color = Array.isArray(colors) ? String(colors[j] ?? "#333") : String(colors ?? "#333");
                    wanted.push({...label, x: label.align === "right" ? element.x : element.x + 6, y: element.y - 3, color});
                });
            });
            const drawn: Box[] = [];
            for (const label of wanted.sort((a, b) => a.priority - b.priority)) {
                const w = ctx.measureText(label.text).width;
                const box = {x: label.align === "right" ? label.x - w : label.x, y: label.y - 12, w, h: 12};
                if (drawn.some((d) => overlaps(d, box))) continue;
                drawn.push(box);
                ctx.fillStyle = label.color;
                ctx.textAlign = label.align ?? "left";
                ctx.fillText(label.text, label.x, label.y);
            }
            ctx.restore();
        }
    };
}

/** Linear-axis tick labels in the site's number format (2.5e−5, not 2.500000E-5). */
export function compactTick(value: string | number): string {
    return fmt(Number(value));
}

/** " [lo, hi]" for a tooltip, or "" without an interval. */
export function intervalText(raw: unknown): string {
    return hasInterval(raw) ? ` ${fmtInterval([raw.lo, raw.hi])}` : "";
}

/** Log-axis labels: only 1, 2, 3 and 5 times a power of ten, in the site's number format. */
export function logTick(value: number): string {
    const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
    return [1, 2, 3, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? fmt(value) : "";
}

export {Chart};
