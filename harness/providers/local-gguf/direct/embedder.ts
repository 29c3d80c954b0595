/**
 * Sentence embeddings, many sentences per decode: each sentence is its own sequence (positions
 * from 0), one llama_decode per batch, pooled per sequence with llama_get_embeddings_seq (models
 * without pooling: the last token's state, as node-llama-cpp's getEmbedding). Batches never
 * exceed n_ubatch (llama.cpp aborts the process on an encoder batch larger than that).
 * Vectors are raw (not normalized), as node-llama-cpp's getEmbeddingFor returns them.
 */
import {POOLING} from "./binding.js";
import type {DirectContext, DirectModel} from "./model.js";
import {consecutiveDecodes, FLASH_ATTENTION_TILE, packIntoTiles, sequencesOf, type PlannedDecode} from "./tile-packing.js";

/**
 * Sentences per decode without flash attention, or with it where `sentencesPerDecode` is given
 * (then in input order instead of packed into tiles).
 */
export const DEFAULT_SENTENCES_PER_DECODE = 8;

/** Sequences of a tile-packed context: as many as one tile can hold (inputs of one token each). */
const TILE_SEQUENCES = FLASH_ATTENTION_TILE;

export interface DirectEmbedderOptions {
    /** Tokens per input; longer inputs are cut to contextSize - 1 tokens (specials included), as LocalEmbedder does. */
    contextSize: number;
    threads: number;
    /**
     * Default: with flash attention and a context of at least 64 tokens, sentences packed into
     * the kernel's 64-token tiles (tile-packing.ts), one tile per decode; otherwise 8 per decode.
     * A number: that many per decode, in input order.
     */
    sentencesPerDecode?: number;
    /** Default true: pooled vectors do not depend on the batch shape beyond float rounding. */
    flashAttention?: boolean;
}

export class DirectEmbedder {
    /** Inputs cut to fit (counted over the embedder's life). */
    truncated = 0;
    private context?: DirectContext;
    private readonly maxInput: number;
    /** Sequences of the context: the most inputs (and filler) one decode holds. */
    private readonly sequences: number;
    private readonly batchTokens: number;
    private readonly flashAttention: boolean;
    /** Inputs packed into flash attention's tiles (else consecutive, `sequences` per decode). */
    private readonly tiles: boolean;

    constructor(private readonly model: DirectModel, private readonly options: DirectEmbedderOptions) {
        this.maxInput = Math.max(2, options.contextSize - 1);
        this.flashAttention = options.flashAttention ?? true;
        // Fillers sit at positions up to 62: a context under a tile may be all the model's positions.
        this.tiles = this.flashAttention && options.sentencesPerDecode === undefined && options.contextSize >= FLASH_ATTENTION_TILE;
        this.sequences = this.tiles ? TILE_SEQUENCES : Math.max(1, options.sentencesPerDecode ?? DEFAULT_SENTENCES_PER_DECODE);
        // One decode holds at least one longest input (whole tiles of it when packed into tiles);
        // consecutive batches pack up to `sequences` short ones. A multiple of the sequences:
        // llama.cpp aborts the process reserving a pooled graph whose n_ubatch the sequence count
        // does not divide (e.g. 511 tokens, 4 sequences).
        const tokens = this.tiles ? Math.max(this.maxInput, FLASH_ATTENTION_TILE) : Math.max(this.maxInput, Math.min(512, this.sequences * 64));
        this.batchTokens = Math.ceil(tokens / this.sequences) * this.sequences;
    }

    private open(): DirectContext {
        if (!this.context) {
            try {
                this.context = this.model.createContext({contextSize: this.batchTokens, batchSize: this.batchTokens, threads: this.options.threads,
                    sequences: this.sequences, embeddings: true, flashAttention: this.flashAttention});
            } catch (error) {
                throw new Error(`this model cannot embed: ${(error as Error).message}`);
            }
        }
        return this.context;
    }

    /** Tokens the model adds around a text (BOS/CLS, EOS/SEP), counted once. */
    private specials?: number;

    /** Token ids as node-llama-cpp's embedding context feeds them (BOS/CLS and EOS/SEP as the model declares), cut to fit. */
    private tokens(text: string): ArrayLike<number> {
        this.specials ??= this.model.tokenize("a", true).length - this.model.tokenize("a", false).length;
        // One tokenization per text; the bare one only for texts that tokenize to nothing or must be cut.
        const full = this.model.tokenize(text, true);
        if (full.length > this.specials && full.length <= this.maxInput) return full;
        const bare = this.model.tokenize(text, false);
        if (bare.length === 0) throw new Error(`the model gave no embedding for ${JSON.stringify(text.slice(0, 80))} (it tokenizes to nothing)`);
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
        const inputs = distinct.map((text) => this.tokens(text));
        const lengths = inputs.map((tokens) => tokens.length);
        const plan: PlannedDecode[] = this.tiles ? packIntoTiles(lengths, this.sequences) : consecutiveDecodes(lengths, this.sequences, this.batchTokens);
        const vectors = new Map<string, number[]>();
        const pooled = context.poolingType !== POOLING.NONE;
        for (const decode of plan) {
            context.forget(0);
            context.decodeSequences(sequencesOf(decode, inputs));
            let end = 0;
            decode.inputs.forEach((index, seq) => {
                end += lengths[index]!;
                const text = distinct[index]!;
                const view = pooled ? context.embeddingView(seq) : context.tokenEmbedding(end - 1);
                // A plain loop: Array.from on a Float32Array costs ten times as much (6 µs of a ~200 µs sentence).
                const vector = new Array<number>(view.length);
                for (let i = 0; i < view.length; i++) {
                    if (!Number.isFinite(view[i]!)) throw new Error(`the model gave a non-finite embedding for ${JSON.stringify(text.slice(0, 80))}`);
                    vector[i] = view[i]!;
                }
                vectors.set(text, vector);
            });
        }
        return texts.map((text) => vectors.get(text)!);
    }

    dispose(): void {
        this.context?.free();
        this.context = undefined;
    }
}
