/**
 * McNemar's exact test on paired binary outcomes: with b pairs right only before and c right only
 * after, the two-sided p-value of a Binomial(b + c, 1/2) count as extreme as min(b, c).
 * 1 when there is no discordant pair.
 */
export function mcnemarExactP(b: number, c: number): number {
    const n = b + c;
    if (n === 0) return 1;
    const k = Math.min(b, c);
    // Sum C(n, i) / 2^n for i <= k, in log space so large n stays finite.
    let logChoose = 0; // log C(n, 0)
    let tail = 0;
    for (let i = 0; i <= k; i++) {
        if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
        tail += Math.exp(logChoose - n * Math.LN2);
    }
    return Math.min(1, 2 * tail);
}
