/// <reference types="vite/client" />
// Reads and validates every result document under the results directory at build time: the
// result schema, then the task's view (registry) for its task-specific parts. Any unreadable or
// invalid file fails the build: a leaderboard silently missing rows is worse.
import fs from "node:fs";
import path from "node:path";
import {resultDocumentSchema} from "../../../harness/results/schema.ts";
import {mainDeltaSchema} from "../../../harness/util/verdict.ts";
import {viewOf} from "../tasks/registry.ts";
import {describeIssues} from "./issues.ts";
import type {LoadedDoc} from "./types.ts";

export type {LoadedDoc} from "./types.ts";

export function resultsDir(): string {
    return path.resolve(process.env.SLMBENCH_RESULTS_DIR || "results/runs");
}

function listJson(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, {recursive: true, withFileTypes: true})
        .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
        .map((entry) => path.join(entry.parentPath, entry.name))
        .sort();
}

function loadFile(abs: string, dir: string): LoadedDoc {
    const text = fs.readFileSync(abs, "utf8");
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new Error(`${abs}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = resultDocumentSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${abs}: not a valid slmbench result\n${describeIssues(parsed.error.issues)}`);
    const loaded: LoadedDoc = {doc: parsed.data, file: path.relative(dir, abs).split(path.sep).join("/")};
    // Every task's comparison with its reference may carry the paired change of its main score.
    const mainDelta = (parsed.data.scores as {vsReference?: {mainDelta?: unknown}}).vsReference?.mainDelta;
    if (mainDelta !== undefined) {
        const checked = mainDeltaSchema.safeParse(mainDelta);
        if (!checked.success) throw new Error(`${abs}: invalid paired change\n${describeIssues(checked.error.issues, "scores.vsReference.mainDelta")}`);
    }
    const view = viewOf(parsed.data.task.type);
    if (view) {
        const data = view.parse(parsed.data);
        if (!data.ok) throw new Error(`${abs}: ${data.error}`);
        loaded.view = {type: view.type, data: data.data};
    }
    return loaded;
}

// Cached per process: every page of a build shares one parse of the results. The dev server
// also keys on file times, so new results show up on reload (too many stats for a build).
const cache = new Map<string, LoadedDoc[]>();

export function loadResults(dir = resultsDir()): LoadedDoc[] {
    const dev = Boolean(import.meta.env?.DEV);
    if (!dev && cache.has(dir)) return cache.get(dir)!;
    const files = listJson(dir);
    const key = dev ? `${dir}\n${files.map((f) => `${f}@${fs.statSync(f).mtimeMs}`).join("\n")}` : dir;
    const hit = cache.get(key);
    if (hit) return hit;
    const docs: LoadedDoc[] = [];
    const failures: string[] = [];
    for (const file of files) {
        try {
            docs.push(loadFile(file, dir));
        } catch (error) {
            failures.push((error as Error).message);
        }
    }
    if (failures.length) {
        const more = failures.length > 10 ? `\n(and ${failures.length - 10} more)` : "";
        throw new Error(`slmbench site: ${failures.length} invalid result file(s) in ${dir}\n${failures.slice(0, 10).join("\n")}${more}`);
    }
    cache.clear();
    cache.set(key, docs);
    return docs;
}
