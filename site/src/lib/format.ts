// Number formatting shared by pages (build time) so tables read the same everywhere.
import {formatBytes} from "../../../harness/util/units.ts";

export function fmtNum(value: number | null | undefined, digits = 2): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    const places = Math.abs(value) >= 1000 ? 0 : digits;
    return value.toLocaleString("en-US", {minimumFractionDigits: places, maximumFractionDigits: places});
}

/** A byte count in binary units (harness/util/units.ts's formatBytes, as the CLI prints it); "—" when unknown. */
export function fmtBytes(bytes: number | null | undefined): string {
    return bytes === null || bytes === undefined || !Number.isFinite(bytes) ? "—" : formatBytes(bytes);
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
    const magnitude = fmtNum(Math.abs(value), digits);
    // A change that rounds to zero reads as none, not as "−0.00".
    const zero = /^[0.,]+$/.test(magnitude);
    return `${zero ? "±" : value > 0 ? "+" : value < 0 ? "−" : "±"}${magnitude}`;
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
    // KL divergences and the like: a fixed 2 decimals would print 0.0012 as 0.00.
    if (value !== null && value !== undefined && value !== 0 && Math.abs(value) < 0.1) return fmtSig(value, 3);
    return fmtNum(value, value !== null && value !== undefined && Math.abs(value) >= 10 ? 1 : 2);
}

/** Small quantities of any scale (KL divergences, 1 − cosine): `digits` significant figures. */
export function fmtSig(value: number | null | undefined, digits = 3): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    if (value === 0) return "0";
    if (Math.abs(value) >= 1000) return fmtNum(value, 0);
    if (Math.abs(value) < 1e-4) return value.toExponential(digits - 1).replace("-", "−");
    return String(Number(value.toPrecision(digits)));
}

/** A fraction (0..1) as a percentage. */
export function fmtPct(fraction: number | null | undefined, digits = 2): string {
    return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? "—" : `${fmtNum(100 * fraction, digits)} %`;
}

/** A change in a score of unknown scale: signed, with fmtScore's precision. */
export function fmtDeltaScore(value: number | null | undefined): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return "—";
    return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${fmtScore(Math.abs(value))}`;
}
