import {ChildProcess, spawn} from "node:child_process";
import {existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {PROJECT_DIR, SHARED_ASSETS} from "./assets.js";

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Environment for a CLI run: this one without vitest's variables, the shared assets, a private
 * download cache, then `extra` (an undefined value removes a variable).
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST.*|NODE_ENV)$/.test(key)));
    const env: Record<string, string | undefined> = {...inherited, SLMBENCH_ASSETS: SHARED_ASSETS, SLMBENCH_CACHE: tempDir("cache"), ...extra};
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    return env as NodeJS.ProcessEnv;
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

/** Runs the CLI to its end (killed after `timeoutMs`), without blocking this process (fake servers may live here). */
export function runCli(args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<CliResult> {
    const child = startCli(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({code, stdout, stderr});
        });
    });
}

/** The lines of the journal of the (one) run under `out`, empty before it exists. */
export function journalLines(out: string): string[] {
    const file = existsSync(out) ? readdirSync(out).map((d) => path.join(out, d, "journal.jsonl")).find(existsSync) : undefined;
    return file ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** SIGKILLs `child` as soon as `ready()` holds (polled every 20 ms); rejects if it exits first. */
export function killWhen(child: ChildProcess, ready: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
            if (ready()) {
                clearInterval(timer);
                child.kill("SIGKILL");
                resolve();
            }
        }, 20);
        child.on("exit", () => {
            clearInterval(timer);
            reject(new Error("the run finished before it could be killed"));
        });
    });
}
