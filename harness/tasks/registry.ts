import {readdirSync, existsSync} from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import type {Task} from "./types.js";

const tasksDir = path.dirname(fileURLToPath(import.meta.url));
let loaded: Promise<Map<string, Task>> | undefined;

/**
 * Every task folder under harness/tasks/ (one holding an index.ts that default-exports a Task).
 * Adding a task is adding a folder: nothing else lists them.
 */
export function loadTasks(): Promise<Map<string, Task>> {
    loaded ??= (async () => {
        const tasks = new Map<string, Task>();
        for (const entry of readdirSync(tasksDir, {withFileTypes: true})) {
            const index = path.join(tasksDir, entry.name, "index.ts");
            if (!entry.isDirectory() || !existsSync(index)) continue;
            const task: Task = (await import(pathToFileURL(index).href)).default;
            if (!task?.type) throw new Error(`${index} does not default-export a task`);
            tasks.set(task.type, task);
        }
        return tasks;
    })();
    return loaded;
}
