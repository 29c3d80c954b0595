/** Mean of the finite values, or null when there are none. */
export function meanOrNull(values: (number | null | undefined)[]): number | null {
    const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return finite.length === 0 ? null : finite.reduce((sum, v) => sum + v, 0) / finite.length;
}
