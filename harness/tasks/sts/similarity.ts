import type {Session} from "../../session/types.js";

/**
 * A session that scores sentence pairs itself instead of embedding them (capability
 * "similarity"): the built-in lexical baseline offers Jaccard word overlap this way. The STS
 * runner uses it when present; every other model is scored by the cosine of its embeddings.
 */
export interface PairScorer {
    /** Name of the similarity, recorded in results ("jaccard"). */
    readonly pairSimilarity: string;
    scorePairs(pairs: [string, string][]): Promise<number[]>;
}

export function pairScorerOf(session: Session): PairScorer | undefined {
    const {pairSimilarity, scorePairs} = session;
    return session.capabilities.has("similarity") && scorePairs && pairSimilarity
        ? {pairSimilarity, scorePairs: (pairs) => scorePairs.call(session, pairs)}
        : undefined;
}
