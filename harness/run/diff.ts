import {readdirSync} from "node:fs";
import path from "node:path";
import type {ResultDocument} from "../results/schema.js";
import {readResultDocument} from "../results/write.js";
import {canonicalJson} from "../util/hash.js";

/** Fields that differ between two runs of the same work without the results differing: when, how fast, and where caches are. */
const VOLATILE = /^(createdAt|performance|timings|cacheFile)$|Ms$|PerSecond$/;

/** A document without its volatile fields, as canonical JSON. */
export function stableForm(document: ResultDocument): string {
    return canonicalJson(JSON.parse(JSON.stringify(document), (key, value) => (VOLATILE.test(key) ? undefined : value)));
}

export interface RunDiff {
    /** Documents of both folders whose stable forms are equal / differ, by key (run, task, model). */
    same: string[];
    different: {key: string; firstDifference: string}[];
    onlyIn: {first: string[]; second: string[]};
}

async function documentsByKey(dir: string): Promise<Map<string, ResultDocument>> {
    const documents = new Map<string, ResultDocument>();
    for (const file of readdirSync(dir, {recursive: true, encoding: "utf8"}).filter((f) => f.endsWith(".json")).sort()) {
        const document = await readResultDocument(path.join(dir, file)).catch(() => undefined);
        if (document) documents.set(`${document.runId} ${document.task.id} ${document.model.id}`, document);
    }
    return documents;
}

/** Where two JSON texts first part, with a little context. */
function firstDifference(a: string, b: string): string {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `at character ${i}: ...${a.slice(Math.max(0, i - 60), i + 40)}... vs ...${b.slice(Math.max(0, i - 60), i + 40)}...`;
}

/**
 * Compares the result documents of two folders (two runs of the same suites): equal when they are
 * the same apart from timestamps, timings and cache locations. For checking that a change of the
 * harness leaves results alone, or that a rerun reproduces them.
 */
export async function diffRuns(first: string, second: string): Promise<RunDiff> {
    const [a, b] = await Promise.all([documentsByKey(first), documentsByKey(second)]);
    const diff: RunDiff = {same: [], different: [], onlyIn: {first: [...a.keys()].filter((k) => !b.has(k)), second: [...b.keys()].filter((k) => !a.has(k))}};
    for (const [key, document] of a) {
        const other = b.get(key);
        if (!other) continue;
        const [x, y] = [stableForm(document), stableForm(other)];
        if (x === y) diff.same.push(key);
        else diff.different.push({key, firstDifference: firstDifference(x, y)});
    }
    return diff;
}
