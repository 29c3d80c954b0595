import {existsSync, readdirSync} from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import type {Task} from "./types.js";

const builtinTasksDir = path.dirname(fileURLToPath(import.meta.url));
const loaded = new Map<string, Promise<Map<string, Task>>>();

/** Extra folders of task folders, from `SLMBENCH_TASK_DIRS` (colon-separated): how tests and plugins add tasks. */
export function taskDirsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
    return (env.SLMBENCH_TASK_DIRS ?? "").split(":").filter((dir) => dir.trim() !== "").map((dir) => path.resolve(dir));
}

/**
 * Every task folder under harness/tasks/ and under the extra folders (each task folder holding an
 * index.ts that default-exports a Task). Adding a task is adding a folder: nothing else lists them.
 */
export function loadTasks(extraDirs: string[] = taskDirsFromEnv()): Promise<Map<string, Task>> {
    const dirs = [builtinTasksDir, ...extraDirs];
    const key = dirs.join("\n");
    let tasks = loaded.get(key);
    if (!tasks) loaded.set(key, tasks = discover(dirs));
    return tasks;
}

async function discover(dirs: string[]): Promise<Map<string, Task>> {
    const tasks = new Map<string, Task>();
    for (const dir of dirs) {
        if (!existsSync(dir)) throw new Error(`task folder not found: ${dir}`);
        for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
            const index = path.join(dir, entry.name, "index.ts");
            if (!entry.isDirectory() || !existsSync(index)) continue;
            const task: Task = (await import(pathToFileURL(index).href)).default;
            if (!task?.type) throw new Error(`${index} does not default-export a task`);
            if (tasks.has(task.type)) throw new Error(`${index}: task type "${task.type}" is defined twice`);
            tasks.set(task.type, task);
        }
    }
    return tasks;
}
