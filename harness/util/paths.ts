import {createHash} from "node:crypto";
import path from "node:path";

/** Longest encoded segment kept whole; longer ones end in a hash (file systems cap a name at 255 bytes). */
const MAX_SEGMENT = 200;
const KEPT = /[A-Za-z0-9_.-]/;

/**
 * An id as one path segment: letters, digits, '_', '-' and '.' stay as they are; every other
 * character, and a leading '.', is percent-encoded (UTF-8 bytes, %XX), so the segment is never
 * "", "." or "..", holds no separator, and two different ids never give the same segment
 * ('%' itself is always encoded, so the encoding can be read back). Ordinary ids keep their names
 * ("stories260K", "niah-kv-noise", "TinyStories-656K-Q8_0"). A segment longer than 200
 * characters keeps its first 180 and ends in "~" and 16 hex digits of the id's sha256.
 */
export function pathSegment(id: string): string {
    if (id === "") return "%";
    let out = "";
    for (const char of id) {
        if (KEPT.test(char) && !(out === "" && char === ".")) out += char;
        else for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    if (out.length <= MAX_SEGMENT) return out;
    return `${out.slice(0, 180)}~${createHash("sha256").update(id).digest("hex").slice(0, 16)}`;
}

/** Thrown when a path would leave the folder it must stay in. */
export class PathEscapeError extends Error {
    constructor(readonly root: string, readonly target: string) {
        super(`refusing to write ${target}: it is not inside ${root}`);
        this.name = "PathEscapeError";
    }
}

/**
 * `segments` joined under `root`, resolved, and checked to lie strictly inside it (after
 * resolving "..", never the root itself). Throws PathEscapeError otherwise.
 */
export function pathInside(root: string, ...segments: string[]): string {
    const base = path.resolve(root);
    const target = path.resolve(base, ...segments);
    assertInside(base, target);
    return target;
}

/** Throws PathEscapeError unless `target` resolves to a path strictly inside `root`. */
export function assertInside(root: string, target: string): void {
    const relative = path.relative(path.resolve(root), path.resolve(target));
    if (relative === "" || relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
        throw new PathEscapeError(path.resolve(root), path.resolve(target));
}
