// Number formatting shared by pages (build time) so tables read the same everywhere.

export function fmtNum(value: number | null | undefined, digits = 2): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    const places = Math.abs(value) >= 1000 ? 0 : digits;
    return value.toLocaleString("en-US", {minimumFractionDigits: places, maximumFractionDigits: places});
}

export function fmtBytes(bytes: number | null | undefined): string {
    if (bytes === null || bytes === undefined) return "—";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    return `${value.toFixed(unit === 0 ? 0 : value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function fmtCount(value: number | null | undefined): string {
    if (value === null || value === undefined) return "—";
    for (const [limit, suffix] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]] as const) {
        if (value >= limit) return `${(value / limit).toFixed(value / limit >= 100 ? 0 : 1)}${suffix}`;
    }
    return String(value);
}

export function fmtDelta(value: number | null | undefined, digits = 2): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${fmtNum(Math.abs(value), digits)}`;
}

export function fmtCi(ci: [number, number] | null, digits = 2): string {
    return ci ? `[${fmtNum(ci[0], digits)}, ${fmtNum(ci[1], digits)}]` : "";
}

export function fmtMs(ms: number | null | undefined): string {
    if (ms === null || ms === undefined) return "—";
    return ms >= 1000 ? `${fmtNum(ms / 1000, 2)} s` : `${fmtNum(ms, 0)} ms`;
}

/** Scores of unknown scale: fewer decimals once the value is large (0-100 percentages vs. nats). */
export function fmtScore(value: number | null | undefined): string {
    return fmtNum(value, value !== null && value !== undefined && Math.abs(value) >= 10 ? 1 : 2);
}
