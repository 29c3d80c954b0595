/// <reference types="vite/client" />
// Reads and validates every result document under the results directory at build time.
// Any unreadable or invalid file fails the build: a leaderboard silently missing rows is worse.
import fs from "node:fs";
import path from "node:path";
import {resultDocumentSchema, type ResultDocument} from "../../../harness/results/schema.ts";
import {fidelityScoresSchema, type FidelityScores} from "../../../harness/tasks/fidelity/contract.ts";
import {niahScoresSchema, type NiahScores} from "../../../harness/tasks/niah/contract.ts";
import {stsScoresSchema, type StsScores} from "../../../harness/tasks/sts/contract.ts";
import {describeIssues} from "./issues.ts";
import {parsePairRecords, type PairRecords} from "./sts.ts";

export interface LoadedDoc {
    doc: ResultDocument;
    /** Path relative to the results dir, with forward slashes; also the raw-JSON URL path. */
    file: string;
    /** Validated NIAH scores block when task.type is "niah". */
    niah?: NiahScores;
    /** Validated STS scores block and the per-pair records of its ok trials (null when none ran) when task.type is "sts". */
    sts?: {scores: StsScores; pairs: PairRecords | null};
    /** Validated fidelity scores block when task.type is "fidelity". */
    fidelity?: FidelityScores;
}

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
    if (parsed.data.task.type === "niah") {
        const scores = niahScoresSchema.safeParse(parsed.data.scores);
        if (!scores.success) throw new Error(`${abs}: invalid NIAH scores block\n${describeIssues(scores.error.issues, "scores")}`);
        loaded.niah = scores.data;
    }
    if (parsed.data.task.type === "sts") {
        const scores = stsScoresSchema.safeParse(parsed.data.scores);
        if (!scores.success) throw new Error(`${abs}: invalid STS scores block\n${describeIssues(scores.error.issues, "scores")}`);
        const pairs = parsePairRecords(parsed.data.trials);
        if (!pairs.ok) throw new Error(`${abs}: invalid STS per-pair records\n${pairs.error}`);
        loaded.sts = {scores: scores.data, pairs: pairs.records};
    }
    if (parsed.data.task.type === "fidelity") {
        const scores = fidelityScoresSchema.safeParse(parsed.data.scores);
        if (!scores.success) throw new Error(`${abs}: invalid fidelity scores block\n${describeIssues(scores.error.issues, "scores")}`);
        loaded.fidelity = scores.data;
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
