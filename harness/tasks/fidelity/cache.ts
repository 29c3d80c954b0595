import {existsSync, readFileSync} from "node:fs";
import os from "node:os";
import {mkdir} from "node:fs/promises";
import path from "node:path";
import {crc32} from "node:zlib";
import writeFileAtomic from "write-file-atomic";
import type {NextTokenLogprobs} from "../../session/types.js";
import {shortHash} from "../../util/hash.js";
import type {ReferencePosition} from "./metrics.js";

/**
 * The reference's next-token distributions, computed once per (reference file, corpus, chunking,
 * k) and read by every other file of the ladder:
 *
 *   <cacheDir>/fidelity/<reference sha256>-<key>/chunk-<i>.bin     one file per chunk (per trial)
 *
 * where <key> hashes the prepared corpus text, maxTokens, chunk size, k, the scoring rule and the
 * llama.cpp build that computed them.
 * Layout of a chunk file (little-endian), P scored positions, k kept tokens each:
 *
 *   "SLMBFID1" | header length u32 | header JSON (ReferenceChunkHeader) |
 *   ids u32[P*k] | logprobs f32[P*k] | restMass f64[P] | tokenLogprob f32[P] | argmax u32[P] | crc32 u32
 *
 * 8k + 16 bytes per scored token (k = 256: 2.06 MB per 1,000 scored tokens). Files are written
 * atomically (temp file + rename); a damaged file (CRC) is an error naming it, never silently used.
 */
const MAGIC = Buffer.from("SLMBFID1", "ascii");
/**
 * Part of the cache key and of every file's header. 2: above 65,536 tokens of vocabulary the
 * scoring decodes hold at least 64 tokens (they held 27 at 151,936), which changes a reference's
 * rows in their last digits there: files of format 1 are never read.
 */
export const CACHE_FORMAT = 2;

/** What every per-chunk file of a reference (top-k here, full rows in ./rows-cache.ts) says of itself. */
export interface ChunkFileHeader {
    format: number;
    referenceSha256: string;
    referenceFile: string;
    chunk: number;
    chunkSize: number;
    /** First scored position (the distribution after tokens[0..firstScored]). */
    firstScored: number;
    positions: number;
    /** sha256 of the chunk's token ids (u32 LE): a compared file must read exactly these tokens. */
    tokensSha256: string;
}

export interface ReferenceChunkHeader extends ChunkFileHeader {
    /** k asked for, and k kept (at most the vocabulary size). */
    topK: number;
    k: number;
}

export interface ReferenceChunk {
    header: ReferenceChunkHeader;
    ids: Uint32Array;
    logprobs: Float32Array;
    restMass: Float64Array;
    tokenLogprob: Float32Array;
    argmax: Uint32Array;
}

export function referenceCacheKey(parts: {textSha256: string; maxTokens: number; chunkSize: number; topK: number; scoredPositions: string; build: string}): string {
    return shortHash({format: CACHE_FORMAT, ...parts}, 16);
}

export function referenceCacheDir(cacheDir: string, referenceSha256: string, key: string): string {
    if (!/^[0-9a-f]{64}$/.test(referenceSha256)) throw new Error(`fidelity cache needs the reference's sha256, got ${JSON.stringify(referenceSha256)}`);
    return path.join(cacheDir, "fidelity", `${referenceSha256}-${key}`);
}

export function chunkFile(dir: string, chunk: number): string {
    return path.join(dir, `chunk-${String(chunk).padStart(4, "0")}.bin`);
}

export function chunkFromDistributions(header: Omit<ReferenceChunkHeader, "format" | "positions" | "k">, distributions: NextTokenLogprobs[]): ReferenceChunk {
    const positions = distributions.length;
    const k = distributions[0]?.topIds.length ?? 0;
    const chunk: ReferenceChunk = {
        header: {format: CACHE_FORMAT, ...header, positions, k},
        ids: new Uint32Array(positions * k),
        logprobs: new Float32Array(positions * k),
        restMass: new Float64Array(positions),
        tokenLogprob: new Float32Array(positions),
        argmax: new Uint32Array(positions)
    };
    distributions.forEach((d, j) => {
        if (d.topIds.length !== k) throw new Error(`position ${d.position} kept ${d.topIds.length} tokens, not ${k}`);
        chunk.ids.set(d.topIds, j * k);
        chunk.logprobs.set(d.topLogprobs, j * k);
        chunk.restMass[j] = d.restMass;
        chunk.tokenLogprob[j] = d.tokenLogprob;
        chunk.argmax[j] = d.argmax;
    });
    return chunk;
}

/** The reference at the j-th scored position of a chunk (views, no copies). */
export function referencePosition(chunk: ReferenceChunk, j: number): ReferencePosition {
    const {k} = chunk.header;
    return {
        ids: chunk.ids.subarray(j * k, (j + 1) * k),
        logprobs: chunk.logprobs.subarray(j * k, (j + 1) * k),
        restMass: chunk.restMass[j]!,
        tokenLogprob: chunk.tokenLogprob[j]!,
        argmax: chunk.argmax[j]!
    };
}

/** The arrays of a chunk as stored, in order, with their element size. */
const ARRAYS = ["ids", "logprobs", "restMass", "tokenLogprob", "argmax"] as const;
const LITTLE_ENDIAN = os.endianness() === "LE";

export function encodeChunk(chunk: ReferenceChunk): Buffer {
    const header = Buffer.from(JSON.stringify(chunk.header), "utf8");
    const {positions, k} = chunk.header;
    const size = MAGIC.length + 4 + header.length + positions * (8 * k + 8 + 4 + 4) + 4;
    const out = Buffer.alloc(size);
    let at = MAGIC.copy(out, 0);
    at = out.writeUInt32LE(header.length, at);
    at += header.copy(out, at);
    for (const name of ARRAYS) {
        const array = chunk[name];
        if (LITTLE_ENDIAN) at += Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, at);
        else for (const v of array) at = array instanceof Float64Array ? out.writeDoubleLE(v, at) : array instanceof Float32Array ? out.writeFloatLE(v, at) : out.writeUInt32LE(v, at);
    }
    out.writeUInt32LE(crc32(out.subarray(0, at)), at);
    return out;
}

export function decodeChunk(data: Buffer, file = "reference cache file"): ReferenceChunk {
    const damaged = (why: string) => new Error(`${file} is damaged (${why}); delete it and run the ladder's reference file again`);
    if (data.length < MAGIC.length + 8 || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged("not a fidelity cache file");
    if (crc32(data.subarray(0, data.length - 4)) !== data.readUInt32LE(data.length - 4)) throw damaged("checksum mismatch");
    const headerLength = data.readUInt32LE(MAGIC.length);
    let at = MAGIC.length + 4;
    const header = JSON.parse(data.subarray(at, at + headerLength).toString("utf8")) as ReferenceChunkHeader;
    at += headerLength;
    if (header.format !== CACHE_FORMAT) throw damaged(`format ${header.format}, expected ${CACHE_FORMAT}`);
    const {positions, k} = header;
    if (data.length !== at + positions * (8 * k + 16) + 4) throw damaged("wrong length");
    const read = <T extends Uint32Array | Float32Array | Float64Array>(array: T, get: (offset: number) => number): T => {
        const width = array.BYTES_PER_ELEMENT;
        if (LITTLE_ENDIAN) new Uint8Array(array.buffer).set(data.subarray(at, at + array.byteLength));
        else for (let i = 0; i < array.length; i++) array[i] = get(at + i * width);
        at += array.byteLength;
        return array;
    };
    return {
        header,
        ids: read(new Uint32Array(positions * k), (o) => data.readUInt32LE(o)),
        logprobs: read(new Float32Array(positions * k), (o) => data.readFloatLE(o)),
        restMass: read(new Float64Array(positions), (o) => data.readDoubleLE(o)),
        tokenLogprob: read(new Float32Array(positions), (o) => data.readFloatLE(o)),
        argmax: read(new Uint32Array(positions), (o) => data.readUInt32LE(o))
    };
}

/**
 * Written to a temporary file and renamed (a reader never sees half a chunk), without fsync: a
 * cache, and its checksum catches a file a crash left damaged. fsync cost 2-17 ms per 0.5 MB chunk
 * here, a third of a chunk's decode at 2,048 tokens of vocabulary.
 */
export async function writeChunk(file: string, chunk: ReferenceChunk): Promise<void> {
    await mkdir(path.dirname(file), {recursive: true});
    await writeFileAtomic(file, encodeChunk(chunk), {fsync: false});
}

/** The cached chunk, or undefined when there is none; throws when the file is damaged. */
export function readChunk(file: string): ReferenceChunk | undefined {
    if (!existsSync(file)) return undefined;
    return decodeChunk(readFileSync(file), file);
}
