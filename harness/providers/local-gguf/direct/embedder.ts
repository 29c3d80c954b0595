/**
 * Sentence embeddings, many sentences per decode: each sentence is its own sequence (positions
 * from 0), one llama_decode per batch, pooled per sequence with llama_get_embeddings_seq (models
 * without pooling: the last token's state, as node-llama-cpp's getEmbedding). Batches never
 * exceed n_ubatch (llama.cpp aborts the process on an encoder batch larger than that).
 * Vectors are raw (not normalized), as node-llama-cpp's getEmbeddingFor returns them.
 */
import {POOLING} from "./binding.js";
import type {DirectContext, DirectModel} from "./model.js";

/**
 * Sentences per decode, with flash attention on (the default for embeddings). Measured on
 * wnft-sif-256, 1 thread (harness/perf/direct-perf.ts): 8 per decode with flash attention is the
 * fastest; without it, batching sentences is slower than one per decode (the non-causal attention
 * spans every token of the batch). Vectors equal the one-at-a-time ones either way (1 - cos ~1e-14).
 */
export const DEFAULT_SENTENCES_PER_DECODE = 8;

export interface DirectEmbedderOptions {
    /** Tokens per input; longer inputs are cut to contextSize - 1 tokens (specials included), as LocalEmbedder does. */
    contextSize: number;
    threads: number;
    sentencesPerDecode?: number;
    /** Default true: pooled vectors do not depend on the batch shape beyond float rounding. */
    flashAttention?: boolean;
}

export class DirectEmbedder {
    /** Inputs cut to fit (counted over the embedder's life). */
    truncated = 0;
    private context?: DirectContext;
    private readonly maxInput: number;
    private readonly sentences: number;
    private readonly batchTokens: number;

    constructor(private readonly model: DirectModel, private readonly options: DirectEmbedderOptions) {
        this.maxInput = Math.max(2, options.contextSize - 1);
        this.sentences = Math.max(1, options.sentencesPerDecode ?? DEFAULT_SENTENCES_PER_DECODE);
        // One decode holds at least one longest input; short sentences pack up to `sentences` of them.
        this.batchTokens = Math.max(this.maxInput, Math.min(512, this.sentences * 64));
    }

    private open(): DirectContext {
        if (!this.context) {
            try {
                this.context = this.model.createContext({contextSize: this.batchTokens, batchSize: this.batchTokens, threads: this.options.threads,
                    sequences: this.sentences, embeddings: true, flashAttention: this.options.flashAttention ?? true});
            } catch (error) {
                throw new Error(`this model cannot embed: ${(error as Error).message}`);
            }
        }
        return this.context;
    }

    /** Token ids as node-llama-cpp's embedding context feeds them (BOS/CLS and EOS/SEP as the model declares), cut to fit. */
    private tokens(text: string): ArrayLike<number> {
        const bare = this.model.tokenize(text, false);
        if (bare.length === 0) throw new Error(`the model gave no embedding for ${JSON.stringify(text.slice(0, 80))} (it tokenizes to nothing)`);
        const full = this.model.tokenize(text, true);
        if (full.length <= this.maxInput) return full;
        let lead = 0;
        while (lead < full.length - bare.length && full[lead] !== bare[0]) lead++;
        const tail = full.length - bare.length - lead;
        this.truncated++;
        return Int32Array.from([...full.subarray(0, lead), ...bare.subarray(0, Math.max(1, this.maxInput - lead - tail)), ...full.subarray(full.length - tail)]);
    }

    /** How many of the texts embed() cuts to fit (counted without embedding; a token covers at least a byte, so only long texts are tokenized). */
    countTruncated(texts: string[]): number {
        return texts.filter((text) => Buffer.byteLength(text) + 4 > this.maxInput && this.model.tokenize(text, true).length > this.maxInput).length;
    }

    /** One vector per text, in order; each distinct text is embedded once. */
    embed(texts: string[]): number[][] {
        const context = this.open();
        const distinct = [...new Set(texts)];
        const vectors = new Map<string, number[]>();
        const pooled = context.poolingType !== POOLING.NONE;
        let pending: {text: string; tokens: ArrayLike<number>}[] = [];
        let pendingTokens = 0;
        const flush = () => {
            if (pending.length === 0) return;
            context.forget(0);
            context.decodeSequences(pending.map((input) => input.tokens));
            let end = 0;
            pending.forEach((input, seq) => {
                end += input.tokens.length;
                const vector = pooled ? context.embedding(seq) : context.tokenEmbedding(end - 1);
                for (const value of vector)
                    if (!Number.isFinite(value)) throw new Error(`the model gave a non-finite embedding for ${JSON.stringify(input.text.slice(0, 80))}`);
                vectors.set(input.text, Array.from(vector));
            });
            pending = [];
            pendingTokens = 0;
        };
        for (const text of distinct) {
            const tokens = this.tokens(text);
            if (pending.length === this.sentences || pendingTokens + tokens.length > this.batchTokens) flush();
            pending.push({text, tokens});
            pendingTokens += tokens.length;
        }
        flush();
        return texts.map((text) => vectors.get(text)!);
    }

    dispose(): void {
        this.context?.free();
        this.context = undefined;
    }
}
