/// <reference types="vite/client" />
// Reads and validates every result document under the results directory at build time: the
// result schema, then the task's view (registry) for its task-specific parts. Any unreadable or
// invalid file fails the build: a leaderboard silently missing rows is worse.
import fs from "node:fs";
import path from "node:path";
import {resultDocumentSchema, runErrorsSchema} from "../../../harness/results/schema.ts";
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

/** A run's errors.json (what kept parts of a run from starting): not a result document, checked and skipped. */
const RUN_ERRORS = Symbol("run errors");

function loadFile(abs: string, dir: string): LoadedDoc | typeof RUN_ERRORS {
    const text = fs.readFileSync(abs, "utf8");
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new Error(`${abs}: not valid JSON (${(error as Error).message})`);
    }
    if ((json as {kind?: unknown} | null)?.kind === "slmbench.run-errors") {
        const errors = runErrorsSchema.safeParse(json);
        if (!errors.success) throw new Error(`${abs}: not a valid slmbench run-errors file\n${describeIssues(errors.error.issues)}`);
        return RUN_ERRORS;
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

/** An unreadable or invalid document: its path and why, naming the field. */
export interface InvalidDocument {
    file: string;
    message: string;
}

/** Reads and validates every document under `dir`: the valid ones and the failures, never throwing for a bad file. */
export function readResults(dir: string): {docs: LoadedDoc[]; failures: InvalidDocument[]} {
    const docs: LoadedDoc[] = [];
    const failures: InvalidDocument[] = [];
    for (const file of listJson(dir)) {
        try {
            const loaded = loadFile(file, dir);
            if (loaded !== RUN_ERRORS) docs.push(loaded);
        } catch (error) {
            failures.push({file, message: (error as Error).message});
        }
    }
    return {docs, failures};
}

/** SLMBENCH_SITE_SKIP_INVALID=1: build without the invalid documents (each named in a warning) instead of failing. */
export const skipInvalid = () => process.env.SLMBENCH_SITE_SKIP_INVALID === "1";

/** The build error for invalid documents: every file and its first failing fields (the first ten files). */
export function invalidReport(dir: string, failures: InvalidDocument[]): string {
    const more = failures.length > 10 ? `\n(and ${failures.length - 10} more)` : "";
    return `slmbench site: ${failures.length} invalid result file(s) in ${dir}\n${failures.slice(0, 10).map((f) => f.message).join("\n")}${more}\n` +
        "Fix or remove them, or set SLMBENCH_SITE_SKIP_INVALID=1 to build without them.";
}

// Cached per process, and shared between the copies of this module a build loads (astro.config's
// check before the build, then the bundled pages): every page of a build shares one parse of the
// results. The dev server also keys on file times, so new results show up on reload.
const CACHE = Symbol.for("slmbench.site.results");
const cache: Map<string, LoadedDoc[]> = ((globalThis as Record<symbol, unknown>)[CACHE] ??= new Map()) as Map<string, LoadedDoc[]>;

/**
 * Every valid document under `dir`. Invalid ones fail (naming each file and field), unless
 * SLMBENCH_SITE_SKIP_INVALID=1, which leaves them out with a warning each.
 */
export function loadResults(dir = resultsDir(), dev = Boolean(import.meta.env?.DEV)): LoadedDoc[] {
    if (!dev && cache.has(dir)) return cache.get(dir)!;
    const key = dev ? `${dir}\n${listJson(dir).map((f) => `${f}@${fs.statSync(f).mtimeMs}`).join("\n")}` : dir;
    const hit = cache.get(key);
    if (hit) return hit;
    const {docs, failures} = readResults(dir);
    if (failures.length && !skipInvalid()) throw new Error(invalidReport(dir, failures));
    for (const f of failures) console.warn(`slmbench site: skipping an invalid result (SLMBENCH_SITE_SKIP_INVALID=1): ${f.message}`);
    cache.clear();
    cache.set(key, docs);
    return docs;
}
