import {spawn} from "node:child_process";
import {mkdtempSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {PROJECT_DIR, SHARED_ASSETS} from "./assets.js";

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Environment for a CLI run: shared assets, a private download cache, no network endpoints. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {...process.env, SLMBENCH_ASSETS: SHARED_ASSETS, SLMBENCH_CACHE: tempDir("cache"), ...extra};
}

export function tempDir(prefix: string): string {
    return mkdtempSync(path.join(os.tmpdir(), `slmbench-${prefix}-`));
}

export function writeSuite(suite: object): string {
    const file = path.join(tempDir("suite"), "suite.json");
    writeFileSync(file, JSON.stringify(suite, null, 2));
    return file;
}

/** Starts the CLI as one node process (no npm/npx wrapper, so its pid is the harness itself). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = cliEnv()) {
    return spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "harness/cli.ts"), ...args], {
        cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"]
    });
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
    const child = startCli(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on("close", (code) => resolve({code, stdout, stderr})));
}
