// Shapes of the chart specs pages hand to the client scripts (through data-chart attributes).
import {fmt} from "./format.ts";
import type {MemoryParams} from "./memory.ts";

export interface ScatterSeries {
    label: string;
    color: string;
    /** lo/hi: an interval drawn as a vertical whisker (e.g. a 95% CI). */
    /** mem: what the trade-off page's context control needs to recompute x (lib/memory.ts). */
    /** group: the ladder a point belongs to (within-ladder measures never mix ladders in one series). */
    /** label: written beside the point (a quant name). */
    points: {x: number; y: number; name: string; lo?: number; hi?: number; mem?: MemoryParams; group?: string; label?: string}[];
    /** Per point colours (e.g. by ladder), overriding color. */
    pointColors?: string[];
    line?: "straight" | "stepped";
    /** A dashed line (reference levels such as a baseline's score). */
    dashed?: boolean;
    pointStyle?: "circle" | "star" | "rectRot" | "triangle";
    /** Per point, overriding pointStyle (e.g. models whose memory is not an estimate). */
    pointStyles?: ("circle" | "star" | "rectRot" | "triangle")[];
    radius?: number;
}

export interface ScatterSpec {
    xLabel: string;
    yLabel: string;
    xUnit?: string;
    xLog?: boolean;
    yLog?: boolean;
    series: ScatterSeries[];
    /** Trade-off charts: x is memory at a context length; series[0] models (with mem), series[1] the Pareto front, the rest dashed levels. */
    memory?: {higherIsBetter: boolean; context: number};
}

/** Values per category (quantization level ...), each optionally with an interval. */
export interface IntervalSpec {
    xLabel: string;
    yLabel: string;
    categories: string[];
    series: {
        label: string;
        color: string;
        points: {x: string; y: number; lo?: number; hi?: number}[];
        pointStyle?: "circle" | "star" | "rectRot" | "triangle";
        radius?: number;
        /** Join the points; dashed for reference levels (baselines, zero). */
        line?: "solid" | "dashed";
    }[];
    yLog?: boolean;
}

export interface HeatmapCell {
    x: string;
    y: string;
    v: number | null;
    /** Shown in the cell instead of a value: "skipped", "error", "no ref" ... */
    note?: string;
}

export interface HeatmapSpec {
    xLabel: string;
    yLabel: string;
    xs: string[];
    ys: string[];
    cells: HeatmapCell[];
    /** seq: low..high in one hue; div: negative red, zero white, positive blue (centered on 0). */
    scale: "seq" | "div";
    min: number;
    max: number;
    label: string;
}

/**
 * The home page's frontier of a task: one line per ladder through its quantization levels, x on a
 * log2 axis (memory or bits per weight, the reader's choice), models without weights as labelled
 * horizontal lines. Same-tensor files are one point carrying every label.
 */
export interface FrontierPoint {
    /** Memory at the spec's context (MiB); null when unknown. */
    mem: number | null;
    bpw: number;
    y: number;
    lo?: number;
    hi?: number;
    /** Quant labels of the files this point stands for (two when they hold the same tensors). */
    labels: string[];
    files: string[];
    /** The ladder's reference (starred). */
    ref: boolean;
    /** A partial score (hollow). */
    partial: boolean;
}

export interface FrontierSpec {
    task: string;
    yLabel: string;
    higherIsBetter: boolean;
    /** Context length the memory figures are at. */
    context: number;
    ladders: {family: string; color: string; points: FrontierPoint[]}[];
    levels: {label: string; y: number; color: string}[];
}

export const COLORS = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];

/** Heatmap colour stops (RGB), shared by the drawing script and the server-rendered legend. */
export const HEATMAP_COLORS = {
    seq: {low: [247, 251, 255], high: [8, 69, 148]},
    div: {negative: [178, 24, 43], zero: [255, 255, 255], positive: [33, 102, 172]}
} as const;

const rgb = (c: readonly number[]) => `rgb(${c.join(",")})`;

/** The value range a heatmap's colours span: min..max for sequential scales, symmetric around 0 for diverging ones. */
export function heatmapRange(spec: Pick<HeatmapSpec, "scale" | "min" | "max">): [number, number] {
    if (spec.scale === "seq") return [spec.min, spec.max];
    const m = Math.max(Math.abs(spec.min), Math.abs(spec.max));
    return [-m, m];
}

/** A colour legend for a heatmap: a CSS gradient and its end (and, diverging, middle) labels. */
export function heatmapLegend(spec: Pick<HeatmapSpec, "scale" | "min" | "max" | "label">): {gradient: string; ticks: string[]; label: string} {
    const [lo, hi] = heatmapRange(spec);
    if (spec.scale === "seq")
        return {gradient: `linear-gradient(to right, ${rgb(HEATMAP_COLORS.seq.low)}, ${rgb(HEATMAP_COLORS.seq.high)})`, ticks: [fmt(lo), fmt(hi)], label: spec.label};
    const {negative, zero, positive} = HEATMAP_COLORS.div;
    return {gradient: `linear-gradient(to right, ${rgb(negative)}, ${rgb(zero)}, ${rgb(positive)})`, ticks: [fmt(lo), "0", `+${fmt(hi)}`], label: spec.label};
}
