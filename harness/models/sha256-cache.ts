import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {mkdir, readFile, stat} from "node:fs/promises";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";

/**
 * sha256 of model files, cached in `<cacheDir>/sha256.json` keyed by absolute path, size, mtime,
 * inode and ctime, so a multi-GB file is hashed once, not on every run. mtime alone misses a
 * same-size file copied with its mtime kept (`cp -p`, `rsync -a`, `tar`): the copy gets a new
 * inode (rsync, tar) or at least a new ctime (cp -p over the file), which no tool sets back.
 */
export class Sha256Cache {
    private entries: Record<string, string> | undefined;
    constructor(private readonly cacheDir: string) {}

    private get file() {
        return path.join(this.cacheDir, "sha256.json");
    }

    async hashFile(filePath: string): Promise<string> {
        const absolute = path.resolve(filePath);
        // Nanoseconds, so a rewrite within the same millisecond as the hashing still changes the key.
        const {size, mtimeNs, ino, ctimeNs} = await stat(absolute, {bigint: true});
        const key = `${absolute}|${size}|${mtimeNs}|${ino}|${ctimeNs}`;
        const entries = await this.load();
        const known = entries[key];
        if (known) return known;
        const digest = await sha256OfFile(absolute);
        entries[key] = digest;
        await mkdir(this.cacheDir, {recursive: true});
        await writeFileAtomic(this.file, JSON.stringify(entries, null, 1));
        return digest;
    }

    private async load(): Promise<Record<string, string>> {
        if (this.entries) return this.entries;
        try {
            this.entries = JSON.parse(await readFile(this.file, "utf8"));
        } catch {
            this.entries = {}; // missing or unreadable cache: rebuild it
        }
        return this.entries!;
    }
}

export function sha256OfFile(filePath: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        createReadStream(filePath)
            .on("data", (chunk) => hash.update(chunk))
            .on("error", reject)
            .on("end", () => resolve(hash.digest("hex")));
    });
}
