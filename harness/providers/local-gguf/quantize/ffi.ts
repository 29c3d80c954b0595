/**
 * `llama_model_quantize()` of the libllama that ships prebuilt in @node-llama-cpp/<platform>,
 * called from Node through koffi: no compiler, no llama.cpp checkout.
 *
 * The struct layouts below match llama.cpp release v0.4.0 EXACTLY, the release node-llama-cpp
 * 3.21.1 bundles (`node_modules/node-llama-cpp/llama/llama.cpp.info.json`; source in
 * `node_modules/node-llama-cpp/llama/gitRelease.bundle`, `git clone` it and read
 * `include/llama.h`). A library built from another release is refused (see `loadLibllama`): a
 * field added to the struct would make llama.cpp read past the memory given to it. The layout is
 * also checked at run time: koffi's offsets against the C ones below, and
 * `llama_model_quantize_default_params()` against that release's defaults. SLMBENCH_LIBLLAMA=<path>
 * points at another libllama (release check skipped, defaults check kept).
 *
 * Only load this module in a process that may die: llama.cpp aborts the process on some bad input.
 */
import koffi from "koffi";
import {findLibllama, LAYOUT_RELEASE, LibllamaError, openLibllama} from "../direct/libllama.js";

export {findLibllama, LAYOUT_RELEASE, LibllamaError};

/** `GGML_TYPE_COUNT` of ggml.h @ v0.4.0 (the default output/token-embedding type: "llama.cpp's choice"). Not imported from
 * ./types.ts: that pulls in node-llama-cpp, seconds of start-up for every child process. */
const GGML_TYPE_COUNT = 43;

/*
 * include/llama.h @ v0.4.0:
 *
 *   struct llama_model_imatrix_data {          // 24 bytes
 *       const char * name;                     //  0
 *       const float * data;                    //  8
 *       size_t size;                           // 16
 *   };
 */
const ImatrixData = koffi.struct("llama_model_imatrix_data", {
    name: "void *",
    data: "void *",
    size: "size_t"
});

/*
 *   enum llama_model_kv_override_type { LLAMA_KV_OVERRIDE_TYPE_INT, _FLOAT, _BOOL, _STR };
 *   struct llama_model_kv_override {           // 264 bytes
 *       enum llama_model_kv_override_type tag; //   0
 *       char key[128];                         //   4
 *       union {                                // 136
 *           int64_t val_i64; double val_f64; bool val_bool; char val_str[128];
 *       };
 *   };
 */
export const KV_OVERRIDE_TYPE = {INT: 0, FLOAT: 1, BOOL: 2, STR: 3} as const;
const KvOverrideValue = koffi.union("llama_model_kv_override_value", {
    val_i64: "int64_t",
    val_f64: "double",
    val_bool: "bool",
    val_str: koffi.array("char", 128, "String")
});
const KvOverride = koffi.struct("llama_model_kv_override", {
    tag: "int",
    key: koffi.array("char", 128, "String"),
    value: KvOverrideValue
});

/*
 *   typedef struct llama_model_quantize_params {                  // 64 bytes
 *       int32_t nthread;                                          //  0  <=0: hardware_concurrency()
 *       enum llama_ftype ftype;                                   //  4
 *       enum ggml_type output_tensor_type;                        //  8  GGML_TYPE_COUNT = llama.cpp's choice
 *       enum ggml_type token_embedding_type;                      // 12  GGML_TYPE_COUNT = llama.cpp's choice
 *       bool allow_requantize;                                    // 16
 *       bool quantize_output_tensor;                              // 17
 *       bool only_copy;                                           // 18
 *       bool pure;                                                // 19
 *       bool keep_split;                                          // 20
 *       bool dry_run;                                             // 21
 *       const struct llama_model_imatrix_data * imatrix;          // 24  {NULL, NULL, 0}-terminated
 *       const struct llama_model_kv_override * kv_overrides;      // 32  key[0] == 0 terminated
 *       const struct llama_model_tensor_override * tt_overrides;  // 40
 *       const int32_t * prune_layers;                             // 48
 *       size_t max_buf_size;                                      // 56  0 = default (8 GiB)
 *   } llama_model_quantize_params;
 */
const QuantizeParams = koffi.struct("llama_model_quantize_params", {
    nthread: "int32_t",
    ftype: "int",
    output_tensor_type: "int",
    token_embedding_type: "int",
    allow_requantize: "bool",
    quantize_output_tensor: "bool",
    only_copy: "bool",
    pure: "bool",
    keep_split: "bool",
    dry_run: "bool",
    imatrix: "void *",
    kv_overrides: "void *",
    tt_overrides: "void *",
    prune_layers: "void *",
    max_buf_size: "size_t"
});

export interface QuantizeParamsValue {
    nthread: number;
    ftype: number;
    output_tensor_type: number;
    token_embedding_type: number;
    allow_requantize: boolean;
    quantize_output_tensor: boolean;
    only_copy: boolean;
    pure: boolean;
    keep_split: boolean;
    dry_run: boolean;
    imatrix: unknown;
    kv_overrides: unknown;
    tt_overrides: unknown;
    prune_layers: unknown;
    max_buf_size: number | bigint;
}

/** Offsets and sizes as the C compiler lays them out on x86-64/arm64 (LP64); checked at load time. */
const EXPECTED_LAYOUT = {
    params: {size: 64, offsets: {nthread: 0, ftype: 4, output_tensor_type: 8, token_embedding_type: 12, allow_requantize: 16,
        dry_run: 21, imatrix: 24, kv_overrides: 32, tt_overrides: 40, prune_layers: 48, max_buf_size: 56}},
    imatrix: {size: 24},
    kvOverride: {size: 264, offsets: {tag: 0, key: 4, value: 136}}
};

export interface Libllama {
    binsDir: string;
    path: string;
    /** llama.cpp release of the binary (node-llama-cpp's build metadata). */
    release: string;
    /** `llama_version()`. */
    version: string;
    defaultParams(): QuantizeParamsValue;
    /** `llama_model_quantize()`: 0 on success. */
    quantize(input: string, output: string, params: QuantizeParamsValue): number;
}

let loaded: Libllama | undefined;

/**
 * Loads libllama (once per process), checks that it is the release the struct layouts were copied
 * from and that `llama_model_quantize_default_params()` returns what that release's source says,
 * loads ggml's CPU backend from the same folder and calls `llama_backend_init()`.
 */
export function loadLibllama(): Libllama {
    if (loaded) return loaded;
    checkLayout();
    // Release check, CPU backend from node-llama-cpp's folder, llama_backend_init(): shared with the direct scoring path.
    // Quantizing itself runs ggml-base's reference quantizers, whatever the CPU variant.
    const {lib, binsDir, path, release, version} = openLibllama();
    const defaultParams = lib.func("llama_model_quantize_params llama_model_quantize_default_params(void)") as () => QuantizeParamsValue;
    const quantize = lib.func("uint32_t llama_model_quantize(const char * fname_inp, const char * fname_out, const llama_model_quantize_params * params)");
    checkDefaults(defaultParams(), path);
    loaded = {
        binsDir,
        path,
        release,
        version,
        defaultParams,
        quantize: (input, output, params) => quantize(input, output, params) as number
    };
    return loaded;
}

function checkLayout() {
    const problems: string[] = [];
    const params = EXPECTED_LAYOUT.params;
    if (koffi.sizeof(QuantizeParams) !== params.size) problems.push(`sizeof(llama_model_quantize_params) = ${koffi.sizeof(QuantizeParams)}, expected ${params.size}`);
    for (const [member, offset] of Object.entries(params.offsets))
        if (koffi.offsetof(QuantizeParams, member) !== offset) problems.push(`offsetof(${member}) = ${koffi.offsetof(QuantizeParams, member)}, expected ${offset}`);
    if (koffi.sizeof(ImatrixData) !== EXPECTED_LAYOUT.imatrix.size) problems.push(`sizeof(llama_model_imatrix_data) = ${koffi.sizeof(ImatrixData)}`);
    if (koffi.sizeof(KvOverride) !== EXPECTED_LAYOUT.kvOverride.size) problems.push(`sizeof(llama_model_kv_override) = ${koffi.sizeof(KvOverride)}`);
    for (const [member, offset] of Object.entries(EXPECTED_LAYOUT.kvOverride.offsets))
        if (koffi.offsetof(KvOverride, member) !== offset) problems.push(`offsetof(kv_override.${member}) = ${koffi.offsetof(KvOverride, member)}`);
    if (problems.length) throw new LibllamaError(`struct layout differs from llama.h ${LAYOUT_RELEASE} on this platform: ${problems.join("; ")}`);
}

/** `llama_model_quantize_default_params()` of src/llama-quant.cpp @ v0.4.0. */
function checkDefaults(params: QuantizeParamsValue, file: string) {
    const expected: Partial<Record<keyof QuantizeParamsValue, unknown>> = {
        nthread: 0, ftype: 7, output_tensor_type: GGML_TYPE_COUNT, token_embedding_type: GGML_TYPE_COUNT,
        allow_requantize: false, quantize_output_tensor: true, only_copy: false, pure: false, keep_split: false, dry_run: false,
        imatrix: null, kv_overrides: null, tt_overrides: null, prune_layers: null
    };
    const wrong = Object.entries(expected).filter(([key, value]) => params[key as keyof QuantizeParamsValue] !== value);
    if (BigInt(params.max_buf_size) !== 8n * 1024n ** 3n) wrong.push(["max_buf_size", 8 * 1024 ** 3]);
    if (wrong.length)
        throw new LibllamaError(`${file}: llama_model_quantize_default_params() does not return llama.cpp ${LAYOUT_RELEASE}'s defaults ` +
            `(${wrong.map(([key, value]) => `${key}: ${String(params[key as keyof QuantizeParamsValue])}, expected ${String(value)}`).join("; ")}): struct layout mismatch`);
}

/** Native memory for a {NULL, NULL, 0}-terminated `llama_model_imatrix_data` array; lives until the process ends. */
export function imatrixArray(entries: ReadonlyMap<string, Float32Array>): unknown {
    const array = koffi.alloc(ImatrixData, entries.size + 1);
    let index = 0;
    for (const [name, values] of entries) {
        const data = koffi.alloc("float", Math.max(values.length, 1));
        koffi.encode(data, "float", values, values.length);
        koffi.encode(array, index * koffi.sizeof(ImatrixData), ImatrixData, {name: cString(name), data, size: values.length});
        index++;
    }
    koffi.encode(array, index * koffi.sizeof(ImatrixData), ImatrixData, {name: null, data: null, size: 0});
    return array;
}

export type KvOverride =
    | {key: string; type: "int"; value: number | bigint}
    | {key: string; type: "float"; value: number}
    | {key: string; type: "bool"; value: boolean}
    | {key: string; type: "str"; value: string};

/** Native memory for a `llama_model_kv_override` array ended by an empty key; strings cut to 127 bytes as llama-quantize does. */
export function kvOverrideArray(overrides: readonly KvOverride[]): unknown {
    const size = koffi.sizeof(KvOverride);
    const array = koffi.alloc(KvOverride, overrides.length + 1);
    overrides.forEach((override, index) => {
        if (Buffer.byteLength(override.key) > 127) throw new LibllamaError(`metadata key too long: ${override.key}`);
        const value = override.type === "int" ? {val_i64: BigInt(override.value)}
            : override.type === "float" ? {val_f64: override.value}
            : override.type === "bool" ? {val_bool: override.value}
            : {val_str: truncateUtf8(override.value, 127)};
        koffi.encode(array, index * size, KvOverride, {tag: KV_OVERRIDE_TYPE[override.type.toUpperCase() as keyof typeof KV_OVERRIDE_TYPE], key: override.key, value});
    });
    koffi.encode(array, overrides.length * size, KvOverride, {tag: 0, key: "", value: {val_i64: 0n}});
    return array;
}

function cString(text: string): unknown {
    const bytes = Buffer.from(`${text}\0`, "utf8");
    const pointer = koffi.alloc("uint8_t", bytes.length);
    koffi.encode(pointer, "uint8_t", bytes, bytes.length);
    return pointer;
}

function truncateUtf8(text: string, maxBytes: number): string {
    const bytes = Buffer.from(text, "utf8");
    return bytes.length <= maxBytes ? text : bytes.subarray(0, maxBytes).toString("utf8").replace(/\uFFFD$/, "");
}
