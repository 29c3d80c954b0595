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
