import type {LlamaEmbeddingContext, LlamaModel, Token} from "node-llama-cpp";

/**
 * How many embedding contexts embed side by side. node-llama-cpp's getEmbeddingFor() runs one
 * input at a time on a context's single sequence (and its native getEmbedding reads sequence 0
 * only, so sequences cannot be batched), and for small embedding models most of each call is
 * dispatch overhead (scheduling the decode on the next event-loop turn, the thread-pool
 * round trip, copying the vector) rather than compute. Several contexts, each with its own
 * sequence, overlap that overhead and run their decodes on different libuv threads. Each context
 * keeps llama.cpp's own thread count at `threads` (1 by default): raising llama.cpp threads for
 * tiny inputs made things slower by orders of magnitude on a 2-core machine.
 * Measured numbers: harness/perf/sts-perf.ts. Override with SLMBENCH_EMBED_CONTEXTS.
 */
// Quiet 2-core machine, wnft-sif-256 F16, 2,552 STS-B sentences: 2 contexts 1.48-1.79x the bare
// one-at-a-time loop, 4 contexts 1.90-2.28x, 6 contexts 2.11x. Each context costs one KV/compute buffer.
export const DEFAULT_EMBEDDING_CONTEXTS = 4;

export interface EmbedderOptions {
    /** Tokens per input; longer inputs are truncated to fit (as sentence-transformers truncates). */
    contextSize: number;
    /** llama.cpp threads per context: always explicit (node-llama-cpp's default is far too many for tiny models). */
    threads: number;
    /** Embedding contexts run in parallel (default DEFAULT_EMBEDDING_CONTEXTS or SLMBENCH_EMBED_CONTEXTS). */
    contexts?: number;
}

function contextsFromEnv(): number | undefined {
    const raw = process.env.SLMBENCH_EMBED_CONTEXTS;
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`SLMBENCH_EMBED_CONTEXTS must be a positive integer, got ${JSON.stringify(raw)}`);
    return value;
}

/**
 * Sentence embeddings through node-llama-cpp's embedding contexts, pooled as the GGUF declares
 * (llama.cpp reads `<arch>.pooling_type`; models without one give the last token's state).
 * Contexts are created on first use, so sessions that never embed pay nothing.
 */
export class LocalEmbedder {
    private contexts?: Promise<LlamaEmbeddingContext[]>;
    private readonly contextSize: number;
    private readonly contextCount: number;
    /** Inputs cut to fit the context (counted over the embedder's life). */
    truncated = 0;

    constructor(private readonly model: LlamaModel, private readonly options: EmbedderOptions) {
        this.contextSize = Math.max(8, Math.min(options.contextSize, model.trainContextSize || options.contextSize));
        this.contextCount = options.contexts ?? contextsFromEnv() ?? DEFAULT_EMBEDDING_CONTEXTS;
    }

    private open(): Promise<LlamaEmbeddingContext[]> {
        this.contexts ??= (async () => {
            const created: LlamaEmbeddingContext[] = [];
            try {
                for (let i = 0; i < this.contextCount; i++)
                    created.push(await this.model.createEmbeddingContext({contextSize: this.contextSize, threads: this.options.threads}));
            } catch (error) {
                await Promise.all(created.map((context) => context.dispose()));
                throw new Error(`this model cannot embed: node-llama-cpp failed to create an embedding context (${(error as Error).message})`);
            }
            return created;
        })();
        return this.contexts;
    }

    /** Whether embedOne cuts this text to fit. A token covers at least one byte, and at most a few special tokens are added: only long texts need counting. */
    private cut(context: LlamaEmbeddingContext, text: string): boolean {
        return Buffer.byteLength(text) + 4 >= this.contextSize && context.calculateInputLength(text) >= this.contextSize;
    }

    /** How many of the texts embed() cuts to fit the context (counted without embedding them). */
    async countTruncated(texts: string[]): Promise<number> {
        const long = texts.filter((text) => Buffer.byteLength(text) + 4 >= this.contextSize);
        if (long.length === 0) return 0;
        const [context] = await this.open();
        return long.filter((text) => this.cut(context!, text)).length;
    }

    private async embedOne(context: LlamaEmbeddingContext, text: string): Promise<number[]> {
        let input: string | Token[] = text;
        if (this.cut(context, text)) {
            const tokens = this.model.tokenize(text);
            const specials = context.calculateInputLength(tokens) - tokens.length;
            input = tokens.slice(0, Math.max(1, this.contextSize - 1 - specials));
            this.truncated++;
        }
        const {vector} = await context.getEmbeddingFor(input);
        if (vector.length === 0) throw new Error(`the model gave no embedding for ${JSON.stringify(text.slice(0, 80))} (it tokenizes to nothing)`);
        for (const value of vector)
            if (!Number.isFinite(value)) throw new Error(`the model gave a non-finite embedding for ${JSON.stringify(text.slice(0, 80))}`);
        return vector as number[];
    }

    /** One vector per text, in order; each distinct text is embedded once. */
    async embed(texts: string[]): Promise<number[][]> {
        const contexts = await this.open();
        const distinct = [...new Set(texts)];
        const vectors = new Map<string, number[]>();
        let next = 0;
        let failure: unknown;
        // Each context takes the next text as soon as it is free; all workers end before returning or throwing.
        await Promise.all(contexts.map(async (context) => {
            while (failure === undefined && next < distinct.length) {
                const text = distinct[next++]!;
                try {
                    vectors.set(text, await this.embedOne(context, text));
                } catch (error) {
                    failure ??= error;
                }
            }
        }));
        if (failure !== undefined) throw failure;
        const dimensions = vectors.get(distinct[0]!)?.length;
        for (const vector of vectors.values())
            if (vector.length !== dimensions) throw new Error(`embedding sizes differ (${dimensions} vs ${vector.length})`);
        return texts.map((text) => vectors.get(text)!);
    }

    async dispose(): Promise<void> {
        if (!this.contexts) return;
        const contexts = await this.contexts.catch(() => []);
        await Promise.all(contexts.map((context) => context.dispose()));
    }
}
