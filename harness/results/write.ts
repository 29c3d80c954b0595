import {mkdir, readFile} from "node:fs/promises";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import {ResultDocument, resultDocumentSchema} from "./schema.js";

/** Validates and writes a result document atomically (temp file + rename): readers never see half a file. */
export async function writeResultDocument(file: string, document: ResultDocument): Promise<void> {
    const valid = resultDocumentSchema.parse(document);
    await mkdir(path.dirname(file), {recursive: true});
    await writeFileAtomic(file, JSON.stringify(valid, null, 2) + "\n");
}

/** Reads and validates a result document; errors name the file and the failing field. */
export async function readResultDocument(file: string): Promise<ResultDocument> {
    let raw: unknown;
    try {
        raw = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
        throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = resultDocumentSchema.safeParse(raw);
    if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Error(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }
    return parsed.data;
}

/** A file-system-safe name. */
export function safeName(name: string): string {
    return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}
