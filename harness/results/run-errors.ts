import {readFileSync} from "node:fs";
import {rm} from "node:fs/promises";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import {RunErrors, runErrorsSchema} from "./schema.js";

export const RUN_ERRORS_FILE = "errors.json";

/**
 * Writes `<run folder>/errors.json` when the run has errors no result document holds, and removes
 * an older one when it has none (so the file always describes the latest run). Returns its path
 * when written.
 */
export async function writeRunErrors(runDir: string, errors: Omit<RunErrors, "kind" | "createdAt">): Promise<string | undefined> {
    const file = path.join(runDir, RUN_ERRORS_FILE);
    if (errors.models.length + errors.tasks.length + errors.other.length === 0) {
        await rm(file, {force: true});
        return undefined;
    }
    const document = runErrorsSchema.parse({kind: "slmbench.run-errors", createdAt: new Date().toISOString(), ...errors});
    await writeFileAtomic(file, JSON.stringify(document, null, 2) + "\n");
    return file;
}

/** Whether a JSON file is a run's errors.json (by its kind, whatever its name). */
export function isRunErrorsFile(file: string): boolean {
    try {
        return (JSON.parse(readFileSync(file, "utf8")) as {kind?: unknown})?.kind === "slmbench.run-errors";
    } catch {
        return false;
    }
}
