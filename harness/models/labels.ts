import type {GgufFacts} from "./gguf-info.js";

/**
 * The ggml type a quantization label stores most weights in: llama.cpp's default type per file
 * type (src/llama-quant.cpp, `default_type`): a K-quant mix keeps its base ("Q4_K_M" -> "Q4_K"),
 * the IQ mixes name another IQ type ("IQ2_M" -> "IQ2_S"). Unknown labels map to themselves.
 */
const IQ_MAIN_TYPES: Record<string, string> = {IQ3_XS: "IQ3_S", IQ3_M: "IQ3_S", IQ2_S: "IQ2_XS", IQ2_M: "IQ2_S", MXFP4_MOE: "MXFP4"};

export function expectedMainType(quantLabel: string): string {
    const label = quantLabel.toUpperCase();
    return IQ_MAIN_TYPES[label] ?? label.replace(/^(Q\d_K)_[SML]$/, "$1");
}

/** The type holding the most weights (ties: the first in the table). */
export function dominantType(tensorTypes: GgufFacts["tensorTypes"]): string | undefined {
    let best: [string, number] | undefined;
    for (const [type, {weights}] of Object.entries(tensorTypes)) if (!best || weights > best[1]) best = [type, weights];
    return best?.[0];
}

/**
 * What a file's label promises against what it holds: its expected main type, and whether that
 * type holds the most weights. On narrow tensors llama.cpp substitutes types, so a "Q4_K_M"
 * file may hold no Q4_K tensor at all.
 */
export function labelCheck(quantLabel: string, tensorTypes: GgufFacts["tensorTypes"]): {expectedMainType: string; labelMatchesTensors: boolean} {
    const expected = expectedMainType(quantLabel);
    return {expectedMainType: expected, labelMatchesTensors: dominantType(tensorTypes) === expected};
}

/**
 * For each file, the other files of its ladder that hold the same tensors: the same ggml type
 * for every tensor name (`tensorSignature`). Such files give the same numbers; they are one data point.
 */
export function sameTensorGroups<T extends {fileName: string; tensorSignature: string}>(ladder: T[]): Map<T, string[]> {
    const out = new Map<T, string[]>();
    for (const file of ladder)
        out.set(file, ladder.filter((other) => other !== file && other.tensorSignature === file.tensorSignature).map((other) => other.fileName));
    return out;
}
