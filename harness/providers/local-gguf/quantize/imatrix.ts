/**
 * Importance-matrix files as llama.cpp's `llama-imatrix` writes them, read the way the pinned
 * release's llama-quantize reads them (common/imatrix-loader.cpp and tools/quantize/quantize.cpp
 * @ v0.4.0):
 *  - GGUF: tensors `<weight>.in_sum2` (F32 sums of squared activations, one row per expert) and
 *    `<weight>.counts` (F32, tokens seen per expert); keys imatrix.datasets, imatrix.chunk_count,
 *    imatrix.chunk_size (all three required). Values = in_sum2 / count (1 where count is 0).
 *  - legacy `.dat`: int32 n; n x {int32 len, name, int32 ncall, int32 nval, float[nval]};
 *    optional int32 chunk count, int32 len, dataset name. Values = sums / ncall.
 */
import {readFileSync} from "node:fs";
import type {KvOverride} from "./ffi.js";

export interface Imatrix {
    /** Weight tensor name -> per-column importance, normalized as llama-quantize does. */
    entries: Map<string, Float32Array>;
    datasets: string[];
    chunkCount: number;
    legacy: boolean;
}

export class ImatrixError extends Error {
    constructor(readonly filePath: string, message: string) {
        super(`${filePath}: ${message}`);
        this.name = "ImatrixError";
    }
}

export function loadImatrix(filePath: string): Imatrix {
    let bytes: Buffer;
    try {
        bytes = readFileSync(filePath);
    } catch (error) {
        throw new ImatrixError(filePath, `cannot read the imatrix file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const imatrix = bytes.subarray(0, 4).toString("latin1") === "GGUF" ? readGgufImatrix(filePath, bytes) : readLegacyImatrix(filePath, bytes);
    for (const [name, values] of imatrix.entries)
        if (values.some((value) => !Number.isFinite(value))) throw new ImatrixError(filePath, `non-finite value in the entry for ${name}`);
    return imatrix;
}

/** Metadata llama-quantize records in the quantized file when it uses an imatrix (same keys, same values). */
export function imatrixMetadata(imatrix: Imatrix, fileArgument: string): KvOverride[] {
    const overrides: KvOverride[] = [{key: "quantize.imatrix.file", type: "str", value: fileArgument}];
    if (imatrix.datasets.length > 0) overrides.push({key: "quantize.imatrix.dataset", type: "str", value: imatrix.datasets[0]!});
    overrides.push({key: "quantize.imatrix.entries_count", type: "int", value: imatrix.entries.size});
    if (imatrix.chunkCount > 0) overrides.push({key: "quantize.imatrix.chunks_count", type: "int", value: imatrix.chunkCount});
    return overrides;
}

function readLegacyImatrix(filePath: string, bytes: Buffer): Imatrix {
    let pos = 0;
    const fail = (what: string): never => {
        throw new ImatrixError(filePath, `not a GGUF or legacy imatrix file (${what})`);
    };
    const int32 = (what: string) => {
        if (pos + 4 > bytes.length) fail(`truncated at ${what}`);
        const value = bytes.readInt32LE(pos);
        pos += 4;
        return value;
    };
    const count = int32("entry count");
    if (count < 1) fail("no entries");
    const entries = new Map<string, Float32Array>();
    for (let i = 0; i < count; i++) {
        const length = int32(`name length of entry ${i + 1}`);
        if (length < 0 || pos + length > bytes.length) fail(`bad name of entry ${i + 1}`);
        const name = bytes.subarray(pos, pos + length).toString("utf8").replace(/\0.*$/s, "");
        pos += length;
        const ncall = int32(`call count of ${name}`);
        const nval = int32(`value count of ${name}`);
        if (nval < 1 || pos + nval * 4 > bytes.length) fail(`bad value count for ${name}`);
        const values = new Float32Array(nval);
        const divisor = Math.fround(ncall);
        for (let j = 0; j < nval; j++) {
            const sum = bytes.readFloatLE(pos + j * 4);
            values[j] = ncall > 0 ? sum / divisor : sum;
        }
        pos += nval * 4;
        entries.set(name, values);
    }
    let chunkCount = 0;
    const datasets: string[] = [];
    if (pos + 4 <= bytes.length) {
        chunkCount = bytes.readInt32LE(pos);
        pos += 4;
        if (pos + 4 <= bytes.length) {
            const length = bytes.readInt32LE(pos);
            pos += 4;
            if (length > 0 && pos + length <= bytes.length) datasets.push(bytes.subarray(pos, pos + length).toString("utf8").replace(/\0.*$/s, ""));
        }
    }
    return {entries, datasets, chunkCount, legacy: true};
}

const GGUF_TYPE_SIZE: Record<number, number> = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8};
const GGML_TYPE_F32 = 0;

function readGgufImatrix(filePath: string, bytes: Buffer): Imatrix {
    let pos = 4;
    const fail = (what: string): never => {
        throw new ImatrixError(filePath, `bad GGUF imatrix file (${what})`);
    };
    const need = (n: number) => {
        if (pos + n > bytes.length) fail("truncated");
    };
    const u32 = () => (need(4), pos += 4, bytes.readUInt32LE(pos - 4));
    const u64 = () => (need(8), pos += 8, Number(bytes.readBigUInt64LE(pos - 8)));
    const str = () => {
        const length = u64();
        need(length);
        pos += length;
        return bytes.subarray(pos - length, pos).toString("utf8");
    };
    const scalar = (type: number): unknown => {
        if (type === 8) return str();
        const size = GGUF_TYPE_SIZE[type];
        if (size == null) fail(`unknown metadata type ${type}`);
        need(size!);
        const at = pos;
        pos += size!;
        switch (type) {
            case 4: return bytes.readUInt32LE(at);
            case 5: return bytes.readInt32LE(at);
            default: return undefined;
        }
    };
    const version = u32();
    if (version < 2 || version > 3) fail(`GGUF version ${version}`);
    const tensorCount = u64();
    const kvCount = u64();
    const kv = new Map<string, unknown>();
    for (let i = 0; i < kvCount; i++) {
        const key = str();
        const type = u32();
        if (type === 9) {
            const itemType = u32();
            const n = u64();
            const items: unknown[] = [];
            for (let j = 0; j < n; j++) items.push(scalar(itemType));
            kv.set(key, items);
        } else {
            kv.set(key, scalar(type));
        }
    }
    const tensors: {name: string; elements: number; type: number; offset: number}[] = [];
    for (let i = 0; i < tensorCount; i++) {
        const name = str();
        const dims = u32();
        let elements = 1;
        for (let d = 0; d < dims; d++) elements *= u64();
        const type = u32();
        const offset = u64();
        tensors.push({name, elements, type, offset});
    }
    if (tensors.length === 0) fail("no tensors");
    const alignment = typeof kv.get("general.alignment") === "number" ? kv.get("general.alignment") as number : 32;
    const dataStart = Math.ceil(pos / alignment) * alignment;

    const datasets = Array.isArray(kv.get("imatrix.datasets")) ? (kv.get("imatrix.datasets") as unknown[]).filter((d): d is string => typeof d === "string") : [];
    if (!kv.has("imatrix.datasets") || !kv.has("imatrix.chunk_count") || !kv.has("imatrix.chunk_size"))
        fail("missing imatrix metadata: imatrix.datasets, imatrix.chunk_count and imatrix.chunk_size are required");
    const chunkCount = Number(kv.get("imatrix.chunk_count") ?? 0);

    const read = (tensor: (typeof tensors)[number]) => {
        if (tensor.type !== GGML_TYPE_F32) fail(`${tensor.name} must be F32`);
        const start = dataStart + tensor.offset;
        if (start + tensor.elements * 4 > bytes.length) fail(`${tensor.name} runs past the end of the file`);
        const values = new Float32Array(tensor.elements);
        for (let i = 0; i < tensor.elements; i++) values[i] = bytes.readFloatLE(start + i * 4);
        return values;
    };
    const pairs = new Map<string, {sums?: (typeof tensors)[number]; counts?: (typeof tensors)[number]}>();
    for (const tensor of tensors) {
        const match = tensor.name.match(/^(.*)\.(in_sum2|counts)$/);
        if (!match) continue;
        const entry = pairs.get(match[1]!) ?? {};
        if (match[2] === "in_sum2") entry.sums = tensor;
        else entry.counts = tensor;
        pairs.set(match[1]!, entry);
    }
    const entries = new Map<string, Float32Array>();
    for (const [name, {sums, counts}] of [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (!sums || !counts) fail(`mismatched sums and counts for ${name}`);
        const sumValues = read(sums!);
        const countValues = read(counts!).map((count) => Math.round(count));
        const perExpert = sumValues.length / countValues.length;
        if (!Number.isInteger(perExpert)) fail(`${name}: ${sumValues.length} sums do not split into ${countValues.length} experts`);
        const values = new Float32Array(sumValues.length);
        for (let j = 0; j < countValues.length; j++) {
            const count = countValues[j]!;
            for (let i = 0; i < perExpert; i++)
                values[j * perExpert + i] = count > 0 ? sumValues[j * perExpert + i]! / count : 1;
        }
        entries.set(name, values);
    }
    return {entries, datasets, chunkCount, legacy: false};
}
