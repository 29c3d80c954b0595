/**
 * What a task can ask of a model. A provider opens a model into a Session offering some of
 * these capabilities; a task declares which it requires (Task.requires) and the runner checks.
 */
export type Capability = "tokenize" | "generate" | "logprobs" | "embed" | "distributions" | "similarity";

/** A prompt in chat form; sessions render it with the model's chat template or as plain text. */
export interface ChatPrompt {
    system?: string;
    user: string;
    /** Text the answer starts with (the assistant turn is pre-filled; base models continue it). */
    answerPrefix?: string;
}

export interface GenerateResult {
    text: string;
    promptTokens: number;
    generatedTokens: number;
    promptMs: number;
    generateMs: number;
}

export interface LogprobResult {
    /** Sum of log-probabilities (nats) of the continuation's tokens. */
    logprob: number;
    tokens: number;
}

/** The next-token distribution at one position of nextTokenLogprobs (capability "distributions"). Log-probabilities are nats, float32. */
export interface NextTokenLogprobs {
    /** Index of the last token seen: this is the distribution of the token after tokens[0..position]. */
    position: number;
    /** Log-probability of the token that actually follows, tokens[position + 1]. */
    tokenLogprob: number;
    /** The most likely token (the smallest id among equally likely ones). */
    argmax: number;
    /** The topK most likely tokens, most likely first, and their log-probabilities. */
    topIds: Uint32Array;
    topLogprobs: Float32Array;
    /** Probability of every token outside topIds (summed directly, not as 1 - sum). */
    restMass: number;
    /** With `ids`: the log-probabilities of those tokens, in their order, and the probability outside them. */
    idLogprobs?: Float32Array;
    idsRestMass?: number;
}

/** Counters a session keeps for the results' performance block. */
export interface SessionCounters {
    promptTokens: number;
    evaluatedTokens: number;
    generatedTokens: number;
    promptMs: number;
    generateMs: number;
}

export interface Session {
    readonly capabilities: ReadonlySet<Capability>;
    /** "chat-template" when the model's own template renders prompts, else "base" (plain text + answer prefix). */
    readonly promptStyle: "chat-template" | "base";
    /** Exact token count of a rendered prompt (capability "tokenize"). */
    countPromptTokens?(prompt: ChatPrompt): Promise<number>;
    /** Token counts of bare text pieces, without BOS (capability "tokenize"). */
    countTextTokens?(texts: string[]): Promise<number[]>;
    /** Greedy generation of at most maxTokens tokens (capability "generate"). */
    generate?(prompt: ChatPrompt, options: {maxTokens: number}): Promise<GenerateResult>;
    /** Teacher-forced log-probability of `continuation` after the prompt's answer prefix (capability "logprobs"). */
    continuationLogprob?(prompt: ChatPrompt, continuation: string): Promise<LogprobResult>;
    /** Sentence embeddings (capability "embed"). */
    embed?(texts: string[]): Promise<number[][]>;
    /** Token ids of bare text (no BOS), and the BOS token the model starts a sequence with, if it adds one (capability "distributions"). */
    tokenizeText?(text: string): Promise<{tokens: number[]; bos: number | null}>;
    /**
     * Evaluates `tokens` and reads the full next-token distribution at every position from
     * `fromIndex` to tokens.length - 2 (capability "distributions"). `ids(position)` asks for the
     * log-probabilities of given tokens there as well (e.g. a reference model's top tokens).
     */
    nextTokenLogprobs?(tokens: number[], fromIndex: number, options?: {topK?: number; ids?(position: number): ArrayLike<number>}): Promise<NextTokenLogprobs[]>;
    counters(): SessionCounters;
    /**
     * What computes the numbers, where it is known and changes them (local: "ggml-org/llama.cpp@b6xxx").
     * Caches of computed values (embeddings) are kept per backend, so an upgrade recomputes them.
     */
    readonly backend?: string;
}
