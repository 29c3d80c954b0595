import type {TrialRecord} from "../../results/schema.js";
import type {FidelityConfig} from "./config.js";
import {addSums, ChunkSums, decodeFloat32, emptySums, percentileSorted, summarize} from "./metrics.js";
import type {FidelityScores} from "./contract.js";

function sumsOf(record: TrialRecord): ChunkSums {
    const s = record.scores;
    const n = (key: keyof ChunkSums) => {
        const v = s[key];
        if (typeof v !== "number") throw new Error(`chunk trial ${record.id} has no ${key}`);
        return v;
    };
    return {
        tokens: n("tokens"), sumKld: n("sumKld"), sumKld2: n("sumKld2"), maxKld: n("maxKld"), sumNll: n("sumNll"),
        sumNllReference: n("sumNllReference"), sumDeltaP: n("sumDeltaP"), sumDeltaP2: n("sumDeltaP2"), sameTop: n("sameTop")
    };
}

/** Per-position values of the ok trials, or null when a trial lacks them. */
function positionValues(records: TrialRecord[], key: "kld" | "deltaP"): Float64Array | null {
    const parts: Float32Array[] = [];
    for (const record of records) {
        const encoded = record.output?.[key];
        if (typeof encoded !== "string") return null;
        parts.push(decodeFloat32(encoded));
    }
    const values = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
        values.set(part, at);
        at += part.length;
    }
    return values;
}

/** Chunk tokens evaluated per second, reading the distributions included (from the trials' timings). */
function tokensPerSecond(records: TrialRecord[]): number | null {
    let tokens = 0;
    let ms = 0;
    for (const record of records) {
        const size = record.input?.chunkSize;
        if (typeof size !== "number" || record.timings.evaluateMs == null) return null;
        tokens += size - 1;
        ms += record.timings.evaluateMs;
    }
    return ms > 0 ? tokens / (ms / 1000) : null;
}

/**
 * Over the chunks that ran: means weighted by scored tokens (sums of the chunks' sums, so a
 * chunk's weight is its token count), percentiles and maximum from the per-position values every
 * chunk trial stores (exact: the values, not a histogram), and a per-chunk table.
 */
export function aggregateFidelity(_config: FidelityConfig, records: TrialRecord[]): FidelityScores {
    const ok = records.filter((r) => r.status === "ok").sort((a, b) => Number(a.cell.chunk) - Number(b.cell.chunk));
    const total = emptySums();
    for (const record of ok) addSums(total, sumsOf(record));
    const summary = summarize(total);
    const kld = positionValues(ok, "kld")?.sort() ?? null;
    const deltaP = positionValues(ok, "deltaP");
    const percentile = (fraction: number) => (kld && kld.length > 0 ? percentileSorted(kld, fraction) : null);
    const first = ok[0]?.input ?? records.find((r) => r.input)?.input;
    // Exact only when every chunk's k reached the vocabulary; older trials without the flag count as top-k.
    const kldExact = ok.length > 0 && ok.every((r) => r.input?.kldExact === true);
    const vocabularySize = typeof first?.vocabularySize === "number" ? first.vocabularySize : null;
    return {
        main: summary.meanKld,
        mainScore: "meanKld",
        reference: typeof first?.reference === "string" ? first.reference : null,
        isReference: typeof first?.isReference === "boolean" ? first.isReference : null,
        topK: typeof first?.topK === "number" ? first.topK : null,
        kldExact,
        kldTopK: kldExact ? null : typeof first?.topK === "number" ? first.topK : null,
        vocabularySize,
        chunkSize: typeof first?.chunkSize === "number" ? first.chunkSize : null,
        chunks: {
            planned: records.length,
            ok: ok.length,
            error: records.filter((r) => r.status === "error").length,
            skipped: records.filter((r) => r.status === "skipped").length
        },
        scoredTokens: total.tokens,
        meanKld: summary.meanKld,
        meanKldError: summary.meanKldError,
        medianKld: percentile(0.5),
        kldP90: percentile(0.9),
        kldP95: percentile(0.95),
        kldP99: percentile(0.99),
        kldP999: percentile(0.999),
        maxKld: summary.maxKld,
        top1Agreement: summary.top1Agreement,
        rmsDeltaP: summary.rmsDeltaP,
        meanDeltaP: summary.meanDeltaP,
        maxAbsDeltaP: deltaP && deltaP.length > 0 ? deltaP.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : null,
        ppl: summary.ppl,
        pplReference: summary.pplReference,
        lnPplRatio: summary.lnPplRatio,
        tokensPerSecond: tokensPerSecond(ok),
        byChunk: ok.map((record) => {
            const sums = sumsOf(record);
            const s = summarize(sums);
            return {chunk: Number(record.cell.chunk), tokens: sums.tokens, meanKld: s.meanKld, maxKld: s.maxKld, top1Agreement: s.top1Agreement, rmsDeltaP: s.rmsDeltaP, ppl: s.ppl};
        })
    };
}
