/**
 * What a task can ask of a model. A provider opens a model into a Session offering some of
 * these capabilities; a task declares which it requires (Task.requires) and the runner checks.
 */
export type Capability = "tokenize" | "generate" | "logprobs" | "embed";

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
    counters(): SessionCounters;
}
