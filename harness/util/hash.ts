import {createHash} from "node:crypto";

/** JSON with object keys sorted, so equal configs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
            : v);
}

export function shortHash(value: unknown, length = 12): string {
    return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, length);
}
