import {mkdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {z} from "zod";
import {RESULT_SCHEMA_VERSION, resultDocumentSchema} from "./schema.js";

export const SCHEMA_DIR = fileURLToPath(new URL("../../results/schema/", import.meta.url));
export const SCHEMA_FILE = path.join(SCHEMA_DIR, `result-document.v${RESULT_SCHEMA_VERSION}.schema.json`);

/** The result document's JSON Schema (draft 2020-12), for tools outside TypeScript. */
export function resultJsonSchema(): string {
    const schema = z.toJSONSchema(resultDocumentSchema, {io: "input", unrepresentable: "any"});
    return JSON.stringify({
        $id: `https://slmbench.dev/schema/result-document.v${RESULT_SCHEMA_VERSION}.schema.json`,
        title: `slmbench result document, version ${RESULT_SCHEMA_VERSION}`,
        ...schema
    }, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
    await mkdir(SCHEMA_DIR, {recursive: true});
    await writeFile(SCHEMA_FILE, resultJsonSchema());
    process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
