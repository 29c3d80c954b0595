// The site's one number format, used at build time and by the client scripts: 3 significant
// digits, scientific only below 1e-4, thousands separators from 1,000, a true minus sign.
import {formatBytes} from "../../../harness/util/units.ts";

const MINUS = "\u2212";
const missing = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

/** 62.3, 0.00123, 1.23e−5, 12,345, "—" when missing. */
export function fmt(value: number | null | undefined): string {
    if (missing(value)) return "—";
    if (value === 0) return "0";
    const abs = Math.abs(value);
    const sign = value < 0 ? MINUS : "";
    if (abs < 1e-4) {
        const [mantissa, exponent] = abs.toExponential(2).split("e");
        return `${sign}${Number(mantissa)}e${exponent!.replace("-", MINUS).replace("+", "")}`;
    }
    const rounded = Number(abs.toPrecision(3));
    if (rounded >= 1000) return sign + Math.round(abs).toLocaleString("en-US");
    return sign + String(rounded);
}

/** A change: always signed (+0.12, −3.5); one that rounds to zero reads "±0". */
export function fmtDelta(value: number | null | undefined): string {
    if (missing(value)) return "—";
    const magnitude = fmt(Math.abs(value));
    if (magnitude === "0") return "±0";
    return `${value > 0 ? "+" : MINUS}${magnitude}`;
}

/** An interval: "[0.5, 0.8]"; signed ends for an interval of a change. */
export function fmtInterval(ci: readonly [number, number] | null | undefined, signed = false): string {
    if (!ci) return "";
    const f = signed ? fmtDelta : fmt;
    return `[${f(ci[0])}, ${f(ci[1])}]`;
}

/** A fraction (0..1) as a percentage: "93.1 %". */
export function fmtPct(fraction: number | null | undefined): string {
    return missing(fraction) ? "—" : `${fmt(100 * fraction)} %`;
}

/** An integer count: "12,345". */
export function fmtInt(value: number | null | undefined): string {
    return missing(value) ? "—" : Math.round(value).toLocaleString("en-US");
}

/** A byte count in binary units (harness/util/units.ts's formatBytes, as the CLI prints it); "—" when unknown. */
export function fmtBytes(bytes: number | null | undefined): string {
    return missing(bytes) ? "—" : formatBytes(bytes);
}

/** Parameters and the like: "2M", "1.1M", "7B". */
export function fmtCount(value: number | null | undefined): string {
    if (missing(value)) return "—";
    for (const [limit, suffix] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]] as const) {
        if (value >= limit) return `${fmt(value / limit)}${suffix}`;
    }
    return fmt(value);
}

export function fmtMs(ms: number | null | undefined): string {
    if (missing(ms)) return "—";
    return ms >= 1000 ? `${fmt(ms / 1000)} s` : `${fmt(ms)} ms`;
}

/** Embedding drift from a cosine: 1 − cosine, the distance that stays readable next to 1 (1.3e−5, 0.0021). */
export function fmtDrift(cosine: number | null | undefined): string {
    return missing(cosine) ? "—" : fmt(1 - cosine);
}

const DATE = new Intl.DateTimeFormat("en-GB", {day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC"});

/** "2 Jan 2025, 14:05 UTC" from an ISO timestamp; the text itself when it is not a date. */
export function fmtDate(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : `${DATE.format(date)} UTC`;
}

/** A JSON value for display: null reads "—" (configs, trial outputs). */
export function displayJson(value: unknown, indent?: number): string {
    return JSON.stringify(value, (_key, v: unknown) => (v === null ? "—" : v), indent) ?? "—";
}
