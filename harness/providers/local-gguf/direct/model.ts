/**
 * A GGUF model, its contexts and a reusable batch, on the libllama bindings of ./binding.ts.
 * Logits and embeddings are read as Float32Array views of llama.cpp's own buffers (no copy): a
 * view is valid until the next decode on that context.
 */
import koffi from "koffi";
import {BatchValue, FLASH_ATTN, llamaApi, LlamaApi} from "./binding.js";

export interface DirectContextOptions {
    /** KV cells (causal models) or the most tokens in one decode (encoders). */
    contextSize: number;
    /** Tokens per llama_decode call (n_batch) and per graph evaluation (n_ubatch): kept equal. */
    batchSize: number;
    /** llama.cpp threads (decode and batch). */
    threads: number;
    /** Distinct sequences in one decode (embeddings: one per sentence). */
    sequences?: number;
    /** Pooled embeddings instead of logits. */
    embeddings?: boolean;
    /**
     * Flash attention: "auto" (llama.cpp's and node-llama-cpp's default: on where the backend supports it; rows
     * then depend on how tokens are split into decodes, in the last digits), true, or false (default).
     */
    flashAttention?: boolean | "auto";
}

export class DirectModel {
    readonly vocabularySize: number;
    readonly embeddingSize: number;
    private readonly api: LlamaApi;
    private handle: unknown;
    private readonly vocab: unknown;

    private constructor(readonly path: string, handle: unknown) {
        this.api = llamaApi();
        this.handle = handle;
        this.vocab = this.api.modelGetVocab(handle);
        this.vocabularySize = this.api.vocabNTokens(this.vocab);
        this.embeddingSize = this.api.modelNEmbdOut(handle);
    }

    /** Loads a GGUF file on the CPU (weights memory-mapped, as node-llama-cpp loads them). */
    static load(modelPath: string): DirectModel {
        const api = llamaApi();
        const params = api.modelDefaultParams();
        params.n_gpu_layers = 0;
        const handle = api.modelLoad(modelPath, params);
        if (!handle) throw new Error(`llama.cpp could not load ${modelPath} (llama_model_load_from_file returned NULL)`);
        return new DirectModel(modelPath, handle);
    }

    /** Token ids of `text` (add_special: BOS/CLS/SEP as the model declares them). */
    tokenize(text: string, addSpecial: boolean): Int32Array {
        const bytes = Buffer.from(text, "utf8");
        let out = new Int32Array(bytes.length + 8);
        let count = this.api.tokenize(this.vocab, bytes, bytes.length, out, out.length, addSpecial, false);
        if (count < 0) {
            out = new Int32Array(-count);
            count = this.api.tokenize(this.vocab, bytes, bytes.length, out, out.length, addSpecial, false);
        }
        if (count < 0) throw new Error(`llama_tokenize failed on a text of ${bytes.length} bytes (${count})`);
        return out.subarray(0, count);
    }

    isEndOfGeneration(token: number): boolean {
        return this.api.vocabIsEog(this.vocab, token);
    }

    createContext(options: DirectContextOptions): DirectContext {
        if (!this.handle) throw new Error(`${this.path}: model already freed`);
        return new DirectContext(this, this.api, this.handle, options);
    }

    free(): void {
        if (this.handle) this.api.modelFree(this.handle);
        this.handle = undefined;
    }
}

/** One decode's worth of tokens: llama_batch arrays allocated once, filled through typed-array views. */
class NativeBatch {
    readonly token: Int32Array;
    readonly pos: Int32Array;
    readonly nSeqId: Int32Array;
    readonly logits: Int8Array;
    /** seq_id pointers as 32-bit halves (little-endian): written without BigInt arithmetic per token. */
    private readonly seqPointerWords: Uint32Array;
    /** The two halves of the pointer to sequence s's id: low at 2s, high at 2s + 1. */
    private readonly seqAddressWords: Uint32Array;
    private readonly memory: unknown[];
    private readonly value: BatchValue;

    constructor(readonly capacity: number, sequences: number) {
        const alloc = (type: string, count: number) => koffi.alloc(type, Math.max(1, count));
        const token = alloc("int32_t", capacity), pos = alloc("int32_t", capacity), nSeqId = alloc("int32_t", capacity);
        const logits = alloc("int8_t", capacity), seqIds = alloc("void *", capacity), seqStore = alloc("int32_t", sequences);
        this.memory = [token, pos, nSeqId, logits, seqIds, seqStore];
        this.token = new Int32Array(koffi.view(token, capacity * 4));
        this.pos = new Int32Array(koffi.view(pos, capacity * 4));
        this.nSeqId = new Int32Array(koffi.view(nSeqId, capacity * 4)).fill(1);
        this.logits = new Int8Array(koffi.view(logits, capacity));
        const store = new Int32Array(koffi.view(seqStore, sequences * 4));
        for (let s = 0; s < sequences; s++) store[s] = s;
        const base = BigInt(koffi.address(seqStore));
        this.seqAddressWords = new Uint32Array(new BigUint64Array(Array.from({length: sequences}, (_, s) => base + BigInt(4 * s))).buffer);
        new BigUint64Array(koffi.view(seqIds, capacity * 8)).fill(base);
        this.seqPointerWords = new Uint32Array(koffi.view(seqIds, capacity * 8));
        this.value = {n_tokens: 0, token, embd: null, pos, n_seq_id: nSeqId, seq_id: seqIds, logits};
    }

    setSequence(i: number, seq: number): void {
        this.seqPointerWords[2 * i] = this.seqAddressWords[2 * seq]!;
        this.seqPointerWords[2 * i + 1] = this.seqAddressWords[2 * seq + 1]!;
    }

    batch(count: number): BatchValue {
        this.value.n_tokens = count;
        return this.value;
    }

    free(): void {
        for (const pointer of this.memory) koffi.free(pointer);
        this.memory.length = 0;
    }
}

export class DirectContext {
    readonly batchSize: number;
    readonly contextSize: number;
    readonly sequences: number;
    /** llama_pooling_type of the context (embeddings: mean, CLS, last ...). */
    readonly poolingType: number;
    private handle: unknown;
    private readonly memory: unknown;
    private readonly batch: NativeBatch;

    constructor(readonly model: DirectModel, private readonly api: LlamaApi, modelHandle: unknown, options: DirectContextOptions) {
        const params = api.contextDefaultParams();
        this.sequences = options.sequences ?? 1;
        this.contextSize = options.contextSize;
        this.batchSize = Math.min(options.batchSize, options.contextSize);
        if (options.embeddings && this.sequences > 1 && this.batchSize % this.sequences !== 0)
            throw new Error(`an embedding context of ${this.sequences} sequences needs a batch size they divide, not ${this.batchSize} (llama.cpp aborts otherwise)`);
        params.n_ctx = options.contextSize;
        params.n_batch = params.n_ubatch = this.batchSize;
        params.n_seq_max = this.sequences;
        params.n_threads = params.n_threads_batch = options.threads;
        params.flash_attn_type = options.flashAttention === "auto" ? FLASH_ATTN.AUTO : options.flashAttention ? FLASH_ATTN.ENABLED : FLASH_ATTN.DISABLED;
        params.embeddings = options.embeddings ?? false;
        // One KV buffer for all sequences: each sentence of an embedding batch is short.
        params.kv_unified = this.sequences > 1;
        this.handle = api.initFromModel(modelHandle, params);
        if (!this.handle) throw new Error(`${model.path}: llama.cpp could not create a context (llama_init_from_model returned NULL)`);
        this.memory = api.getMemory(this.handle);
        this.poolingType = api.poolingType(this.handle);
        this.batch = new NativeBatch(this.batchSize, this.sequences);
    }

    /**
     * Decodes tokens[from, to) of one sequence at positions start + (i - from), asking for logits
     * where `wantLogits(i)` says so; logitsRow(i - from) reads them.
     */
    decodeSequence(tokens: ArrayLike<number>, from: number, to: number, start: number, wantLogits: (i: number) => boolean, seq = 0): void {
        this.decode(this.fillSequence(tokens, from, to, start, wantLogits, seq));
    }

    /** decodeSequence on another thread: the promise settles when the decode is done (touch nothing of this context until then). */
    async decodeSequenceAsync(tokens: ArrayLike<number>, from: number, to: number, start: number, wantLogits: (i: number) => boolean, seq = 0): Promise<void> {
        const count = this.fillSequence(tokens, from, to, start, wantLogits, seq);
        this.check(await this.api.decodeAsync(this.handle, this.batch.batch(count)));
    }

    private fillSequence(tokens: ArrayLike<number>, from: number, to: number, start: number, wantLogits: (i: number) => boolean, seq: number): number {
        const count = to - from;
        if (count < 1 || count > this.batchSize) throw new Error(`decode of ${count} tokens with a batch of ${this.batchSize}`);
        const b = this.batch;
        for (let j = 0; j < count; j++) {
            b.token[j] = tokens[from + j]!;
            b.pos[j] = start + j;
            b.logits[j] = wantLogits(from + j) ? 1 : 0;
            b.setSequence(j, seq);
        }
        return count;
    }

    /** Decodes several short sequences in one batch (sequence s at positions 0..), pooled per sequence. */
    decodeSequences(inputs: readonly ArrayLike<number>[]): void {
        if (inputs.length > this.sequences) throw new Error(`${inputs.length} sequences in a context of ${this.sequences}`);
        const b = this.batch;
        let at = 0;
        inputs.forEach((tokens, seq) => {
            if (at + tokens.length > this.batchSize) throw new Error(`${at + tokens.length} tokens in a batch of ${this.batchSize}`);
            for (let j = 0; j < tokens.length; j++, at++) {
                b.token[at] = tokens[j]!;
                b.pos[at] = j;
                b.logits[at] = 1;
                b.setSequence(at, seq);
            }
        });
        this.decode(at);
    }

    private decode(count: number): void {
        this.check(this.api.decode(this.handle, this.batch.batch(count)));
    }

    private check(status: number): void {
        if (status !== 0) throw new Error(`${this.model.path}: llama_decode returned ${status}${status === 1 ? " (no room left in the context)" : ""}`);
    }

    /** Logits after the i-th token of the last batch (one that asked for them): a view of llama.cpp's buffer, valid until the next decode. */
    logitsRow(i: number): Float32Array {
        const pointer = this.api.getLogitsIth(this.handle, i);
        if (!pointer) throw new Error(`llama.cpp has no logits for output ${i}`);
        return new Float32Array(koffi.view(pointer, this.model.vocabularySize * 4));
    }

    /**
     * Logits after tokens first .. first + count - 1 of the last batch (all of them asked for): one
     * view of llama.cpp's buffer, row j at j x vocabulary, valid until the next decode.
     */
    logitsRows(first: number, count: number): Float32Array {
        const pointer = this.api.getLogitsIth(this.handle, first);
        if (!pointer) throw new Error(`llama.cpp has no logits for output ${first}`);
        const vocabulary = this.model.vocabularySize;
        const address = BigInt(koffi.address(pointer));
        if (count > 1) {
            const last = this.api.getLogitsIth(this.handle, first + count - 1);
            if (!last || BigInt(koffi.address(last)) - address !== BigInt((count - 1) * vocabulary * 4))
                throw new Error(`llama.cpp's logits of outputs ${first}..${first + count - 1} are not consecutive rows`);
        }
        // One view per place in llama.cpp's buffer, kept across decodes: a view is an external
        // ArrayBuffer, and making one of megabytes per decode sends V8 into garbage collections.
        const cached = this.logitsView;
        if (!cached || cached.address !== address || cached.rows < count)
            this.logitsView = {address, rows: count, view: new Float32Array(koffi.view(pointer, count * vocabulary * 4))};
        return this.logitsView!.view.subarray(0, count * vocabulary);
    }

    private logitsView?: {address: bigint; rows: number; view: Float32Array};

    /** The pooled embedding of sequence `seq` from the last decode (a copy). */
    embedding(seq: number): Float32Array {
        return this.embeddingView(seq).slice();
    }

    /** The pooled embedding of sequence `seq` from the last decode: a view of llama.cpp's buffer, valid until the next decode. */
    embeddingView(seq: number): Float32Array {
        const pointer = this.api.getEmbeddingsSeq(this.handle, seq);
        if (!pointer) throw new Error(`llama.cpp has no pooled embedding for sequence ${seq} (pooling type ${this.poolingType})`);
        return new Float32Array(koffi.view(pointer, this.model.embeddingSize * 4));
    }

    /** The embedding of the i-th token of the last batch (models without pooling; a copy). */
    tokenEmbedding(i: number): Float32Array {
        const pointer = this.api.getEmbeddingsIth(this.handle, i);
        if (!pointer) throw new Error(`llama.cpp has no embedding for token ${i} of the batch`);
        return new Float32Array(koffi.view(pointer, this.model.embeddingSize * 4)).slice();
    }

    /** Forgets positions >= `from` of sequence `seq` (all of them with 0). Encoders keep no memory. */
    forget(from = 0, seq = 0): void {
        if (!this.memory) return;
        if (from === 0) this.api.memoryClear(this.memory, true);
        else if (!this.api.memorySeqRm(this.memory, seq, from, -1)) throw new Error(`llama.cpp could not drop positions ${from}.. of sequence ${seq}`);
    }

    free(): void {
        if (this.handle) this.api.free(this.handle);
        this.handle = undefined;
        this.batch.free();
    }
}
