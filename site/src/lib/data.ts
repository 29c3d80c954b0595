// Turns validated result documents into what the pages show: models (one per file or hosted
// model), tasks, ladders (families). Computed once per build and shared by all pages.
import {createHash} from "node:crypto";
import type {ModelInfo} from "../../../harness/results/schema.ts";
import {loadResults} from "./load.ts";
import type {MemoryParams} from "./memory.ts";
import type {DocEntry, Family, LoadedDoc, ModelEntry, ModelKind, SiteData, TaskInfo} from "./types.ts";

export type {DocEntry, Family, ModelEntry, ModelKind, SiteData, TaskInfo} from "./types.ts";

/** Readable and collision-free: a slug of `readable` plus a short hash of `unique`. */
export function slugify(readable: string, unique = readable): string {
    const text = readable.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 80).replace(/^-+|-+$/g, "");
    const hash = createHash("sha1").update(unique).digest("hex").slice(0, 8);
    return text ? `${text}-${hash}` : hash;
}

/** Identity of a model row: same id with different bytes (a re-quantized file) is a different row. */
function modelKey(model: ModelInfo): string {
    return `${model.id}@${model.sha256}`;
}

export function modelKind(model: ModelInfo): ModelKind {
    if (model.provider.startsWith("local")) return "local";
    if (model.provider === "lexical" || model.id.startsWith("builtin:")) return "builtin";
    return "hosted";
}

export const KIND_LABEL: Record<ModelKind, string> = {local: "local", hosted: "hosted", builtin: "built-in"};

/** Whether a model has local weights; bytes and bits per weight are 0 (or a tiny placeholder) for those without. */
export function hasWeights(model: ModelInfo): boolean {
    return model.bytes > 0 && model.bitsPerWeight >= 0.01;
}

/** Highest precision first; models without weights (hosted, built-in) first when they are the reference, else last. */
function precisionOrder(m: ModelEntry): number {
    if (m.weights) return m.model.bitsPerWeight;
    return m.model.ladder.isReference ? Infinity : -1;
}

function mean(values: (number | null | undefined)[]): number | null {
    const ok = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
}

function build(loaded: LoadedDoc[]): SiteData {
    const docs: DocEntry[] = loaded
        .map((d) => ({
            ...d,
            slug: slugify(`${d.doc.model.fileName} ${d.doc.task.id} ${d.doc.runId.slice(0, 8)}`, d.file),
            modelKey: modelKey(d.doc.model)
        }))
        .sort((a, b) => b.doc.createdAt.localeCompare(a.doc.createdAt));

    const models = new Map<string, ModelEntry>();
    const tasks = new Map<string, TaskInfo>();
    for (const entry of docs) {
        const {model, task} = entry.doc;
        let row = models.get(entry.modelKey);
        if (!row) {
            const kind = modelKind(model);
            row = {
                key: entry.modelKey, slug: slugify(model.fileName, entry.modelKey), model,
                kind, hosted: kind === "hosted", weights: hasWeights(model), latest: new Map(), docs: [],
                generationTps: null, peakRssBytes: null
            };
            models.set(entry.modelKey, row);
        }
        row.docs.push(entry);
        // docs are newest first, so the first one seen per task wins.
        if (!row.latest.has(task.id)) row.latest.set(task.id, entry);
        if (!tasks.has(task.id)) tasks.set(task.id, {id: task.id, type: task.type, mainScore: task.mainScore});
    }
    for (const row of models.values()) {
        const perf = [...row.latest.values()].map((d) => d.doc.performance);
        row.generationTps = mean(perf.map((p) => p?.generationTokensPerSecond));
        const rss = perf.map((p) => p?.peakRssBytes).filter((v): v is number => typeof v === "number");
        row.peakRssBytes = rss.length ? Math.max(...rss) : null;
    }

    const byFamily = new Map<string, ModelEntry[]>();
    for (const row of models.values()) {
        const list = byFamily.get(row.model.ladder.id) ?? [];
        list.push(row);
        byFamily.set(row.model.ladder.id, list);
    }
    const families = [...byFamily].map(([id, list]): Family => {
        // Equal precision: a file whose label matches its tensors before one that does not (Q8_0 before a Q6_K holding Q8_0 tensors).
        const mislabelled = (m: ModelEntry) => Number(m.model.labelMatchesTensors === false);
        list.sort((a, b) => precisionOrder(b) - precisionOrder(a) || mislabelled(a) - mislabelled(b) || a.model.fileName.localeCompare(b.model.fileName));
        const reference = list.find((m) => m.model.ladder.isReference) ?? list.find((m) => m.model.fileName === m.model.ladder.referenceFile);
        return {id, slug: slugify(id), models: list, reference};
    }).sort((a, b) => a.id.localeCompare(b.id));

    return {
        docs,
        models: [...models.values()].sort((a, b) => a.model.id.localeCompare(b.model.id)),
        tasks: [...tasks.values()].sort((a, b) => a.id.localeCompare(b.id)),
        families,
        synthetic: docs.some((d) => /synthetic/i.test(d.doc.suite.name))
    };
}

let cached: {source: LoadedDoc[]; data: SiteData} | undefined;

export function siteData(): SiteData {
    const source = loadResults();
    if (cached?.source !== source) cached = {source, data: build(source)};
    return cached.data;
}

/** A score's confidence interval, from the `{name}Ci: [lo, hi]` convention; null when absent or malformed. */
export function ciOf(block: unknown, name: string): [number, number] | null {
    const ci = (block as Record<string, unknown> | null | undefined)?.[`${name}Ci`];
    return Array.isArray(ci) && ci.length === 2 && ci.every((v) => typeof v === "number" && Number.isFinite(v))
        ? [ci[0], ci[1]] : null;
}

/** A model's short label within its ladder: the quant label, or the name for models without weights. */
export function shortLabel(m: ModelEntry): string {
    return m.weights || m.kind === "hosted" ? m.model.quantLabel : m.model.fileName;
}

/** Labels for a list of models, made unique (two files with the same quant label get their file names). */
export function uniqueLabels(models: ModelEntry[]): Map<ModelEntry, string> {
    const counts = new Map<string, number>();
    for (const m of models) counts.set(shortLabel(m), (counts.get(shortLabel(m)) ?? 0) + 1);
    return new Map(models.map((m) => [m, counts.get(shortLabel(m))! > 1 ? `${shortLabel(m)} (${m.model.fileName})` : shortLabel(m)]));
}

/**
 * Memory inputs of a model: weights + KV cache per token + overhead when the harness recorded
 * `model.memory`, else a fixed figure (peak RSS, else file size); null without local weights.
 */
export function memoryParams(row: ModelEntry): MemoryParams | null {
    if (!row.weights) return null;
    const m = row.model.memory;
    if (m) return {bytes: row.model.bytes, memory: {kvBytesPerToken: m.kvBytesPerToken, overheadBytes: m.overheadBytes}, source: "estimate"};
    // No memory facts: the run's measured peak RSS, else the file size (the same at every context).
    return row.peakRssBytes !== null ? {bytes: row.peakRssBytes, source: "peak RSS"} : {bytes: row.model.bytes, source: "file size"};
}
