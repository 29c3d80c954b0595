import type {Session} from "../../providers/types.js";

/**
 * A session that scores sentence pairs itself instead of embedding them: the built-in lexical
 * baseline (harness/providers/lexical) offers Jaccard word overlap this way. The STS runner uses
 * it when present; every other model is scored by the cosine of its embeddings.
 */
export interface PairScorer {
    /** Name of the similarity, recorded in results ("jaccard"). */
    readonly pairSimilarity: string;
    scorePairs(pairs: [string, string][]): Promise<number[]>;
}

export function pairScorerOf(session: Session): PairScorer | undefined {
    const candidate = session as Session & Partial<PairScorer>;
    return typeof candidate.scorePairs === "function" && typeof candidate.pairSimilarity === "string"
        ? candidate as PairScorer
        : undefined;
}
