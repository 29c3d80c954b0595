// Draws every <canvas data-frontier>: one line per ladder through its quantization levels, each
// point labelled with its quant name(s), the reference starred, partial scores hollow, hosted
// models and baselines as labelled dashed lines. x is log2 of memory or of bits per weight; the
// form #frontier-x switches every frontier on the page and keeps the choice in the URL (?x=bpw).
import type {Chart as ChartType, ChartDataset} from "chart.js";
import type {FrontierPoint, FrontierSpec} from "../lib/charts.ts";
import {fmt, fmtInterval} from "../lib/format.ts";
import {contextLabel} from "../lib/memory.ts";
import {Chart, chartData, intervalRange, pointLabels, whiskers} from "./chart-setup.ts";

type Mode = "memory" | "bpw";
/** A plotted point: x is log2 of the chosen quantity. */
type Plotted = FrontierPoint & {x: number; family: string};
type LevelPoint = {x: number; y: number; level: string};

const xOf = (p: FrontierPoint, mode: Mode) => (mode === "memory" ? p.mem : p.bpw);

function xTitle(spec: FrontierSpec, mode: Mode): string {
    return mode === "memory" ? `memory at ${contextLabel(spec.context)} tokens of context (MiB, log2 scale)` : "bits per weight (log2 scale)";
}

function datasets(spec: FrontierSpec, mode: Mode): ChartDataset<"scatter", (Plotted | LevelPoint)[]>[] {
    const ladders = spec.ladders.map((l) => {
        const points = l.points.filter((p) => (xOf(p, mode) ?? 0) > 0).map((p): Plotted => ({...p, x: Math.log2(xOf(p, mode)!), family: l.family}));
        return {
            label: l.family, data: points, showLine: true, borderColor: l.color, backgroundColor: l.color, borderWidth: 2,
            pointStyle: points.map((p) => (p.ref ? "star" : "circle")), pointRadius: points.map((p) => (p.ref ? 9 : 4)),
            pointBackgroundColor: points.map((p) => (p.partial ? "#fff" : l.color)), pointHoverRadius: 7
        } satisfies ChartDataset<"scatter", Plotted[]>;
    });
    const xs = ladders.flatMap((d) => d.data.map((p) => p.x));
    const [lo, hi] = xs.length ? [Math.min(...xs) - 0.1, Math.max(...xs) + 0.1] : [0, 1];
    const levels = spec.levels.map((level) => ({
        label: level.label, data: [{x: lo, y: level.y, level: level.label}, {x: hi === lo ? lo + 1 : hi, y: level.y, level: level.label}],
        showLine: true, borderColor: level.color, backgroundColor: level.color, borderDash: [6, 4], borderWidth: 2, pointRadius: 0, pointHoverRadius: 3
    } satisfies ChartDataset<"scatter", LevelPoint[]>));
    return [...ladders, ...levels];
}

/** Each point's quant label(s) beside it (references first), each level's name at its right end. */
const labels = () => pointLabels<"scatter">((raw, j) => {
    const p = raw as Plotted | LevelPoint;
    if ("labels" in p) return {text: p.labels.join(" = ") + (p.partial ? " (partial)" : ""), priority: p.ref ? 0 : 2};
    return j === 1 ? {text: p.level, priority: 1, align: "right"} : null;
});

/** The x range around the points (log2 units) and a tick step that gives a few labelled ticks even within one octave. */
function xRange(datasets: ChartDataset<"scatter", (Plotted | LevelPoint)[]>[]): {min: number; max: number; stepSize: number} {
    const xs = datasets.flatMap((d) => d.data.filter((p): p is Plotted => "labels" in p).map((p) => p.x));
    if (xs.length === 0) return {min: 0, max: 1, stepSize: 1};
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const span = hi - lo;
    const stepSize = span > 4 ? 1 : span > 1.5 ? 0.5 : 0.25;
    const pad = Math.max(0.15, 0.06 * span);
    return {min: lo - pad, max: hi + pad + 0.35 * stepSize, stepSize};
}

function draw(canvas: HTMLCanvasElement, mode: Mode): void {
    const spec = chartData<FrontierSpec>(canvas);
    const existing = Chart.getChart(canvas);
    if (existing) existing.destroy();
    canvas.dataset.x = mode;
    const data = datasets(spec, mode);
    const range = xRange(data);
    new Chart<"scatter", (Plotted | LevelPoint)[]>(canvas, {
        type: "scatter",
        data: {datasets: data},
        options: {
            layout: {padding: {right: 24, top: 8}},
            scales: {
                x: {type: "linear", min: range.min, max: range.max, title: {display: true, text: xTitle(spec, mode)},
                    ticks: {stepSize: range.stepSize, callback: (v) => {
                        const step = Number(v) / range.stepSize;
                        return Math.abs(step - Math.round(step)) < 1e-6 ? fmt(2 ** Number(v)) : "";
                    }}},
                y: {title: {display: true, text: spec.yLabel}, ticks: {callback: (v) => fmt(Number(v))},
                    ...intervalRange(spec.ladders.flatMap((l) => l.points))}
            },
            plugins: {
                legend: {labels: {usePointStyle: true, boxHeight: 8}},
                tooltip: {callbacks: {label: (item) => {
                    const p = item.raw as Plotted | LevelPoint;
                    if (!("labels" in p)) return `${p.level}: ${fmt(p.y)}`;
                    const x = mode === "memory" ? `${fmt(p.mem)} MiB` : `${fmt(p.bpw)} bits/weight`;
                    return `${p.family} ${p.labels.join(" = ")}${p.ref ? " (reference)" : ""}: ${fmt(p.y)} ${fmtInterval(p.lo !== undefined && p.hi !== undefined ? [p.lo, p.hi] : null)} at ${x}`;
                }}}
            }
        },
        plugins: [whiskers(), labels()]
    }) as ChartType;
}

const canvases = [...document.querySelectorAll<HTMLCanvasElement>("canvas[data-frontier]")];
if (canvases.length) {
    const form = document.querySelector<HTMLFormElement>("#frontier-x");
    const fromUrl = new URLSearchParams(location.search).get("x");
    let mode: Mode = fromUrl === "bpw" ? "bpw" : "memory";
    const apply = () => {
        for (const canvas of canvases) draw(canvas, mode);
        const q = new URLSearchParams(location.search);
        if (mode === "bpw") q.set("x", "bpw");
        else q.delete("x");
        history.replaceState(null, "", q.size ? `?${q}` : location.pathname);
    };
    if (form) {
        const input = form.querySelector<HTMLInputElement>(`input[value="${mode}"]`);
        if (input) input.checked = true;
        form.addEventListener("change", () => {
            mode = (new FormData(form).get("x") as Mode | null) ?? "memory";
            apply();
        });
        form.hidden = false;
    }
    apply();
}
