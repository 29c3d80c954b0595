import type {ChatHistoryItem, ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token} from "node-llama-cpp";
import {LlamaText, resolveChatWrapper} from "node-llama-cpp";
import type {Capability, ChatPrompt, GenerateResult, LogprobResult, NextTokenLogprobs, NextTokenOptions, ReferenceRows, Session, SessionCounters} from "../../session/types.js";
import {plainPromptText} from "../../session/types.js";
import type {DirectScoring, ScoringPath} from "./direct/index.js";
import {scoredPerCall, scoringCalls} from "./direct/schedule.js";
import {scoringPathFromEnv} from "./direct/scoring-path.js";
import {LocalEmbedder} from "./embedding.js";
import {TokenizerGuard, unsafeCharacterCheck} from "./tokenizer-guard.js";

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
    const limit = Math.min(a.length, b.length);
    let i = 0;
    while (i < limit && a[i] === b[i]) i++;
    return i;
}

export interface LocalSessionOptions {
    /**
     * Keep the sequence's evaluated tokens and evaluate only what differs from the previous
     * prompt (KV-cache prefix reuse). Default true; false evaluates every prompt from scratch.
     */
    reusePrefix?: boolean;
    /**
     * How prompts are rendered. Default "auto": the GGUF's own chat template when it has one,
     * else plain text ("base"). A ChatWrapper forces that template.
     */
    chatWrapper?: "auto" | "base" | ChatWrapper;
    /**
     * How generation, distributions, continuation log-probabilities and embeddings are computed:
     * "direct" (default; greedy generation, raw logits and batched embeddings through libllama on
     * one KV cache, ./direct/) or "sampler" (node-llama-cpp's generation, sampler probabilities and
     * one-sentence embedding contexts). Both give the same numbers at the same settings. Default
     * from SLMBENCH_SCORING, else "direct".
     */
    scoring?: ScoringPath;
    /** The GGUF file the direct path loads (default: the file node-llama-cpp loaded). */
    modelPath?: string;
    /**
     * Flash attention of the causal contexts, on either path (default: llama.cpp's "auto", on where
     * the backend supports it). With it, a row's last digits depend on how tokens are split into
     * decodes; both paths split them alike (./direct/schedule.ts).
     */
    flashAttention?: boolean;
    /** Direct path: read a decode's rows while the next decode runs (default: where a core is free beyond llama.cpp's threads). */
    pipeline?: boolean;
}

/** The llama.cpp build as results record it (env.llamaCpp) and caches key on it: "ggml-org/llama.cpp@b6xxx". */
export const llamaCppRelease = (llama: Llama) => `${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}`;

/**
 * A node-llama-cpp model and one context sequence, offering tokenize / generate / logprobs.
 * Prompts are rendered with the model's chat template when its GGUF has one, otherwise as plain
 * text ending in the answer prefix (RULER's "base" style).
 */

export class LocalGgufSession implements Session {
    readonly capabilities: ReadonlySet<Capability> = new Set(["tokenize", "generate", "logprobs", "embed", "distributions"]);
    readonly promptStyle: "chat-template" | "base";
    private context?: Promise<{context: LlamaContext; sequence: LlamaContextSequence}>;
    private openedSequence?: LlamaContextSequence;
    private embedder?: LocalEmbedder;
    private readonly chatWrapper: ChatWrapper | null;
    private readonly reusePrefix: boolean;
    private readonly scoring: ScoringPath | undefined;
    private readonly options: LocalSessionOptions;
    private directScoring?: Promise<DirectScoring | undefined>;
    private directInstance?: DirectScoring;
    private readonly stats = {promptTokens: 0, generatedTokens: 0, promptMs: 0, generateMs: 0};
    /** Names texts the tokenizer cannot encode on stderr before they reach it (a native abort follows). */
    private readonly guard: TokenizerGuard;

    readonly backend: string;
    readonly vocabularySize: number | undefined;

    constructor(readonly model: LlamaModel, private readonly contextOptions: {contextSize: number; threads: number}, options: LocalSessionOptions = {}) {
        this.backend = llamaCppRelease(model.llama);
        this.vocabularySize = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length || undefined;
        this.reusePrefix = options.reusePrefix ?? true;
        this.guard = new TokenizerGuard(model.fileInfo.metadata);
        this.options = options;
        this.scoring = options.scoring;
        const choice = options.chatWrapper ?? "auto";
        this.chatWrapper = choice === "base" ? null
            : choice !== "auto" ? choice
            : model.fileInfo.metadata.tokenizer?.chat_template != null ? resolveChatWrapper(model) : null;
        this.promptStyle = this.chatWrapper ? "chat-template" : "base";
    }

    /** The generation context is created on first use: tasks that only embed or tokenize never pay for it. */
    private async sequence(): Promise<LlamaContextSequence> {
        this.context ??= this.model.createContext({...this.contextOptions, sequences: 1,
            ...(this.options.flashAttention !== undefined ? {flashAttention: this.options.flashAttention} : {})})
            .then((context) => ({context, sequence: this.openedSequence = context.getSequence()}));
        return (await this.context).sequence;
    }

    /** Exact comparisons (NextTokenOptions.reference, rowsOut) and lockstep references: the direct path only. */
    get fullDistributions(): boolean {
        return (this.scoring ?? scoringPathFromEnv()) === "direct";
    }

    /** The direct path (./direct/), loaded on first use; undefined when the session reads through the sampler. */
    private direct(): Promise<DirectScoring | undefined> {
        this.directScoring ??= import("./direct/index.js").then(({DirectScoring}) => {
            if (!this.fullDistributions) return undefined;
            const modelPath = this.options.modelPath ?? (this.model as unknown as {_modelPath?: string})._modelPath;
            if (!modelPath) throw new Error("the direct scoring path needs the model's file: pass LocalSessionOptions.modelPath");
            const trainContext = this.model.trainContextSize || this.contextOptions.contextSize;
            return this.directInstance = new DirectScoring(modelPath, {...this.contextOptions, reusePrefix: this.reusePrefix,
                flashAttention: this.options.flashAttention ?? "auto", trainContextSize: this.model.trainContextSize || undefined, pipeline: this.options.pipeline,
                embeddingContextSize: Math.max(8, Math.min(this.contextOptions.contextSize, trainContext))});
        });
        return this.directScoring;
    }

    async dispose(): Promise<void> {
        await this.directInstance?.settle();
        this.directInstance?.dispose();
        await this.embedder?.dispose();
        if (this.context) await (await this.context).context.dispose();
    }

    /** The last few renderings: a trial renders the same prompt for generation, scoring and its continuation. */
    private readonly renderCache = new Map<string, Token[]>();

    /** Prompt tokens, BOS included where the model wants it. */
    renderPrompt(prompt: ChatPrompt, continuation = ""): Token[] {
        const key = JSON.stringify([prompt.system, prompt.user, prompt.answerPrefix, continuation]);
        const cached = this.renderCache.get(key);
        if (cached) return cached;
        const tokens = this.tokenizePrompt(prompt, continuation);
        this.renderCache.set(key, tokens);
        if (this.renderCache.size > 8) this.renderCache.delete(this.renderCache.keys().next().value!);
        return tokens;
    }

    private tokenizePrompt(prompt: ChatPrompt, continuation: string): Token[] {
        const answer = (prompt.answerPrefix ?? "") + continuation;
        this.guard.note([prompt.system ?? "", prompt.user, answer]);
        if (this.chatWrapper) {
            const history: ChatHistoryItem[] = [];
            if (prompt.system) history.push({type: "system", text: prompt.system});
            history.push({type: "user", text: prompt.user});
            history.push({type: "model", response: answer === "" ? [] : [answer]});
            const {contextText} = this.chatWrapper.generateContextState({chatHistory: history});
            return contextText.tokenize(this.model.tokenizer);
        }
        const tokens = LlamaText(plainPromptText(prompt, continuation)).tokenize(this.model.tokenizer);
        const bos = this.model.tokens.bos;
        return bos != null && this.model.tokens.shouldPrependBosToken && tokens[0] !== bos ? [bos, ...tokens] : tokens;
    }

    async countPromptTokens(prompt: ChatPrompt): Promise<number> {
        return this.renderPrompt(prompt).length;
    }

    async countTextTokens(texts: string[]): Promise<number[]> {
        this.guard.note(texts);
        return texts.map((text) => this.model.tokenize(text, false).length);
    }

    private unsafeCharacters?: ((text: string) => string[]) | null;

    unsupportedCharacters(text: string): string[] {
        if (this.unsafeCharacters === undefined) this.unsafeCharacters = unsafeCharacterCheck(this.model.fileInfo.metadata) ?? null;
        return this.unsafeCharacters ? this.unsafeCharacters(text) : [];
    }

    /**
     * Makes the sequence hold the longest reusable prefix of `tokens` (never past `evaluateFrom`,
     * whose logits are needed) and returns the tokens still to evaluate.
     */
    private async syncSequence(tokens: Token[], evaluateFrom: number): Promise<Token[]> {
        const sequence = await this.sequence();
        const keep = this.reusePrefix ? Math.min(commonPrefixLength(sequence.contextTokens, tokens), evaluateFrom) : 0;
        if (keep < sequence.nextTokenIndex)
            await sequence.eraseContextTokenRanges([{start: keep, end: sequence.nextTokenIndex}]);
        return tokens.slice(keep);
    }

    async generate(prompt: ChatPrompt, {maxTokens}: {maxTokens: number}): Promise<GenerateResult> {
        const promptTokens = this.renderPrompt(prompt);
        const direct = await this.direct();
        const {tokens: generated, promptMs, generateMs} = direct
            ? await direct.scorer.generate(promptTokens, maxTokens)
            : await this.generateWithSampler(promptTokens, maxTokens);
        this.stats.promptTokens += promptTokens.length;
        this.stats.generatedTokens += generated.length;
        this.stats.promptMs += promptMs;
        this.stats.generateMs += generateMs;
        return {
            // With the prompt as context: a leading space of the answer stays (SentencePiece drops it from text that starts there).
            text: this.model.detokenize(generated as Token[], false, promptTokens),
            promptTokens: promptTokens.length,
            generatedTokens: generated.length,
            promptMs,
            generateMs
        };
    }

    /** Greedy generation through node-llama-cpp's sampler (stops before an end-of-generation token). */
    private async generateWithSampler(promptTokens: Token[], maxTokens: number): Promise<{tokens: Token[]; promptMs: number; generateMs: number}> {
        const pending = await this.syncSequence(promptTokens, promptTokens.length - 1);
        const started = performance.now();
        let promptDone = started;
        const generated: Token[] = [];
        const sequence = await this.sequence();
        for await (const token of sequence.evaluate(pending, {temperature: 0})) {
            if (generated.length === 0) promptDone = performance.now();
            generated.push(token);
            if (generated.length >= maxTokens) break;
        }
        const finished = performance.now();
        if (generated.length === 0) promptDone = finished;
        return {tokens: generated, promptMs: promptDone - started, generateMs: finished - promptDone};
    }

    async continuationLogprob(prompt: ChatPrompt, continuation: string): Promise<LogprobResult> {
        const promptTokens = this.renderPrompt(prompt);
        const full = this.renderPrompt(prompt, continuation);
        // Tokens can merge across the prompt/continuation boundary: score from where the two renderings part.
        const split = commonPrefixLength(promptTokens, full);
        if (split === 0 || split >= full.length) throw new Error(`cannot score continuation ${JSON.stringify(continuation)}: it adds no tokens`);
        const direct = await this.direct();
        if (direct) {
            // A decode started ahead for another nextTokenLogprobs call must end before this synchronous one.
            await direct.settle();
            const started = performance.now();
            const logprob = direct.scorer.continuationLogprob(full, split);
            this.stats.promptTokens += full.length - 1;
            this.stats.promptMs += performance.now() - started;
            return {logprob, tokens: full.length - split};
        }
        const pending = await this.syncSequence(full.slice(0, -1), split - 1);
        const start = full.length - 1 - pending.length;
        const started = performance.now();
        const outputs = await (await this.sequence()).controlledEvaluate(pending.map((token, i) =>
            start + i >= split - 1 ? [token, {generateNext: {probabilities: true}}] : token));
        let logprob = 0;
        for (let position = split - 1; position < full.length - 1; position++) {
            const probabilities = outputs[position - start]?.next?.probabilities;
            if (!probabilities) throw new Error("llama.cpp returned no probabilities");
            // Renormalized with the float64 sum, as readDistribution does: the addon's float32 sum is off by up to ~1e-5.
            let total = 0;
            probabilities.forEach((p) => total += p);
            logprob += Math.log(probabilities.get(full[position + 1]!) ?? Number.MIN_VALUE) - Math.log(total);
        }
        this.stats.promptTokens += full.length - 1;
        this.stats.promptMs += performance.now() - started;
        return {logprob, tokens: full.length - split};
    }

    async tokenizeText(text: string): Promise<{tokens: number[]; bos: number | null}> {
        const bos = this.model.tokens.bos;
        this.guard.note([text]);
        return {tokens: this.model.tokenize(text, false), bos: bos != null && this.model.tokens.shouldPrependBosToken ? bos : null};
    }

    /**
     * Full next-token distributions through controlledEvaluate's `probabilities` (every vocabulary
     * entry, sorted by probability, as a Map), read at the scored positions only and reduced at
     * once to top-k / requested ids / rest mass. Scored positions go in calls of at most
     * DISTRIBUTION_ENTRIES_PER_CALL vocabulary entries (./direct/schedule.ts, the direct path's calls
     * too), so memory stays bounded for large vocabularies.
     * Cost: node-llama-cpp sorts the vocabulary and builds a JS array and a Map of it per position,
     * then reduced here: about 0.7-0.8 µs per vocabulary entry on one core (harness/tasks/fidelity/README.md).
     */
    async nextTokenLogprobs(tokens: number[], fromIndex: number, options: NextTokenOptions = {}): Promise<NextTokenLogprobs[]> {
        const topK = options.topK ?? 1;
        if (!Number.isInteger(fromIndex) || fromIndex < 0 || fromIndex > tokens.length - 2)
            throw new Error(`nextTokenLogprobs: fromIndex ${fromIndex} leaves no position to score in ${tokens.length} tokens`);
        const direct = await this.direct();
        if (!direct && (options.reference || options.rowsOut))
            throw new Error("exact comparisons over the whole vocabulary need the direct scoring path (SLMBENCH_SCORING=direct)");
        if (direct) {
            const started = performance.now();
            const results = await direct.scorer.nextTokenLogprobs(tokens, fromIndex, options);
            this.stats.promptTokens += tokens.length - 1;
            this.stats.promptMs += performance.now() - started;
            return results;
        }
        // From scratch, as llama-perplexity clears the KV cache per chunk: the numbers never depend on what ran before.
        await this.syncSequence([], 0);
        const sequence = await this.sequence();
        const vocabulary = this.model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length || 32_000;
        const results: NextTokenLogprobs[] = [];
        let marks: Uint8Array | undefined;
        const started = performance.now();
        // The direct path's calls (direct/schedule.ts): node-llama-cpp cuts each into the same decodes.
        for (const [at, end] of scoringCalls(0, fromIndex, tokens.length - 1, scoredPerCall(vocabulary), sequence.context.batchSize)) {
            const slice = tokens.slice(at, end) as Token[];
            const outputs = await sequence.controlledEvaluate(slice.map((token, i) =>
                at + i >= fromIndex ? [token, {generateNext: {probabilities: true}}] : token));
            for (let i = Math.max(0, fromIndex - at); i < slice.length; i++) {
                const probabilities = outputs[i]?.next?.probabilities;
                if (!probabilities) throw new Error("llama.cpp returned no probabilities");
                const position = at + i;
                marks ??= new Uint8Array(probabilities.size);
                results.push(readDistribution(probabilities, position, tokens[position + 1] as Token, topK, options.ids?.(position), marks));
            }
        }
        this.stats.promptTokens += tokens.length - 1;
        this.stats.promptMs += performance.now() - started;
        return results;
    }

    /** Another GGUF file of this vocabulary beside this model, evaluated in lockstep with nextTokenLogprobs (the direct path). */
    async openReferenceModel(path: string): Promise<{rows(tokens: number[], fromIndex: number): ReferenceRows; dispose(): Promise<void>}> {
        const direct = await this.direct();
        if (!direct) throw new Error("a reference model in lockstep needs the direct scoring path (SLMBENCH_SCORING=direct)");
        const reference = direct.openReference(path);
        return {rows: (tokens, fromIndex) => reference.scorer.rowsFor(tokens, fromIndex), dispose: async () => reference.dispose()};
    }

    /** Sentence embeddings from embedding contexts of their own (embedding.ts), created on first use. */
    async embed(texts: string[]): Promise<number[][]> {
        this.guard.note(texts);
        const direct = await this.direct();
        if (direct) return direct.embedder.embed(texts);
        this.embedder ??= new LocalEmbedder(this.model, this.contextOptions);
        return this.embedder.embed(texts);
    }

    async truncatedInputs(texts: string[]): Promise<number> {
        this.guard.note(texts);
        const direct = await this.direct();
        if (direct) return direct.embedder.countTruncated(texts);
        this.embedder ??= new LocalEmbedder(this.model, this.contextOptions);
        return this.embedder.countTruncated(texts);
    }

    private get directEvaluatedTokens(): number {
        return this.directInstance?.evaluatedTokens ?? 0;
    }

    counters(): SessionCounters {
        // Counted by node-llama-cpp: tokens really fed to llama.cpp, after prefix reuse.
        return {...this.stats, evaluatedTokens: (this.openedSequence?.tokenMeter.usedInputTokens ?? 0) + this.directEvaluatedTokens};
    }
}

/** log of float32's smallest positive value: the floor for a probability that underflowed to 0. */
const MIN_LOGPROB = Math.log(1.401298464324817e-45);

/**
 * Reduces one full distribution (node-llama-cpp's Map, most likely first) to what nextTokenLogprobs
 * returns, in one pass over the Map. The addon normalizes with a float32 sum (off from 1 by up to
 * ~1e-5 at 2,048 tokens): everything is renormalized here with the float64 sum of the entries.
 * `marks` is scratch space indexed by token id (all 0 on entry and on return).
 */
function readDistribution(probabilities: Map<Token, number>, position: number, next: Token, topK: number, ids: ArrayLike<number> | undefined, marks: Uint8Array): NextTokenLogprobs {
    const k = Math.min(topK, probabilities.size);
    const topIds = new Uint32Array(k);
    const topP = new Float64Array(k);
    if (ids) {
        for (let j = 0; j < ids.length; j++) {
            if (!(ids[j]! < marks.length)) throw new Error(`token id ${ids[j]} is outside the vocabulary (${marks.length} tokens)`);
            marks[ids[j]!] = 1;
        }
    }
    let total = 0;
    let restMass = 0;
    let idsRestMass = 0;
    let argmax = -1;
    let maxP = -1;
    let i = 0;
    probabilities.forEach((p, id) => {
        total += p;
        if (i < k) {
            topIds[i] = id;
            topP[i] = p;
        } else restMass += p;
        if (marks[id] !== 1) idsRestMass += p;
        if (p > maxP || (p === maxP && id < argmax)) {
            argmax = id;
            maxP = p;
        }
        i++;
    });
    const logTotal = Math.log(total);
    const logOf = (p: number | undefined) => (p != null && p > 0 ? Math.log(p) - logTotal : MIN_LOGPROB);
    const topLogprobs = new Float32Array(k);
    for (let j = 0; j < k; j++) topLogprobs[j] = logOf(topP[j]);
    const result: NextTokenLogprobs = {position, tokenLogprob: Math.fround(logOf(probabilities.get(next))), argmax, topIds, topLogprobs, restMass: restMass / total};
    if (ids) {
        const idLogprobs = new Float32Array(ids.length);
        for (let j = 0; j < ids.length; j++) {
            idLogprobs[j] = logOf(probabilities.get(ids[j] as Token));
            marks[ids[j]!] = 0;
        }
        result.idLogprobs = idLogprobs;
        result.idsRestMass = idsRestMass / total;
    }
    return result;
}
