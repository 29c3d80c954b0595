/**
 * Teacher-forced scoring on a causal model's raw logits: next-token distributions at every scored
 * position (fidelity) and a continuation's log-probability (NIAH lift). Tokens are decoded in
 * batches with logits only at the scored positions, and each row is reduced as soon as its batch
 * is decoded: no positions x vocabulary array is ever held, and llama.cpp's own logits buffer is
 * bounded by LOGITS_BUDGET_BYTES (outputs per decode = budget / vocabulary).
 * Flash attention is off, so the numbers do not depend on how tokens are split into batches.
 * The session's calls are pipelined: while llama.cpp decodes the next batch on a thread of koffi's
 * pool, JavaScript reduces a copy of the previous batch's rows (two copy buffers of at most
 * LOGITS_BUDGET_BYTES each), so reading logits overlaps decoding instead of adding to it.
 */
import type {NextTokenLogprobs} from "../../../session/types.js";
import type {DirectContext, DirectModel} from "./model.js";
import {LogitsReader} from "./scoring.js";

const LOG_MIN_VALUE = Math.log(Number.MIN_VALUE);

/** llama.cpp's logits buffer (and the graph's output tensor) at most this large: outputs per decode = budget / (4 x vocabulary). */
export const LOGITS_BUDGET_BYTES = 32 * 1024 * 1024;
/** Tokens per decode when the vocabulary leaves room (llama.cpp's default n_ubatch). */
export const MAX_BATCH = 512;

export interface DirectScorerOptions {
    /** KV cells: the longest token sequence scored. */
    contextSize: number;
    threads: number;
    /** Keep the evaluated prefix between continuationLogprob calls (default true). */
    reusePrefix?: boolean;
}

function commonPrefixLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const limit = Math.min(a.length, b.length);
    let i = 0;
    while (i < limit && a[i] === b[i]) i++;
    return i;
}

export class DirectScorer {
    readonly batchSize: number;
    private context?: DirectContext;
    private readonly reader: LogitsReader;
    /** Copies of one batch's rows, alternating: one is being read while the next batch decodes. */
    private readonly copies: Float32Array[] = [];
    /** Tokens held in the context's KV cache (sequence 0). */
    private held: number[] = [];
    /** Tokens decoded, for the session's counters. */
    evaluatedTokens = 0;

    constructor(readonly model: DirectModel, private readonly options: DirectScorerOptions) {
        const outputsInBudget = Math.max(1, Math.floor(LOGITS_BUDGET_BYTES / (4 * model.vocabularySize)));
        this.batchSize = Math.max(1, Math.min(MAX_BATCH, options.contextSize, outputsInBudget));
        this.reader = new LogitsReader(model.vocabularySize);
    }

    private open(): DirectContext {
        this.context ??= this.model.createContext({contextSize: this.options.contextSize, batchSize: this.batchSize, threads: this.options.threads});
        return this.context;
    }

    /**
     * Decodes tokens[0..end) with logits after every position in [fromIndex, end) and hands each
     * row to `visit` (a view valid during the call only); `visit` undefined requests the logits
     * without reading them (for timing). Positions before `keepFrom` are taken from the KV cache.
     */
    evaluate(tokens: ArrayLike<number>, fromIndex: number, end: number, visit?: (row: Float32Array, position: number) => void, keepFrom = 0): void {
        if (end > this.options.contextSize) throw new Error(`${end} tokens do not fit a scoring context of ${this.options.contextSize}`);
        const context = this.open();
        context.forget(keepFrom);
        this.held.length = Math.min(this.held.length, keepFrom);
        const wants = (i: number) => i >= fromIndex;
        for (let at = keepFrom; at < end; at += this.batchSize) {
            const to = Math.min(end, at + this.batchSize);
            try {
                context.decodeSequence(tokens, at, to, at, wants);
            } catch (error) {
                this.held.length = 0;
                context.forget(0);
                throw error;
            }
            for (let i = at; i < to; i++) this.held.push(tokens[i]!);
            this.evaluatedTokens += to - at;
            if (visit) for (let i = Math.max(at, fromIndex); i < to; i++) visit(context.logitsRow(i - at), i);
        }
    }

    /**
     * evaluate, pipelined: batch n + 1 decodes on another thread while `visit` reads copies of batch
     * n's rows. Same decodes, same rows, same order of visits.
     */
    async evaluatePipelined(tokens: ArrayLike<number>, fromIndex: number, end: number, visit: (row: Float32Array, position: number) => void, keepFrom = 0): Promise<void> {
        if (end > this.options.contextSize) throw new Error(`${end} tokens do not fit a scoring context of ${this.options.contextSize}`);
        const context = this.open();
        const vocabulary = this.model.vocabularySize;
        context.forget(keepFrom);
        this.held.length = Math.min(this.held.length, keepFrom);
        const wants = (i: number) => i >= fromIndex;
        let pending: {copy: Float32Array; first: number; count: number} | undefined;
        const readPending = () => {
            if (!pending) return;
            for (let j = 0; j < pending.count; j++) visit(pending.copy.subarray(j * vocabulary, (j + 1) * vocabulary), pending.first + j);
            pending = undefined;
        };
        let flip = 0;
        for (let at = keepFrom; at < end; at += this.batchSize) {
            const to = Math.min(end, at + this.batchSize);
            const decoded = context.decodeSequenceAsync(tokens, at, to, at, wants);
            try {
                readPending();
            } finally {
                try {
                    await decoded;
                } catch (error) {
                    this.held.length = 0;
                    context.forget(0);
                    throw error;
                }
            }
            for (let i = at; i < to; i++) this.held.push(tokens[i]!);
            this.evaluatedTokens += to - at;
            const first = Math.max(at, fromIndex);
            if (first < to) {
                const copy = this.copies[flip] ??= new Float32Array(this.batchSize * vocabulary);
                flip ^= 1;
                for (let i = first; i < to; i++) copy.set(context.logitsRow(i - at), (i - first) * vocabulary);
                pending = {copy, first, count: to - first};
            }
        }
        readPending();
    }

    /**
     * Session.nextTokenLogprobs on raw logits: from scratch (as llama-perplexity clears the KV
     * cache per chunk), the distribution after tokens[0..p] for p in [fromIndex, tokens.length - 2].
     */
    async nextTokenLogprobs(tokens: readonly number[], fromIndex: number, options: {topK?: number; ids?(position: number): ArrayLike<number>} = {}): Promise<NextTokenLogprobs[]> {
        const topK = options.topK ?? 1;
        const results: NextTokenLogprobs[] = [];
        await this.evaluatePipelined(tokens, fromIndex, tokens.length - 1, (row, position) => {
            results.push(this.reader.read(row, position, tokens[position + 1]!, topK, options.ids?.(position)));
        });
        return results;
    }

    /**
     * Sum of log p(full[i + 1] | full[0..i]) for i in [split - 1, full.length - 2]: the
     * continuation after the first `split` tokens, teacher-forced. Reuses the KV cache's prefix
     * (up to split - 1, whose logits are needed) unless reusePrefix is false.
     */
    async continuationLogprob(full: readonly number[], split: number): Promise<number> {
        const keep = this.options.reusePrefix === false ? 0 : Math.min(commonPrefixLength(this.held, full), split - 1);
        let logprob = 0;
        // A few rows at the end only: nothing to overlap, so the decodes run on this thread.
        this.evaluate(full, split - 1, full.length - 1, (row, position) => {
            logprob += this.tokenLogprob(row, full[position + 1]!);
        }, keep);
        return logprob;
    }

    /** log p(token) from one row (float64 log-sum-exp); a token llama.cpp masked out (-inf) gets log(Number.MIN_VALUE), as before. */
    private tokenLogprob(row: Float32Array, token: number): number {
        return Math.max(this.reader.tokenLogprob(row, token), LOG_MIN_VALUE);
    }

    dispose(): void {
        this.copies.length = 0;
        this.context?.free();
        this.context = undefined;
        this.held = [];
    }
}
