/**
 * A causal model's context on the direct path: teacher-forced scoring on raw logits (next-token
 * distributions at every scored position for fidelity, a continuation's log-probability for NIAH's
 * lift) and greedy generation, all on one KV cache, so NIAH's generation and scoring share the
 * prompt's evaluated prefix.
 *
 * Numbers equal node-llama-cpp's (the sampler path) at the same settings: the context has the
 * shape node-llama-cpp gives it (KV cells padded to 256, batch min(size, 512)), flash attention
 * defaults to "auto" as there, and tokens go into the same decodes (./schedule.ts), because with
 * flash attention a row's last digits depend on the batch shape.
 *
 * Rows are reduced as soon as their decode is done (./scoring.ts): no positions x vocabulary array
 * is held, and llama.cpp's logits buffer holds at most DISTRIBUTION_ENTRIES_PER_CALL entries.
 * Where a core is free, fidelity's calls are pipelined: while llama.cpp decodes the next batch on a
 * thread of koffi's pool, JavaScript reduces a copy of the previous batch's rows.
 */
import os from "node:os";
import type {NextTokenLogprobs, NextTokenOptions, ReferenceRows} from "../../../session/types.js";
import type {DirectContext, DirectModel} from "./model.js";
import {decodeRanges, nodeLlamaCppContextShape, scoredPerCall} from "./schedule.js";
import {LogitsReader} from "./scoring.js";

const LOG_MIN_VALUE = Math.log(Number.MIN_VALUE);

export interface DirectScorerOptions {
    /** KV cells asked for: the longest token sequence scored or generated (padded to 256 as node-llama-cpp pads it). */
    contextSize: number;
    threads: number;
    /** Keep the evaluated prefix between continuationLogprob and generate calls (default true). */
    reusePrefix?: boolean;
    /** Default "auto", node-llama-cpp's default; false makes rows independent of the batch shape. */
    flashAttention?: boolean | "auto";
    /** The model's training context: node-llama-cpp pads a context below it (default: no limit). */
    trainContextSize?: number;
    /**
     * Read a batch's rows while the next batch decodes on another thread (default: when the machine
     * has a core beyond llama.cpp's threads). Same numbers either way.
     */
    pipeline?: boolean;
    /** Scored positions per evaluation call (default scoredPerCall(vocabulary size), as the sampler path): smaller values split a chunk into more decodes. */
    scoredPerCall?: number;
}

export interface DirectGeneration {
    /** Generated tokens, without the end-of-generation token that stopped it. */
    tokens: number[];
    promptMs: number;
    generateMs: number;
}

function commonPrefixLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const limit = Math.min(a.length, b.length);
    let i = 0;
    while (i < limit && a[i] === b[i]) i++;
    return i;
}

export class DirectScorer {
    /** Tokens per decode (n_batch = n_ubatch) and KV cells, as node-llama-cpp sizes them. */
    readonly batchSize: number;
    readonly cells: number;
    /** Scored positions per evaluation call (the logits one call asks for fit DISTRIBUTION_ENTRIES_PER_CALL). */
    readonly perCall: number;
    private context?: DirectContext;
    private readonly reader: LogitsReader;
    /** A decode's worth of a reference's rows (exact comparisons): read for the next decode once this one's are compared. */
    private referenceRows?: Float32Array;
    /** A copy of one batch's rows, read while the next batch decodes. */
    private copy?: Float32Array;
    /** Tokens held in the context's KV cache (sequence 0). */
    private held: number[] = [];
    /** The expected next call's first decode, started while the last call's final rows were read (NextTokenOptions.next). */
    private ahead?: {tokens: readonly number[]; fromIndex: number; range: readonly [number, number]; decode: Promise<void>};
    /** Tokens decoded, for the session's counters. */
    evaluatedTokens = 0;

    constructor(readonly model: DirectModel, private readonly options: DirectScorerOptions) {
        const shape = nodeLlamaCppContextShape(options.contextSize, options.trainContextSize ?? Number.POSITIVE_INFINITY);
        this.batchSize = shape.batchSize;
        this.cells = shape.cells;
        this.perCall = options.scoredPerCall ?? scoredPerCall(model.vocabularySize);
        this.reader = new LogitsReader(model.vocabularySize);
    }

    private open(): DirectContext {
        this.context ??= this.model.createContext({contextSize: this.cells, batchSize: this.batchSize, threads: this.options.threads,
            flashAttention: this.options.flashAttention ?? "auto"});
        return this.context;
    }

    /** Drops the KV cache past `keep` and returns the context; throws before any decode when `end` tokens cannot fit. */
    private prepare(keep: number, end: number): DirectContext {
        if (this.ahead) throw new Error("the scorer has a decode started ahead still running: await settle() before using it otherwise");
        if (end > this.cells) throw new Error(`${end} tokens do not fit a context of ${this.cells}`);
        const context = this.open();
        context.forget(keep);
        this.held.length = Math.min(this.held.length, keep);
        return context;
    }

    private failed(error: unknown): never {
        this.held.length = 0;
        this.context?.forget(0);
        throw error;
    }

    /**
     * Waits for a decode started ahead for a call that did not come (or before anything else uses
     * the context); its tokens stay in the KV cache. A failed one leaves the cache empty: the next
     * call decodes from scratch and meets the failure itself.
     */
    async settle(): Promise<void> {
        const ahead = this.ahead;
        if (!ahead) return;
        this.ahead = undefined;
        try {
            await ahead.decode;
            this.decoded(ahead.tokens, ahead.range[0], ahead.range[1]);
        } catch {
            this.held.length = 0;
            this.context?.forget(0);
        }
    }

    /** The decode started ahead, when it is the one this call would start (same tokens and scored positions): taken over. */
    private takeAhead(tokens: ArrayLike<number>, fromIndex: number, range: readonly [number, number]): Promise<void> | undefined {
        const ahead = this.ahead;
        if (!ahead || ahead.fromIndex !== fromIndex || ahead.range[0] !== range[0] || ahead.range[1] !== range[1]) return undefined;
        for (let i = 0; i < range[1]; i++) if (ahead.tokens[i] !== tokens[i]) return undefined;
        this.ahead = undefined;
        return ahead.decode;
    }

    private decoded(tokens: ArrayLike<number>, from: number, to: number): void {
        for (let i = from; i < to; i++) this.held.push(tokens[i]!);
        this.evaluatedTokens += to - from;
    }

    /**
     * Decodes tokens[keepFrom..end) with logits after every position in [fromIndex, end) and hands
     * each row to `visit` (a view valid during the call only); without `visit` the logits are
     * requested but not read (for timing). Positions before `keepFrom` are taken from the KV cache.
     */
    evaluate(tokens: ArrayLike<number>, fromIndex: number, end: number, visit?: (row: Float32Array, position: number) => void, keepFrom = 0): void {
        const context = this.prepare(keepFrom, end);
        const vocabulary = this.model.vocabularySize;
        const wants = (i: number) => i >= fromIndex;
        for (const [at, to] of decodeRanges(keepFrom, fromIndex, end, this.perCall, this.batchSize)) {
            try {
                context.decodeSequence(tokens, at, to, at, wants);
            } catch (error) {
                this.failed(error);
            }
            this.decoded(tokens, at, to);
            const first = Math.max(at, fromIndex);
            if (visit && first < to) {
                const rows = context.logitsRows(first - at, to - first);
                for (let i = first; i < to; i++) visit(rows.subarray((i - first) * vocabulary, (i - first + 1) * vocabulary), i);
            }
        }
    }

    /**
     * Decodes tokens[0..end) with logits at every position in [fromIndex, end) and hands each
     * decode's rows to `visit` (count x vocabulary; valid during the call only), awaiting it before
     * the next decode. Pipelined: batch n + 1 decodes on another thread while `visit` reads a copy
     * of batch n's rows (the last batch, with nothing left to overlap, is read in place); same
     * decodes, same rows, same order of visits. `during(first, count)` runs while the decode of
     * those positions is under way (on this thread, which would otherwise wait), after the previous
     * batch's visit: one buffer serves what it reads for the visit of the same positions. With
     * `next` (pipelined only), the next call's first decode starts before the last batch's visit,
     * which then reads a copy; that call takes it over (see takeAhead) or settle() waits for it.
     */
    private async evaluateBatches(tokens: ArrayLike<number>, fromIndex: number, end: number, pipelined: boolean,
        visit: (first: number, count: number, rows: Float32Array) => void | Promise<void>,
        during?: (first: number, count: number) => void | Promise<void>, next?: {tokens: readonly number[]; fromIndex: number}): Promise<void> {
        const ranges = decodeRanges(0, fromIndex, end, this.perCall, this.batchSize);
        const adopted = end <= this.cells ? this.takeAhead(tokens, fromIndex, ranges[0]!) : undefined;
        if (!adopted) await this.settle();
        // A decode taken over began from an empty cache, as prepare(0) leaves it.
        const context = adopted ? this.open() : this.prepare(0, end);
        const vocabulary = this.model.vocabularySize;
        const wants = (i: number) => i >= fromIndex;
        let pending: {first: number; count: number} | undefined;
        const readPending = async () => {
            if (!pending) return;
            const {first, count} = pending;
            pending = undefined;
            await visit(first, count, this.copy!.subarray(0, count * vocabulary));
        };
        const rowsPerDecode = Math.min(this.batchSize, this.perCall);
        for (let r = 0; r < ranges.length; r++) {
            const [at, to] = ranges[r]!;
            const first = Math.max(at, fromIndex);
            const decoded = r === 0 && adopted ? adopted : context.decodeSequenceAsync(tokens, at, to, at, wants);
            try {
                await readPending();
                if (first < to) await during?.(first, to - first);
            } finally {
                try {
                    await decoded;
                } catch (error) {
                    this.failed(error);
                }
            }
            this.decoded(tokens, at, to);
            if (first >= to) continue;
            const last = r === ranges.length - 1;
            /** This decode's rows copied out of llama.cpp's buffer (which the next decode overwrites). */
            const copyRows = () => {
                this.copy ??= new Float32Array(rowsPerDecode * vocabulary);
                this.copy.set(context.logitsRows(first - at, to - first));
                return this.copy.subarray(0, (to - first) * vocabulary);
            };
            if (last && pipelined && next && next.tokens.length - 1 <= this.cells && next.fromIndex < next.tokens.length - 1) {
                const copy = copyRows();
                this.startAhead(next);
                await visit(first, to - first, copy);
                continue;
            }
            if (!pipelined || last) {
                await visit(first, to - first, context.logitsRows(first - at, to - first));
                continue;
            }
            // The previous batch's visit is over (awaited above): one copy buffer is enough.
            copyRows();
            pending = {first, count: to - first};
        }
        await readPending();
    }

    /** Starts the first decode of nextTokenLogprobs(next.tokens, next.fromIndex) on another thread, from an empty cache. */
    private startAhead(next: {tokens: readonly number[]; fromIndex: number}): void {
        const context = this.prepare(0, next.tokens.length - 1);
        const range = decodeRanges(0, next.fromIndex, next.tokens.length - 1, this.perCall, this.batchSize)[0]!;
        const decode = context.decodeSequenceAsync(next.tokens, range[0], range[1], range[0], (i) => i >= next.fromIndex);
        // Observed by takeAhead's caller or settle(); never an unhandled rejection meanwhile.
        decode.catch(() => {});
        this.ahead = {tokens: next.tokens, fromIndex: next.fromIndex, range, decode};
    }

    /**
     * Session.nextTokenLogprobs on raw logits: from scratch (as llama-perplexity clears the KV
     * cache per chunk), the distribution after tokens[0..p] for p in [fromIndex, tokens.length - 2].
     * With `reference`, each position is compared with the reference's row over the whole
     * vocabulary (stored rows are read while this model decodes the same positions); `rowsOut`
     * receives every decode's raw rows.
     */
    async nextTokenLogprobs(tokens: readonly number[], fromIndex: number, options: NextTokenOptions = {}): Promise<NextTokenLogprobs[]> {
        const topK = options.topK ?? 1;
        const {reference, rowsOut} = options;
        const vocabulary = this.model.vocabularySize;
        if (reference && reference.vocabularySize !== vocabulary)
            throw new Error(`the reference has a vocabulary of ${reference.vocabularySize} tokens, this model ${vocabulary}: their distributions cannot be compared`);
        const results: NextTokenLogprobs[] = [];
        const pipelined = this.options.pipeline ?? os.availableParallelism() > this.options.threads;
        // Kept across calls: a buffer of megabytes per chunk would keep V8's collector busy.
        const referenceRows = (count: number) =>
            (this.referenceRows ??= new Float32Array(Math.min(this.batchSize, this.perCall) * vocabulary)).subarray(0, count * vocabulary);
        const readReference = reference && ((first: number, count: number) => reference.read(first, count, referenceRows(count)));
        await this.evaluateBatches(tokens, fromIndex, tokens.length - 1, pipelined, async (first, count, rows) => {
            rowsOut?.(first, count, rows);
            // A reference that decodes (lockstep) reads after this decode: two decodes at once would compete for the cores.
            if (readReference && !reference.stored) await readReference(first, count);
            for (let j = 0; j < count; j++) {
                const row = rows.subarray(j * vocabulary, (j + 1) * vocabulary);
                const position = first + j;
                const next = tokens[position + 1]!;
                results.push(reference
                    ? this.reader.compare(this.referenceRows!.subarray(j * vocabulary, (j + 1) * vocabulary), row, position, next)
                    : this.reader.read(row, position, next, topK, options.ids?.(position)));
            }
        }, reference?.stored ? readReference : undefined,
        // Not beside a reference that decodes (lockstep): two decodes at once would compete for the cores.
        reference && !reference.stored ? undefined : options.next);
        reference?.finish?.();
        return results;
    }

    /**
     * This model's rows of `tokens` as ReferenceRows, for another model's exact comparison in
     * lockstep: each read decodes the next batch (the same decodes nextTokenLogprobs makes, so the
     * same rows the model gives when it scores these tokens itself) and copies its rows.
     */
    rowsFor(tokens: readonly number[], fromIndex: number): ReferenceRows {
        const end = tokens.length - 1;
        const ranges = decodeRanges(0, fromIndex, end, this.perCall, this.batchSize);
        let next = 0;
        let context: DirectContext | undefined;
        const wants = (i: number) => i >= fromIndex;
        return {
            vocabularySize: this.model.vocabularySize,
            read: async (first, count, into) => {
                context ??= this.prepare(0, end);
                while (next < ranges.length) {
                    const [at, to] = ranges[next++]!;
                    try {
                        await context.decodeSequenceAsync(tokens, at, to, at, wants);
                    } catch (error) {
                        this.failed(error);
                    }
                    this.decoded(tokens, at, to);
                    const from = Math.max(at, fromIndex);
                    if (from >= to) continue;
                    if (from !== first || to - from !== count)
                        throw new Error(`reference rows asked for positions ${first}..${first + count - 1}, the reference decoded ${from}..${to - 1}: the two models split tokens differently`);
                    into.set(context.logitsRows(from - at, count));
                    return;
                }
                throw new Error(`reference rows asked for positions ${first}..${first + count - 1} past the end of the tokens`);
            }
        };
    }

    /** Positions the KV cache can keep for `tokens` whose logits are needed from `needFrom` on. */
    private reusable(tokens: readonly number[], needFrom: number): number {
        return this.options.reusePrefix === false ? 0 : Math.min(commonPrefixLength(this.held, tokens), needFrom);
    }

    /**
     * Sum of log p(full[i + 1] | full[0..i]) for i in [split - 1, full.length - 2]: the
     * continuation after the first `split` tokens, teacher-forced. Reuses the KV cache's prefix
     * (up to split - 1, whose logits are needed) unless reusePrefix is false.
     */
    continuationLogprob(full: readonly number[], split: number): number {
        let logprob = 0;
        // A few rows at the end only: nothing to overlap, so the decodes run on this thread.
        this.evaluate(full, split - 1, full.length - 1, (row, position) => {
            logprob += Math.max(this.reader.tokenLogprob(row, full[position + 1]!), LOG_MIN_VALUE);
        }, this.reusable(full, split - 1));
        return logprob;
    }

    /**
     * Greedy generation after `prompt` (the most likely token at each step, the smaller id among
     * equal logits), as node-llama-cpp's `evaluate` at temperature 0: the prompt's tokens past the
     * reused prefix go in decodes of batchSize, each generated token in a decode of its own; it stops
     * before an end-of-generation token or after `maxTokens` tokens (the last one is not decoded).
     */
    async generate(prompt: readonly number[], maxTokens: number): Promise<DirectGeneration> {
        if (prompt.length === 0) throw new Error("generate: an empty prompt");
        await this.settle();
        const started = performance.now();
        const tokens = [...prompt];
        const keep = this.reusable(prompt, prompt.length - 1);
        const context = this.prepare(keep, prompt.length);
        const last = (i: number) => i === prompt.length - 1;
        let lastDecode = keep;
        try {
            for (let at = keep; at < prompt.length; at += this.batchSize) {
                const to = Math.min(prompt.length, at + this.batchSize);
                await context.decodeSequenceAsync(tokens, at, to, at, last);
                this.decoded(tokens, at, to);
                lastDecode = at;
            }
        } catch (error) {
            this.failed(error);
        }
        const promptDone = performance.now();
        const generated: number[] = [];
        let row = context.logitsRow(prompt.length - 1 - lastDecode);
        for (; ;) {
            const next = this.reader.argmax(row);
            if (this.model.isEndOfGeneration(next)) break;
            generated.push(next);
            if (generated.length >= maxTokens) break;
            const at = tokens.length;
            // A full context ends the generation (node-llama-cpp would shift it; prompts here are sized to leave room).
            if (at + 1 > this.cells) break;
            tokens.push(next);
            try {
                await context.decodeSequenceAsync(tokens, at, at + 1, at, () => true);
            } catch (error) {
                this.failed(error);
            }
            this.decoded(tokens, at, at + 1);
            row = context.logitsRow(0);
        }
        return {tokens: generated, promptMs: promptDone - started, generateMs: performance.now() - promptDone};
    }

    dispose(): void {
        if (this.ahead) throw new Error("the scorer has a decode started ahead still running: await settle() before dispose()");
        this.copy = undefined;
        this.referenceRows = undefined;
        this.context?.free();
        this.context = undefined;
        this.held = [];
    }
}
