import {readFile} from "node:fs/promises";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {GpuOptions, issuesOf, ModelRef, Suite, SuiteError, suiteFileSchema, TaskInstance, taskEntrySchema, withGpuOverrides} from "../config/suite.js";
import type {Provider} from "../providers/provider.js";
import {loadProviders, providerOfRef} from "../providers/registry.js";
import {loadTasks} from "../tasks/registry.js";
import {shortHash} from "../util/hash.js";

/** Model references checked by the provider each belongs to; returns the problems, with field paths. */
function modelIssues(models: unknown, providers: Provider[]): string[] {
    if (!Array.isArray(models)) return [];
    const issues: string[] = [];
    models.forEach((ref, index) => {
        if (typeof ref === "string" && ref.length === 0) return; // reported by the suite schema
        if (typeof ref !== "string" && (typeof ref !== "object" || ref === null || Array.isArray(ref))) return;
        const provider = providerOfRef(providers, ref as ModelRef);
        if (!provider) {
            issues.push(`models[${index}]: no provider answers to ${JSON.stringify(ref)} (${providers.map((p) => p.syntax).join("; ")})`);
            return;
        }
        if (typeof ref === "object" && provider.refSchema) {
            const parsed = provider.refSchema.safeParse(ref);
            if (!parsed.success) issues.push(...issuesOf(parsed.error, ["models", index]));
        }
    });
    return issues;
}

/** Validates a suite object (from any source) into a Suite; every problem is listed with its field path. */
export async function parseSuite(raw: unknown, source: string): Promise<Suite> {
    const parsed = suiteFileSchema.safeParse(raw);
    const issues = parsed.success ? [] : issuesOf(parsed.error);
    const providers = await loadProviders();
    issues.push(...modelIssues((raw as {models?: unknown} | null)?.models, providers));
    // Task entries are checked even when other fields fail, so one pass reports every problem.
    const entries = (raw as {tasks?: unknown} | null)?.tasks;
    const tasks = await loadTasks();
    const instances: TaskInstance[] = [];
    (Array.isArray(entries) ? entries : []).forEach((entry, index) => {
        if (!taskEntrySchema.safeParse(entry).success) return; // already reported by the suite schema
        const {type, id, ...options} = entry as {type: string; id?: string} & Record<string, unknown>;
        const task = tasks.get(type);
        if (!task) {
            issues.push(`tasks[${index}].type: unknown task "${type}" (known: ${[...tasks.keys()].join(", ")})`);
            return;
        }
        const config = task.configSchema.safeParse(options);
        if (!config.success) {
            issues.push(...issuesOf(config.error, ["tasks", index]));
            return;
        }
        const instanceId = id ?? type;
        if (instances.some((instance) => instance.id === instanceId))
            issues.push(`tasks[${index}].id: duplicate task id "${instanceId}" (give each entry of the same type an id)`);
        instances.push({id: instanceId, type, config: config.data as Record<string, unknown>, configHash: shortHash({type, config: config.data})});
    });
    let gpu: GpuOptions = {gpu: "cpu"};
    if (parsed.success) {
        try {
            gpu = withGpuOverrides({gpu: parsed.data.gpu ?? "cpu", gpuLayers: parsed.data.gpuLayers});
        } catch (error) {
            issues.push(`gpuLayers: ${(error as Error).message}`);
        }
    }
    if (issues.length > 0 || !parsed.success) throw new SuiteError(source, issues);
    const models = parsed.data.models as ModelRef[];
    // A model's identity for the run id: what decides its results (a hosted model's concurrency does not).
    const identity = (ref: ModelRef) => providerOfRef(providers, ref)?.identity?.(ref) ?? ref;
    return {
        name: parsed.data.name,
        description: parsed.data.description,
        models,
        tasks: instances,
        threads: parsed.data.threads ?? 1,
        gpu,
        ...(parsed.data.maxCrashAttempts ? {maxCrashAttempts: parsed.data.maxCrashAttempts} : {}),
        hash: shortHash({models: models.map(identity), tasks: instances.map(({id, configHash}) => ({id, configHash}))}),
        source
    };
}

/** Reads a `.json` or `.ts` suite file. */
export async function loadSuiteFile(file: string): Promise<Suite> {
    const absolute = path.resolve(file);
    let raw: unknown;
    if (/\.[cm]?[jt]s$/.test(absolute)) {
        try {
            raw = (await import(pathToFileURL(absolute).href)).default;
        } catch (error) {
            throw new SuiteError(file, [`cannot load: ${(error as Error).message}`]);
        }
    } else {
        let text: string;
        try {
            text = await readFile(absolute, "utf8");
        } catch {
            throw new SuiteError(file, ["file not found"]);
        }
        try {
            raw = JSON.parse(text);
        } catch (error) {
            throw new SuiteError(file, [`not valid JSON: ${(error as Error).message}`]);
        }
    }
    return parseSuite(raw, file);
}
