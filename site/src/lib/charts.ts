// Shapes of the chart specs pages hand to the client scripts (through data-chart attributes).

export interface ScatterSeries {
    label: string;
    color: string;
    points: {x: number; y: number; name: string}[];
    line?: "straight" | "stepped";
    pointStyle?: "circle" | "star" | "rectRot" | "triangle";
    radius?: number;
}

export interface ScatterSpec {
    xLabel: string;
    yLabel: string;
    xUnit?: string;
    xLog?: boolean;
    series: ScatterSeries[];
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

export const COLORS = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
