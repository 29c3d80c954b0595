/**
 * The capability contract between tasks and providers. A provider opens a model into a Session
 * offering some of these capabilities; a task declares which it requires (Task.requires) and the
 * trial loop checks. Tasks see only this module, never a provider.
 */
export type Capability = "tokenize" | "generate" | "logprobs" | "embed" | "distributions" | "similarity";

export type PromptStyle = "chat-template" | "base" | "completion";

/** A prompt in chat form; sessions render it with the model's chat template or as plain text. */
export interface ChatPrompt {
    system?: string;
    user: string;
    /** Text the answer starts with (the assistant turn is pre-filled; base models continue it). */
    answerPrefix?: string;
}

export interface GenerateResult {
    text: string;
    /** Tokens of the prompt; NaN when unknown (a server that reports no usage). */
    promptTokens: number;
    /** NaN when unknown. */
    generatedTokens: number;
    promptMs: number;
    generateMs: number;
    /** What a remote server reported for the request, recorded with the trial. */
    server?: ServerReport;
}

/** What a server reported for one request (hosted sessions). */
export interface ServerReport {
    /** The model name the server answered with. */
    model: string | null;
    usage: {promptTokens: number | null; completionTokens: number | null} | null;
    /** Time of the successful attempt, request to last body byte. */
    latencyMs: number;
    attempts: number;
    endpoint: string;
    finishReason?: string | null;
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
    /** With `reference`: KL(reference || this model) over the whole vocabulary (nats), and the reference's argmax and log p of the actual next token. */
    kld?: number;
    referenceArgmax?: number;
    referenceTokenLogprob?: number;
}

/**
 * A reference model's raw next-token logits at consecutive positions of the tokens being scored,
 * for an exact comparison over the whole vocabulary: read from the rows the reference wrote (see
 * NextTokenOptions.rowsOut), or computed by the reference model evaluated beside this one
 * (Session.openReferenceModel). `read` is called once per decode, with increasing `first`.
 */
export interface ReferenceRows {
    readonly vocabularySize: number;
    /** Writes the logits after tokens[0..p] for p in [first, first + count) into `into` (count x vocabularySize). */
    read(first: number, count: number, into: Float32Array): void | Promise<void>;
    /**
     * True when read() only copies stored rows (no model work): the session may then call it while
     * its own decode of those positions runs on another thread, hiding the read behind the decode.
     */
    readonly stored?: boolean;
    /** After the last read: throws when what was read is not what was written (a damaged file). */
    finish?(): void;
}

/** Options of Session.nextTokenLogprobs. */
export interface NextTokenOptions {
    /** The most likely tokens to return per position (default 1). */
    topK?: number;
    /** Tokens whose log-probabilities to return at a position (e.g. a reference's top tokens). */
    ids?(position: number): ArrayLike<number>;
    /** Compare each position with the reference's full distribution (sets kld, referenceArgmax, referenceTokenLogprob). */
    reference?: ReferenceRows;
    /** Receives the raw logits of the positions first..first + count - 1 (count x vocabulary, valid during the call only), in order. */
    rowsOut?(first: number, count: number, rows: Float32Array): void;
    /**
     * The call expected next (e.g. fidelity's next chunk): where a core is free, a session may start
     * its first decode while this call's last rows are read. Numbers never depend on it; another
     * call next only wastes that decode.
     */
    next?: {tokens: readonly number[]; fromIndex: number};
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
    /**
     * How prompts reach the model: "chat-template" (the model's or a server's chat template),
     * "base" (plain text ending in the answer prefix, rendered here), "completion" (the same plain
     * text sent to a server's text-completion endpoint).
     */
    readonly promptStyle: PromptStyle;
    /** Exact token count of a rendered prompt (capability "tokenize"). */
    countPromptTokens?(prompt: ChatPrompt): Promise<number>;
    /** Token counts of bare text pieces, without BOS (capability "tokenize"). */
    countTextTokens?(texts: string[]): Promise<number[]>;
    /**
     * Characters of `text` the tokenizer cannot encode, where trying would abort the process
     * (llama.cpp's SentencePiece tokenizer on a vocabulary without byte tokens); empty when every
     * character can be encoded. Tasks check text before tokenizing it and skip what would abort.
     */
    unsupportedCharacters?(text: string): string[];
    /** Greedy generation of at most maxTokens tokens (capability "generate"). */
    generate?(prompt: ChatPrompt, options: {maxTokens: number}): Promise<GenerateResult>;
    /** Teacher-forced log-probability of `continuation` after the prompt's answer prefix (capability "logprobs"). */
    continuationLogprob?(prompt: ChatPrompt, continuation: string): Promise<LogprobResult>;
    /** Sentence embeddings (capability "embed"). */
    embed?(texts: string[]): Promise<number[][]>;
    /** How many of these texts embed() cuts to fit its context (capability "embed"; absent where unknown, e.g. a server). */
    truncatedInputs?(texts: string[]): Promise<number>;
    /** Name of the similarity a pair scorer computes, recorded in results ("jaccard") (capability "similarity"). */
    readonly pairSimilarity?: string;
    /** Similarity of each sentence pair, for models that score pairs instead of embedding sentences (capability "similarity"). */
    scorePairs?(pairs: [string, string][]): Promise<number[]>;
    /** Tokens in the model's vocabulary, where known (capability "distributions": k at or above it keeps every token). */
    readonly vocabularySize?: number;
    /** Token ids of bare text (no BOS), and the BOS token the model starts a sequence with, if it adds one (capability "distributions"). */
    tokenizeText?(text: string): Promise<{tokens: number[]; bos: number | null}>;
    /**
     * Evaluates `tokens` and reads the full next-token distribution at every position from
     * `fromIndex` to tokens.length - 2 (capability "distributions"). `ids(position)` asks for the
     * log-probabilities of given tokens there as well (e.g. a reference model's top tokens).
     */
    nextTokenLogprobs?(tokens: number[], fromIndex: number, options?: NextTokenOptions): Promise<NextTokenLogprobs[]>;
    /** Whether nextTokenLogprobs honours `reference` and `rowsOut` (exact comparisons over the whole vocabulary). */
    readonly fullDistributions?: boolean;
    /**
     * Loads another GGUF file of the same vocabulary beside this model, for comparisons in
     * lockstep: `rows(tokens, fromIndex)` evaluates it on the same tokens in the same decodes as
     * nextTokenLogprobs does, as they are read (capability "distributions", with fullDistributions).
     */
    openReferenceModel?(path: string): Promise<{rows(tokens: number[], fromIndex: number): ReferenceRows; dispose(): Promise<void>}>;
    counters(): SessionCounters;
    /**
     * What computes the numbers, where it is known and changes them (local: "ggml-org/llama.cpp@b6xxx").
     * Caches of computed values (embeddings) are kept per backend, so an upgrade recomputes them.
     */
    readonly backend?: string;
}

/** A session opened for a task's own use (e.g. an LLM judge), with the model's id as results record it. */
export interface OpenedModel {
    id: string;
    session: Session;
    dispose(): Promise<void>;
}

/**
 * How a task asks for another model than the one it runs on: by a model reference as a suite
 * writes it. The run layer answers through the provider registry, so tasks never import a provider.
 */
export type OpenModel = (ref: unknown) => Promise<OpenedModel>;

/**
 * A prompt as plain text, the "base" rendering: system, a blank line, the user text, then the
 * answer prefix and continuation (after a newline unless they start with whitespace). Local
 * models without a chat template and servers' text-completion endpoints see exactly this text.
 */
export function plainPromptText(prompt: ChatPrompt, continuation = ""): string {
    const answer = (prompt.answerPrefix ?? "") + continuation;
    const separator = answer === "" || /^\s/.test(answer) ? "" : "\n";
    return `${prompt.system ? `${prompt.system}\n\n` : ""}${prompt.user}${separator}${answer}`;
}
