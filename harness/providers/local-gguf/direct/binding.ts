/**
 * The libllama calls of the direct scoring path (model load, context, batch, decode, logits,
 * pooled embeddings, memory), bound through koffi. Layouts are those of include/llama.h at
 * LAYOUT_RELEASE (see ./libllama.ts) and are checked at load: koffi's sizes and offsets against the
 * C compiler's (LP64), and the two `*_default_params()` against that release's source.
 *
 * Only load this in a process that may die: llama.cpp aborts the process on some bad input (an
 * embedding batch larger than n_ubatch, a tokenizer that throws).
 */
import koffi from "koffi";
import {LAYOUT_RELEASE, LibllamaError, openLibllama} from "./libllama.js";

/*
 *   struct llama_model_params {                  // 80 bytes
 *       ggml_backend_dev_t * devices;            //  0
 *       const struct llama_model_tensor_buft_override * tensor_buft_overrides; // 8
 *       int32_t n_gpu_layers;                    // 16
 *       enum llama_split_mode split_mode;        // 20
 *       enum llama_load_mode  load_mode;         // 24
 *       enum llama_lazy_mode lazy_mode;          // 28
 *       int32_t main_gpu;                        // 32
 *       const float * tensor_split;              // 40
 *       llama_progress_callback progress_callback; // 48
 *       void * progress_callback_user_data;      // 56
 *       const struct llama_model_kv_override * kv_overrides; // 64
 *       bool vocab_only, check_tensors, use_extra_bufts, no_host, no_alloc, load_mtp; // 72..77
 *   };
 */
const ModelParams = koffi.struct("llama_model_params", {
    devices: "void *",
    tensor_buft_overrides: "void *",
    n_gpu_layers: "int32_t",
    split_mode: "int",
    load_mode: "int",
    lazy_mode: "int",
    main_gpu: "int32_t",
    tensor_split: "void *",
    progress_callback: "void *",
    progress_callback_user_data: "void *",
    kv_overrides: "void *",
    vocab_only: "bool",
    check_tensors: "bool",
    use_extra_bufts: "bool",
    no_host: "bool",
    no_alloc: "bool",
    load_mtp: "bool"
});

export interface ModelParamsValue {
    devices: unknown; tensor_buft_overrides: unknown; n_gpu_layers: number; split_mode: number; load_mode: number; lazy_mode: number;
    main_gpu: number; tensor_split: unknown; progress_callback: unknown; progress_callback_user_data: unknown; kv_overrides: unknown;
    vocab_only: boolean; check_tensors: boolean; use_extra_bufts: boolean; no_host: boolean; no_alloc: boolean; load_mtp: boolean;
}

/*
 *   struct llama_context_params {                // 160 bytes
 *       uint32_t n_ctx, n_batch, n_ubatch, n_seq_max, n_rs_seq, n_outputs_max, n_outputs_max_per_seq; // 0..24
 *       int32_t n_threads, n_threads_batch;      // 28, 32
 *       enum ctx_type, rope_scaling_type, pooling_type, attention_type, flash_attn_type; // 36..52
 *       float rope_freq_base, rope_freq_scale, yarn_ext_factor, yarn_attn_factor, yarn_beta_fast, yarn_beta_slow; // 56..76
 *       uint32_t yarn_orig_ctx;                  // 80
 *       float defrag_thold;                      // 84
 *       ggml_backend_sched_eval_callback cb_eval; void * cb_eval_user_data; // 88, 96
 *       enum ggml_type type_k, type_v;           // 104, 108
 *       ggml_abort_callback abort_callback; void * abort_callback_data; // 112, 120
 *       bool embeddings, offload_kqv, no_perf, op_offload, swa_full, kv_unified; // 128..133
 *       struct llama_sampler_seq_config * samplers; size_t n_samplers; // 136, 144
 *       struct llama_context * ctx_other;        // 152
 *   };
 */
const ContextParams = koffi.struct("llama_context_params", {
    n_ctx: "uint32_t",
    n_batch: "uint32_t",
    n_ubatch: "uint32_t",
    n_seq_max: "uint32_t",
    n_rs_seq: "uint32_t",
    n_outputs_max: "uint32_t",
    n_outputs_max_per_seq: "uint32_t",
    n_threads: "int32_t",
    n_threads_batch: "int32_t",
    ctx_type: "int",
    rope_scaling_type: "int",
    pooling_type: "int",
    attention_type: "int",
    flash_attn_type: "int",
    rope_freq_base: "float",
    rope_freq_scale: "float",
    yarn_ext_factor: "float",
    yarn_attn_factor: "float",
    yarn_beta_fast: "float",
    yarn_beta_slow: "float",
    yarn_orig_ctx: "uint32_t",
    defrag_thold: "float",
    cb_eval: "void *",
    cb_eval_user_data: "void *",
    type_k: "int",
    type_v: "int",
    abort_callback: "void *",
    abort_callback_data: "void *",
    embeddings: "bool",
    offload_kqv: "bool",
    no_perf: "bool",
    op_offload: "bool",
    swa_full: "bool",
    kv_unified: "bool",
    samplers: "void *",
    n_samplers: "size_t",
    ctx_other: "void *"
});

export interface ContextParamsValue {
    n_ctx: number; n_batch: number; n_ubatch: number; n_seq_max: number; n_rs_seq: number; n_outputs_max: number; n_outputs_max_per_seq: number;
    n_threads: number; n_threads_batch: number; ctx_type: number; rope_scaling_type: number; pooling_type: number; attention_type: number;
    flash_attn_type: number; rope_freq_base: number; rope_freq_scale: number; yarn_ext_factor: number; yarn_attn_factor: number;
    yarn_beta_fast: number; yarn_beta_slow: number; yarn_orig_ctx: number; defrag_thold: number; cb_eval: unknown; cb_eval_user_data: unknown;
    type_k: number; type_v: number; abort_callback: unknown; abort_callback_data: unknown; embeddings: boolean; offload_kqv: boolean;
    no_perf: boolean; op_offload: boolean; swa_full: boolean; kv_unified: boolean; samplers: unknown; n_samplers: number | bigint; ctx_other: unknown;
}

/*
 *   typedef struct llama_batch {                 // 56 bytes
 *       int32_t n_tokens;                        //  0
 *       llama_token  *  token;                   //  8
 *       float        *  embd;                    // 16
 *       llama_pos    *  pos;                     // 24
 *       int32_t      *  n_seq_id;                // 32
 *       llama_seq_id ** seq_id;                  // 40
 *       int8_t       *  logits;                  // 48
 *   } llama_batch;
 */
const Batch = koffi.struct("llama_batch", {
    n_tokens: "int32_t",
    token: "void *",
    embd: "void *",
    pos: "void *",
    n_seq_id: "void *",
    seq_id: "void *",
    logits: "void *"
});

export interface BatchValue {
    n_tokens: number; token: unknown; embd: unknown; pos: unknown; n_seq_id: unknown; seq_id: unknown; logits: unknown;
}

const EXPECTED_LAYOUT = [
    {type: ModelParams, name: "llama_model_params", size: 80, offsets: {n_gpu_layers: 16, split_mode: 20, load_mode: 24, lazy_mode: 28, main_gpu: 32,
        tensor_split: 40, progress_callback: 48, kv_overrides: 64, vocab_only: 72, use_extra_bufts: 74, load_mtp: 77}},
    {type: ContextParams, name: "llama_context_params", size: 160, offsets: {n_ctx: 0, n_ubatch: 8, n_outputs_max_per_seq: 24, n_threads: 28,
        ctx_type: 36, pooling_type: 44, flash_attn_type: 52, rope_freq_base: 56, yarn_orig_ctx: 80, defrag_thold: 84, cb_eval: 88, type_k: 104,
        abort_callback: 112, embeddings: 128, kv_unified: 133, samplers: 136, n_samplers: 144, ctx_other: 152}},
    {type: Batch, name: "llama_batch", size: 56, offsets: {token: 8, embd: 16, pos: 24, n_seq_id: 32, seq_id: 40, logits: 48}}
] as const;

/** `enum llama_flash_attn_type`. */
export const FLASH_ATTN = {AUTO: -1, DISABLED: 0, ENABLED: 1} as const;
/** `enum llama_pooling_type`. */
export const POOLING = {UNSPECIFIED: -1, NONE: 0, MEAN: 1, CLS: 2, LAST: 3, RANK: 4} as const;

export interface LlamaApi {
    release: string;
    version: string;
    modelDefaultParams(): ModelParamsValue;
    contextDefaultParams(): ContextParamsValue;
    modelLoad(path: string, params: ModelParamsValue): unknown;
    modelFree(model: unknown): void;
    initFromModel(model: unknown, params: ContextParamsValue): unknown;
    free(ctx: unknown): void;
    modelGetVocab(model: unknown): unknown;
    vocabNTokens(vocab: unknown): number;
    modelNEmbdOut(model: unknown): number;
    poolingType(ctx: unknown): number;
    vocabIsEog(vocab: unknown, token: number): boolean;
    tokenize(vocab: unknown, text: Buffer, textLength: number, out: Int32Array, capacity: number, addSpecial: boolean, parseSpecial: boolean): number;
    /** 0 = ok, 1 = no KV slot, 2 = aborted, -1 = invalid batch, < -1 = error. */
    decode(ctx: unknown, batch: BatchValue): number;
    /** llama_decode on a thread of koffi's pool: JavaScript runs meanwhile (it must not touch this context or batch). */
    decodeAsync(ctx: unknown, batch: BatchValue): Promise<number>;
    getLogitsIth(ctx: unknown, i: number): unknown;
    getEmbeddingsSeq(ctx: unknown, seq: number): unknown;
    getEmbeddingsIth(ctx: unknown, i: number): unknown;
    getMemory(ctx: unknown): unknown;
    memoryClear(memory: unknown, data: boolean): void;
    memorySeqRm(memory: unknown, seq: number, p0: number, p1: number): boolean;
}

let api: LlamaApi | undefined;

/** Binds the calls (once per process) and checks the struct layouts and defaults. */
export function llamaApi(): LlamaApi {
    if (api) return api;
    checkLayout();
    const {lib, release, version, path} = openLibllama();
    const modelDefaultParams = lib.func("llama_model_params llama_model_default_params(void)") as () => ModelParamsValue;
    const contextDefaultParams = lib.func("llama_context_params llama_context_default_params(void)") as () => ContextParamsValue;
    checkDefaults(modelDefaultParams(), contextDefaultParams(), path);
    const fn = (signature: string) => lib.func(signature) as (...args: unknown[]) => unknown;
    const modelLoad = fn("void * llama_model_load_from_file(const char * path_model, llama_model_params params)");
    const initFromModel = fn("void * llama_init_from_model(void * model, llama_context_params params)");
    const tokenize = fn("int32_t llama_tokenize(void * vocab, const char * text, int32_t text_len, _Out_ int32_t * tokens, int32_t n_tokens_max, bool add_special, bool parse_special)");
    const decode = fn("int32_t llama_decode(void * ctx, llama_batch batch)") as LlamaApi["decode"] & {async: (...args: unknown[]) => void};
    api = {
        release,
        version,
        modelDefaultParams,
        contextDefaultParams,
        modelLoad: (modelPath, params) => modelLoad(modelPath, params),
        modelFree: fn("void llama_model_free(void * model)"),
        initFromModel: (model, params) => initFromModel(model, params),
        free: fn("void llama_free(void * ctx)"),
        modelGetVocab: fn("void * llama_model_get_vocab(void * model)"),
        vocabNTokens: fn("int32_t llama_vocab_n_tokens(void * vocab)") as (vocab: unknown) => number,
        modelNEmbdOut: fn("int32_t llama_model_n_embd_out(void * model)") as (model: unknown) => number,
        poolingType: fn("int llama_pooling_type(void * ctx)") as (ctx: unknown) => number,
        vocabIsEog: fn("bool llama_vocab_is_eog(void * vocab, int32_t token)") as (vocab: unknown, token: number) => boolean,
        tokenize: tokenize as LlamaApi["tokenize"],
        decode,
        decodeAsync: (ctx, batch) => new Promise((resolve, reject) =>
            decode.async(ctx, batch, (error: unknown, status: number) => (error ? reject(error) : resolve(status)))),
        getLogitsIth: fn("void * llama_get_logits_ith(void * ctx, int32_t i)"),
        getEmbeddingsSeq: fn("void * llama_get_embeddings_seq(void * ctx, int32_t seq_id)"),
        getEmbeddingsIth: fn("void * llama_get_embeddings_ith(void * ctx, int32_t i)"),
        getMemory: fn("void * llama_get_memory(void * ctx)"),
        memoryClear: fn("void llama_memory_clear(void * mem, bool data)") as LlamaApi["memoryClear"],
        memorySeqRm: fn("bool llama_memory_seq_rm(void * mem, int32_t seq_id, int32_t p0, int32_t p1)") as LlamaApi["memorySeqRm"]
    };
    return api;
}

function checkLayout() {
    const problems: string[] = [];
    for (const {type, name, size, offsets} of EXPECTED_LAYOUT) {
        if (koffi.sizeof(type) !== size) problems.push(`sizeof(${name}) = ${koffi.sizeof(type)}, expected ${size}`);
        for (const [member, offset] of Object.entries(offsets))
            if (koffi.offsetof(type, member) !== offset) problems.push(`offsetof(${name}.${member}) = ${koffi.offsetof(type, member)}, expected ${offset}`);
    }
    if (problems.length) throw new LibllamaError(`struct layout differs from llama.h ${LAYOUT_RELEASE} on this platform: ${problems.join("; ")}`);
}

/** `llama_model_default_params()` of src/llama-model.cpp and `llama_context_default_params()` of src/llama-context.cpp @ v0.4.0. */
function checkDefaults(model: ModelParamsValue, context: ContextParamsValue, file: string) {
    const wrong: string[] = [];
    const expect = <T extends object>(name: string, actual: T, expected: Partial<T>) => {
        for (const [key, value] of Object.entries(expected)) {
            const got = actual[key as keyof T];
            const same = typeof value === "number" && typeof got === "number" ? Math.fround(value) === Math.fround(got) : got === value;
            if (!same) wrong.push(`${name}.${key}: ${String(got)}, expected ${String(value)}`);
        }
    };
    expect("llama_model_params", model, {devices: null, tensor_buft_overrides: null, n_gpu_layers: -1, split_mode: 1, load_mode: -1, lazy_mode: 1,
        main_gpu: 0, tensor_split: null, progress_callback: null, kv_overrides: null, vocab_only: false, check_tensors: false, use_extra_bufts: true,
        no_host: false, no_alloc: false, load_mtp: false});
    expect("llama_context_params", context, {n_ctx: 512, n_batch: 2048, n_ubatch: 512, n_seq_max: 1, n_rs_seq: 0, n_outputs_max: 0,
        n_outputs_max_per_seq: 1, n_threads: 4, n_threads_batch: 4, ctx_type: 0, rope_scaling_type: -1, pooling_type: -1, attention_type: -1,
        flash_attn_type: -1, rope_freq_base: 0, rope_freq_scale: 0, yarn_ext_factor: -1, yarn_attn_factor: -1, yarn_beta_fast: -1, yarn_beta_slow: -1,
        yarn_orig_ctx: 0, defrag_thold: -1, cb_eval: null, type_k: 1, type_v: 1, abort_callback: null, embeddings: false, offload_kqv: true,
        no_perf: true, op_offload: true, swa_full: true, kv_unified: false, samplers: null, ctx_other: null});
    if (Number(context.n_samplers) !== 0) wrong.push(`llama_context_params.n_samplers: ${String(context.n_samplers)}, expected 0`);
    if (wrong.length)
        throw new LibllamaError(`${file}: the default parameters do not match llama.cpp ${LAYOUT_RELEASE}'s (${wrong.join("; ")}): struct layout mismatch`);
}
