import {readFile} from "node:fs/promises";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {z} from "zod";
import {hostedModelRefSchema, refIdentity} from "../models/hosted.js";
import type {ModelRef} from "../models/resolve.js";
import {loadTasks} from "../tasks/registry.js";
import {shortHash} from "../util/hash.js";

const modelRefSchema = z.union([
    z.string().min(1, "model reference must not be empty"),
    z.object({
        asset: z.string().min(1).describe("Folder or file under an asset root's models/"),
        download: z.string().regex(/^hf:/, "download must be an hf: URI").optional()
            .describe("Where to get it when no asset root has it")
    }).strict(),
    hostedModelRefSchema // {hosted: "<uri>", endpoints?, concurrency?, ...}: see harness/models/hosted.ts
]);

const taskEntrySchema = z.object({
    type: z.string().min(1),
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, "task id may hold letters, digits, '.', '_' and '-'").optional()
}).passthrough();

/** A suite file as written (`.json`, or `.ts` default-exporting defineSuite(...)). Task options sit beside `type`. */
export const suiteFileSchema = z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    models: z.array(modelRefSchema).min(1, "a suite needs at least one model"),
    tasks: z.array(taskEntrySchema).min(1, "a suite needs at least one task"),
    threads: z.number().int().positive().optional().describe("llama.cpp threads per model process (default 1)")
}).strict();

export type SuiteFile = z.input<typeof suiteFileSchema>;

/** A task instance with its config validated by the task's own schema and defaults filled in. */
export interface TaskInstance {
    id: string;
    type: string;
    config: Record<string, unknown>;
    configHash: string;
}

export interface Suite {
    name: string;
    description?: string;
    models: ModelRef[];
    tasks: TaskInstance[];
    threads: number;
    /** Hash of models and task configs: the same suite resumes into the same run. */
    hash: string;
    /** Where it was read from, for messages. */
    source: string;
}

/** Typed helper for `.ts` suite files. */
export function defineSuite(suite: SuiteFile): SuiteFile {
    return suite;
}

export class SuiteError extends Error {
    constructor(readonly source: string, readonly issues: string[]) {
        super(`invalid suite ${source}:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
        this.name = "SuiteError";
    }
}

function formatPath(segments: readonly PropertyKey[]): string {
    return segments.reduce<string>((out, segment) =>
        typeof segment === "number" ? `${out}[${segment}]` : out ? `${out}.${String(segment)}` : String(segment), "");
}

function issuesOf(error: z.ZodError, prefix: PropertyKey[] = []): string[] {
    return error.issues.map((issue) => `${formatPath([...prefix, ...issue.path]) || "(root)"}: ${issue.message}`);
}

/** Validates a suite object (from any source) into a Suite; every problem is listed with its field path. */
export async function parseSuite(raw: unknown, source: string): Promise<Suite> {
    const parsed = suiteFileSchema.safeParse(raw);
    const issues = parsed.success ? [] : issuesOf(parsed.error);
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
    if (issues.length > 0 || !parsed.success) throw new SuiteError(source, issues);
    const models = parsed.data.models as ModelRef[];
    return {
        name: parsed.data.name,
        description: parsed.data.description,
        models,
        tasks: instances,
        threads: parsed.data.threads ?? 1,
        hash: shortHash({models: models.map(refIdentity), tasks: instances.map(({id, configHash}) => ({id, configHash}))}),
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
