import {createHash} from "node:crypto";
import {stat} from "node:fs/promises";
import path from "node:path";
import {GgufFileType, readGgufFileInfo} from "node-llama-cpp";
import {clipMessage, escapeControl} from "../util/clip.js";
import {bitsPerWeightOfType, ggmlTypeName} from "./ggml-types.js";
import {estimateModelMemory, type ModelMemory} from "./memory.js";

/** What slmbench reads from a GGUF header, before any weights are loaded. */
export interface GgufFacts {
    architecture: string;
    /** `general.name`, when the file declares one. */
    name?: string;
    /** Sum of the elements of every tensor. */
    parameters: number;
    /** Training context length (`<arch>.context_length`). */
    contextLength?: number;
    /** Label from `general.file_type` ("Q4_K_M"), else from the file name, else from unquantized tensors (floatLabel), else "unknown". */
    quantLabel: string;
    /** Real storage types found in the tensors: type name -> tensor and weight counts. */
    tensorTypes: Record<string, {tensors: number; weights: number}>;
    /** sha256 of every tensor's name and ggml type (in name order): files with equal signatures hold the same tensor types. */
    tensorSignature: string;
    /** Tensor bits / tensor weights, from the real tensor types (not from the label). */
    bitsPerWeight: number;
    hasChatTemplate: boolean;
    /** Embedding pooling declared by the file (`<arch>.pooling_type`), if any. */
    poolingType?: number;
    /** KV-cache bytes per token and fixed overhead, for memory estimates at any context (memory.ts). */
    memory?: ModelMemory;
}

export class ModelFileError extends Error {
    constructor(readonly filePath: string, message: string) {
        super(`${filePath}: ${message}`);
        this.name = "ModelFileError";
    }
}

const QUANT_IN_NAME = /(?:^|[-_.])((?:I?Q\d(?:_[0-9A-Z]+)*)|F32|F16|BF16)(?=[-_.]|$)/i;

/** Quantization label written in a file name, e.g. "stories260K-Q4_K_M.gguf" -> "Q4_K_M". */
export function quantLabelFromFileName(fileName: string): string | undefined {
    const stem = fileName.replace(/\.gguf$/i, "");
    const match = stem.match(QUANT_IN_NAME);
    return match?.[1]?.toUpperCase();
}

function quantLabelFromFileType(fileType: unknown): string | undefined {
    if (typeof fileType !== "number") return undefined;
    const name = GgufFileType[fileType];
    return name?.replace(/^(MOSTLY|ALL)_/, "");
}

/**
 * The label of a file whose tensors are all unquantized (F32, F16, BF16): the type holding most
 * weights, as llama.cpp names such files (F32 norms beside F16 matrices: F16). Files converted
 * without `general.file_type` and without a label in their name (llama.cpp's `stories260K.gguf`)
 * still sort as their ladder's reference.
 */
function floatLabel(tensorTypes: GgufFacts["tensorTypes"]): string | undefined {
    const entries = Object.entries(tensorTypes);
    if (entries.length === 0 || entries.some(([type]) => !["F32", "F16", "BF16"].includes(type))) return undefined;
    return entries.sort(([, a], [, b]) => b.weights - a.weights)[0]![0];
}

/**
 * Reads the GGUF header and tensor table of a file. Throws a ModelFileError naming the file
 * for anything that is not a complete GGUF file (bad magic, truncated header or tensor data).
 */
export async function readGgufFacts(filePath: string): Promise<GgufFacts> {
    const {size} = await stat(filePath).catch(() => {
        throw new ModelFileError(filePath, "file not found");
    });
    if (size === 0) throw new ModelFileError(filePath, "empty file (0 bytes): not a GGUF model");
    let info;
    try {
        info = await readGgufFileInfo(filePath, {readTensorInfo: true, logWarnings: false});
    } catch (error) {
        // The reader quotes the bytes it found (NUL bytes of a zeroed file ...): escaped, never raw on a terminal.
        throw new ModelFileError(filePath, `not a readable GGUF file (${clipMessage(escapeControl((error as Error).message), 300)})`);
    }
    const tensors = info.fullTensorInfo ?? [];
    if (tensors.length === 0) throw new ModelFileError(filePath, "GGUF file declares no tensors");

    const tensorTypes: GgufFacts["tensorTypes"] = {};
    const byName: string[] = [];
    let weights = 0;
    let bits = 0;
    let dataEnd = 0;
    for (const tensor of tensors) {
        const elements = tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
        const typeName = ggmlTypeName(tensor.ggmlType);
        const typeBits = bitsPerWeightOfType(typeName);
        if (typeBits == null) throw new ModelFileError(filePath, `tensor ${tensor.name} has unknown ggml type ${typeName}`);
        byName.push(`${tensor.name}\t${typeName}\t${tensor.dimensions.join("x")}`);
        const entry = (tensorTypes[typeName] ??= {tensors: 0, weights: 0});
        entry.tensors++;
        entry.weights += elements;
        weights += elements;
        bits += elements * typeBits;
        dataEnd = Math.max(dataEnd, Number(tensor.fileOffset) + (elements * typeBits) / 8);
    }
    if (dataEnd > size)
        throw new ModelFileError(filePath, `truncated GGUF file: tensor data needs ${dataEnd} bytes, the file has ${size}`);

    const metadata = info.metadata as Record<string, any>;
    const general = metadata.general ?? {};
    const arch = info.architectureMetadata as Record<string, any> | undefined;
    return {
        architecture: String(general.architecture ?? "unknown"),
        name: typeof general.name === "string" ? general.name : undefined,
        parameters: weights,
        contextLength: typeof arch?.context_length === "number" ? arch.context_length : undefined,
        quantLabel: quantLabelFromFileType(general.file_type) ?? quantLabelFromFileName(path.basename(filePath)) ?? floatLabel(tensorTypes) ?? "unknown",
        tensorTypes,
        tensorSignature: createHash("sha256").update(byName.sort().join("\n")).digest("hex"),
        bitsPerWeight: bits / weights,
        hasChatTemplate: typeof metadata.tokenizer?.chat_template === "string",
        poolingType: typeof arch?.pooling_type === "number" ? arch.pooling_type : undefined,
        memory: await estimateModelMemory(info)
    };
}
