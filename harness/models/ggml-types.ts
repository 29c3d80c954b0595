import {GgmlType} from "node-llama-cpp";

/**
 * Storage cost of each ggml tensor type, as llama.cpp's `ggml_type_traits` define it:
 * `blockSize` weights are stored in `typeSize` bytes. Bits per weight = 8 * typeSize / blockSize.
 * Types that never occur in model files (Q8_K, repacked formats) are listed for completeness.
 */
const TYPE_TRAITS: Record<string, {blockSize: number; typeSize: number}> = {
    F32: {blockSize: 1, typeSize: 4},
    F16: {blockSize: 1, typeSize: 2},
    BF16: {blockSize: 1, typeSize: 2},
    F64: {blockSize: 1, typeSize: 8},
    I8: {blockSize: 1, typeSize: 1},
    I16: {blockSize: 1, typeSize: 2},
    I32: {blockSize: 1, typeSize: 4},
    I64: {blockSize: 1, typeSize: 8},
    Q4_0: {blockSize: 32, typeSize: 18},
    Q4_1: {blockSize: 32, typeSize: 20},
    Q5_0: {blockSize: 32, typeSize: 22},
    Q5_1: {blockSize: 32, typeSize: 24},
    Q8_0: {blockSize: 32, typeSize: 34},
    Q8_1: {blockSize: 32, typeSize: 36},
    Q2_K: {blockSize: 256, typeSize: 84},
    Q3_K: {blockSize: 256, typeSize: 110},
    Q4_K: {blockSize: 256, typeSize: 144},
    Q5_K: {blockSize: 256, typeSize: 176},
    Q6_K: {blockSize: 256, typeSize: 210},
    Q8_K: {blockSize: 256, typeSize: 292},
    IQ2_XXS: {blockSize: 256, typeSize: 66},
    IQ2_XS: {blockSize: 256, typeSize: 74},
    IQ2_S: {blockSize: 256, typeSize: 82},
    IQ3_XXS: {blockSize: 256, typeSize: 98},
    IQ3_S: {blockSize: 256, typeSize: 110},
    IQ1_S: {blockSize: 256, typeSize: 50},
    IQ1_M: {blockSize: 256, typeSize: 56},
    IQ4_NL: {blockSize: 32, typeSize: 18},
    IQ4_XS: {blockSize: 256, typeSize: 136},
    TQ1_0: {blockSize: 256, typeSize: 54},
    TQ2_0: {blockSize: 256, typeSize: 66},
    MXFP4: {blockSize: 32, typeSize: 17},
    Q4_0_4_4: {blockSize: 32, typeSize: 18},
    Q4_0_4_8: {blockSize: 32, typeSize: 18},
    Q4_0_8_8: {blockSize: 32, typeSize: 18}
};

/** The ggml type name ("Q4_K") for the numeric id stored in a GGUF tensor header. */
export function ggmlTypeName(type: number): string {
    return GgmlType[type] ?? `type${type}`;
}

/** Bits each weight of this type occupies on disk, or undefined for a type slmbench does not know. */
export function bitsPerWeightOfType(typeName: string): number | undefined {
    const traits = TYPE_TRAITS[typeName];
    return traits == null ? undefined : (8 * traits.typeSize) / traits.blockSize;
}
