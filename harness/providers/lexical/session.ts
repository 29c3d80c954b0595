import type {Capability, Session, SessionCounters} from "../../session/types.js";
import type {LexicalMethod} from "./methods.js";

/**
 * A lexical baseline as a session: it has no embeddings or tokens; it scores sentence pairs
 * directly (the STS task's pair-scorer extension: `pairSimilarity` + `scorePairs`).
 */
export class LexicalSession implements Session {
    readonly capabilities: ReadonlySet<Capability> = new Set(["similarity"]);
    readonly promptStyle = "base" as const;
    readonly pairSimilarity: string;

    constructor(private readonly method: LexicalMethod) {
        this.pairSimilarity = method.name;
    }

    async scorePairs(pairs: [string, string][]): Promise<number[]> {
        return pairs.map(([a, b]) => this.method.similarity(a, b));
    }

    counters(): SessionCounters {
        return {promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, promptMs: 0, generateMs: 0};
    }
}
