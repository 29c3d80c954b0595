/**
 * The reference's full next-token logits for the "exact-cache" route (./route.ts): one file per
 * chunk beside the top-k cache (./cache.ts), written row by row as the reference decodes and read
 * back row by row by each compared file, so no chunk x vocabulary array is ever held:
 *
 *   <cacheDir>/fidelity/<reference sha256>-<key>/rows-<i>.bin
 *
 *   "SLMBROW1" | header length u32 | header JSON (RowsHeader) | logits f32[positions x vocabulary] | crc32 u32
 *
 * Float32 in the machine's byte order (little-endian on every platform node-llama-cpp ships for),
 * exactly as llama.cpp returned them: the compared file computes the reference's log-softmax with
 * the same code as its own. 4 x vocabulary bytes per scored position (0.6 MB at 151,936 tokens).
 * Written to a temporary file and renamed when complete; the checksum is verified as the rows are
 * read (in order), and a damaged file is an error naming it.
 */
import {closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync} from "node:fs";
import path from "node:path";
import {crc32} from "node:zlib";
import type {ReferenceRows} from "../../session/types.js";
import type {ChunkFileHeader} from "./cache.js";
import {shortHash} from "../../util/hash.js";

const MAGIC = Buffer.from("SLMBROW1", "ascii");
/** As the top-k cache's CACHE_FORMAT (./cache.ts): 2 since scoring decodes hold at least 64 tokens. */
export const ROWS_FORMAT = 2;

/** Row j holds the logits after tokens[0..firstScored + j]. */
export interface RowsHeader extends ChunkFileHeader {
    vocabularySize: number;
}

export function rowsFile(dir: string, chunk: number): string {
    return path.join(dir, `rows-${String(chunk).padStart(4, "0")}.bin`);
}

/** Writes a chunk's rows as they come (rowsOut of Session.nextTokenLogprobs); finish() makes the file, abort() drops it. */
export class RowsWriter {
    private readonly partial: string;
    private readonly fd: number;
    private crc = 0;
    private written = 0;

    constructor(private readonly file: string, private readonly header: Omit<RowsHeader, "format">) {
        mkdirSync(path.dirname(file), {recursive: true});
        this.partial = `${file}.partial-${process.pid}`;
        this.fd = openSync(this.partial, "w");
        const json = Buffer.from(JSON.stringify({format: ROWS_FORMAT, ...header}), "utf8");
        const length = Buffer.alloc(4);
        length.writeUInt32LE(json.length);
        this.put(Buffer.concat([MAGIC, length, json]));
    }

    private put(bytes: Uint8Array): void {
        writeSync(this.fd, bytes);
        this.crc = crc32(bytes, this.crc);
    }

    /** Rows of positions first..first + count - 1, in order from firstScored. */
    write(first: number, count: number, rows: Float32Array): void {
        const expected = this.header.firstScored + this.written;
        if (first !== expected) throw new Error(`rows of position ${first} written where ${expected} comes next`);
        const {vocabularySize} = this.header;
        this.put(new Uint8Array(rows.buffer, rows.byteOffset, count * vocabularySize * 4));
        this.written += count;
    }

    finish(): void {
        if (this.written !== this.header.positions) throw new Error(`${this.written} rows written of ${this.header.positions}`);
        const tail = Buffer.alloc(4);
        tail.writeUInt32LE(this.crc);
        writeSync(this.fd, tail);
        closeSync(this.fd);
        renameSync(this.partial, this.file);
    }

    abort(): void {
        try {
            closeSync(this.fd);
        } catch {
            // already closed
        }
        rmSync(this.partial, {force: true});
    }
}

/**
 * A chunk's rows as ReferenceRows (read in order, each row once); the header is checked on open,
 * the checksum by finish() after the last row. Undefined when the file does not exist.
 */
export function openRows(file: string): {header: RowsHeader; rows: ReferenceRows; close(): void} | undefined {
    if (!existsSync(file)) return undefined;
    const damaged = (why: string) => new Error(`${file} is damaged (${why}); delete it and run the ladder's reference file again`);
    const fd = openSync(file, "r");
    try {
        const start = Buffer.alloc(MAGIC.length + 4);
        if (readSync(fd, start, 0, start.length, 0) !== start.length || !start.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged("not a fidelity rows file");
        const json = Buffer.alloc(start.readUInt32LE(MAGIC.length));
        readSync(fd, json, 0, json.length, start.length);
        const header = JSON.parse(json.toString("utf8")) as RowsHeader;
        if (header.format !== ROWS_FORMAT) throw damaged(`format ${header.format}, expected ${ROWS_FORMAT}`);
        const dataStart = start.length + json.length;
        const rowBytes = 4 * header.vocabularySize;
        if (fstatSync(fd).size !== dataStart + header.positions * rowBytes + 4) throw damaged("wrong length");
        let crc = crc32(json, crc32(start));
        let next = 0;
        const rows: ReferenceRows = {
            vocabularySize: header.vocabularySize,
            stored: true,
            read(first, count, into) {
                const row = first - header.firstScored;
                if (row !== next) throw new Error(`${file}: rows read out of order (position ${first}, expected ${header.firstScored + next})`);
                if (row + count > header.positions) throw new Error(`${file}: position ${first + count - 1} is past the last row`);
                const bytes = new Uint8Array(into.buffer, into.byteOffset, count * rowBytes);
                if (readSync(fd, bytes, 0, bytes.length, dataStart + row * rowBytes) !== bytes.length) throw damaged("short read");
                crc = crc32(bytes, crc);
                next += count;
            },
            finish() {
                if (next !== header.positions) throw new Error(`${file}: ${next} rows read of ${header.positions}`);
                const tail = Buffer.alloc(4);
                readSync(fd, tail, 0, 4, dataStart + header.positions * rowBytes);
                if (tail.readUInt32LE() !== crc) throw damaged("checksum mismatch");
            }
        };
        return {header, rows, close: () => closeSync(fd)};
    } catch (error) {
        closeSync(fd);
        throw error;
    }
}

/** The rows cache's key: what the rows depend on (corpus, chunking, scoring rule, the llama.cpp build that computed them). */
export function rowsCacheKey(parts: {textSha256: string; maxTokens: number; chunkSize: number; scoredPositions: string; build: string}): string {
    return shortHash({rowsFormat: ROWS_FORMAT, ...parts}, 16);
}
