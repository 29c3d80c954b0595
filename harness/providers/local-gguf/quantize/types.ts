/**
 * Quantization types of the pinned llama.cpp (release v0.4.0, bundled with node-llama-cpp 3.21.1).
 * Values copied from that release's `include/llama.h` (enum llama_ftype) and
 * `ggml/include/ggml.h` (enum ggml_type); names and aliases as its `tools/quantize/quantize.cpp`
 * (QUANT_OPTIONS) spells them. Read from `node_modules/node-llama-cpp/llama/gitRelease.bundle`.
 */
import {bitsPerWeightOfType} from "../../../models/ggml-types.js";

export interface QuantType {
    /** Name as llama-quantize spells it; also the suffix of the output file ("Q4_K_M"). */
    name: string;
    /** `enum llama_ftype` value. */
    ftype: number;
    /** The ggml tensor type this level is built on (used to tell whether slmbench can read the result). */
    baseType: string;
}

/** Every llama_ftype that llama-quantize offers (COPY excluded: it is not a quantization level). */
const ALL_QUANT_TYPES: readonly QuantType[] = [
    {name: "F32", ftype: 0, baseType: "F32"},
    {name: "F16", ftype: 1, baseType: "F16"},
    {name: "BF16", ftype: 32, baseType: "BF16"},
    {name: "Q8_0", ftype: 7, baseType: "Q8_0"},
    {name: "Q6_K", ftype: 18, baseType: "Q6_K"},
    {name: "Q5_K_M", ftype: 17, baseType: "Q5_K"},
    {name: "Q5_K_S", ftype: 16, baseType: "Q5_K"},
    {name: "Q5_1", ftype: 9, baseType: "Q5_1"},
    {name: "Q5_0", ftype: 8, baseType: "Q5_0"},
    {name: "Q4_K_M", ftype: 15, baseType: "Q4_K"},
    {name: "Q4_K_S", ftype: 14, baseType: "Q4_K"},
    {name: "Q4_1", ftype: 3, baseType: "Q4_1"},
    {name: "Q4_0", ftype: 2, baseType: "Q4_0"},
    {name: "IQ4_NL", ftype: 25, baseType: "IQ4_NL"},
    {name: "IQ4_XS", ftype: 30, baseType: "IQ4_XS"},
    {name: "MXFP4_MOE", ftype: 38, baseType: "MXFP4"},
    {name: "Q3_K_L", ftype: 13, baseType: "Q3_K"},
    {name: "Q3_K_M", ftype: 12, baseType: "Q3_K"},
    {name: "Q3_K_S", ftype: 11, baseType: "Q3_K"},
    {name: "IQ3_M", ftype: 27, baseType: "IQ3_S"},
    {name: "IQ3_S", ftype: 26, baseType: "IQ3_S"},
    {name: "IQ3_XS", ftype: 22, baseType: "IQ3_S"},
    {name: "IQ3_XXS", ftype: 23, baseType: "IQ3_XXS"},
    {name: "Q2_K", ftype: 10, baseType: "Q2_K"},
    {name: "Q2_K_S", ftype: 21, baseType: "Q2_K"},
    {name: "Q2_0", ftype: 41, baseType: "Q2_0"},
    {name: "IQ2_M", ftype: 29, baseType: "IQ2_S"},
    {name: "IQ2_S", ftype: 28, baseType: "IQ2_S"},
    {name: "IQ2_XS", ftype: 20, baseType: "IQ2_XS"},
    {name: "IQ2_XXS", ftype: 19, baseType: "IQ2_XXS"},
    {name: "IQ1_M", ftype: 31, baseType: "IQ1_M"},
    {name: "IQ1_S", ftype: 24, baseType: "IQ1_S"},
    {name: "Q1_0", ftype: 40, baseType: "Q1_0"},
    {name: "TQ2_0", ftype: 37, baseType: "TQ2_0"},
    {name: "TQ1_0", ftype: 36, baseType: "TQ1_0"}
];

/** llama-quantize's aliases. */
const ALIASES: Record<string, string> = {Q3_K: "Q3_K_M", Q4_K: "Q4_K_M", Q5_K: "Q5_K_M"};

/**
 * The levels `npm run quantize` offers: llama.cpp's, less those whose tensor type slmbench's GGUF
 * reader does not know yet (harness/models/ggml-types.ts), since the harness could not use the file.
 */
export const QUANT_TYPES: readonly QuantType[] = ALL_QUANT_TYPES.filter((type) => bitsPerWeightOfType(type.baseType) != null);

/** `enum ggml_type` values (storage types a tensor can be forced to). */
const ALL_GGML_TYPES: Record<string, number> = {
    F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q2_K: 10, Q3_K: 11, Q4_K: 12,
    Q5_K: 13, Q6_K: 14, IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21, IQ2_S: 22,
    IQ4_XS: 23, IQ1_M: 29, BF16: 30, TQ1_0: 34, TQ2_0: 35, MXFP4: 39, NVFP4: 40, Q1_0: 41, Q2_0: 42
};

/** Tensor storage types accepted by `--token-embedding-type` (those slmbench can read back). */
export const TENSOR_TYPES: Readonly<Record<string, number>> = Object.fromEntries(
    Object.entries(ALL_GGML_TYPES).filter(([name]) => bitsPerWeightOfType(name) != null));

/** Input tensor types llama.cpp quantizes from without `allow_requantize`. */
export const SOURCE_TENSOR_TYPES = new Set(["F32", "F16", "BF16"]);

export class QuantizeUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "QuantizeUsageError";
    }
}

/** "q4_k_m" -> the Q4_K_M entry; aliases as llama-quantize's (Q4_K -> Q4_K_M). Throws listing the valid names. */
export function parseQuantType(text: string): QuantType {
    const upper = text.trim().toUpperCase();
    const name = ALIASES[upper] ?? upper;
    const type = QUANT_TYPES.find((candidate) => candidate.name === name);
    if (type) return type;
    const known = ALL_QUANT_TYPES.find((candidate) => candidate.name === name);
    if (known)
        throw new QuantizeUsageError(`quantization type ${known.name} is not supported: slmbench cannot read ${known.baseType} tensors ` +
            `(harness/models/ggml-types.ts). Valid types: ${QUANT_TYPES.map((t) => t.name).join(", ")}`);
    throw new QuantizeUsageError(`unknown quantization type "${text.trim()}". Valid types: ${QUANT_TYPES.map((t) => t.name).join(", ")} ` +
        `(aliases: ${Object.entries(ALIASES).map(([alias, target]) => `${alias}=${target}`).join(", ")})`);
}

/** Comma-separated list -> distinct types in the given order. */
export function parseQuantTypes(list: string | readonly string[]): QuantType[] {
    const items = (typeof list === "string" ? list.split(",") : list).map((item) => item.trim()).filter(Boolean);
    if (items.length === 0) throw new QuantizeUsageError("no quantization types given (e.g. --types Q8_0,Q6_K,Q4_K_M,Q2_K)");
    const types: QuantType[] = [];
    for (const item of items) {
        const type = parseQuantType(item);
        if (!types.some((seen) => seen.name === type.name)) types.push(type);
    }
    return types;
}

/** "q4_k" -> {name: "Q4_K", id: 12}. Throws listing the valid names. */
export function parseTensorType(text: string): {name: string; id: number} {
    const name = text.trim().toUpperCase();
    const id = TENSOR_TYPES[name];
    if (id != null) return {name, id};
    throw new QuantizeUsageError(`unknown tensor type "${text.trim()}" for --token-embedding-type. ` +
        `Valid types: ${Object.keys(TENSOR_TYPES).join(", ")}, or "match" (each level's base type)`);
}
