/**
 * Stopping a run from outside: Ctrl-C (SIGINT), SIGTERM, SIGHUP, or the command that started it
 * going away (`npm run bench` killed: npm's shell dies without passing the signal on, which would
 * leave tsx, the harness and its model process running). Every finished trial is already in the
 * journal (one write per trial), so stopping is synchronous: kill the model processes, close the
 * journals and release the run locks, say how many trials are saved, exit.
 */
import type {ChildProcess} from "node:child_process";
import {readFileSync} from "node:fs";
import os from "node:os";

export type InterruptSignal = "SIGINT" | "SIGTERM" | "SIGHUP";
const SIGNALS: InterruptSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** What a run in progress does when interrupted. */
export interface InterruptibleRun {
    /** Trials the run's journal holds finished (what the same command will not run again). */
    savedTrials(): number;
    /** Synchronous: close the journal, release the lock, stop progress output. */
    close(): void;
}

const modelProcesses = new Set<ChildProcess>();
const runs = new Set<InterruptibleRun>();
let interrupting: InterruptSignal | undefined;

/** Model processes are killed when the run is interrupted (they also exit when the run's process disappears). */
export function trackModelProcess(child: ChildProcess): void {
    modelProcesses.add(child);
    child.once("exit", () => modelProcesses.delete(child));
}

export function registerRun(run: InterruptibleRun): () => void {
    runs.add(run);
    return () => runs.delete(run);
}

/** The signal the run is being stopped by, if it is. A model process killed for it is no crash. */
export function interruption(): InterruptSignal | undefined {
    return interrupting;
}

/** Kills every model process now (SIGKILL: they ignore the terminal's signals and wait for their run). */
export function killModelProcesses(): void {
    for (const child of modelProcesses) child.kill("SIGKILL");
}

export interface InterruptOptions {
    write?(text: string): void;
    exit?(code: number): void;
    /** Poll interval of the launcher watch (ms); 0 turns it off. */
    launcherPollMs?: number;
}

/**
 * Installs the handlers for the run command; returns a function removing them. The first signal
 * stops everything at once; the exit code is 128 + the signal's number (130 for Ctrl-C).
 */
export function installInterruptHandlers(options: InterruptOptions = {}): () => void {
    const write = options.write ?? ((text: string) => process.stderr.write(text));
    const exit = options.exit ?? ((code: number) => process.exit(code));
    const stop = (signal: InterruptSignal, why?: string) => {
        if (interrupting) return;
        interrupting = signal;
        killModelProcesses();
        let saved = 0;
        for (const run of runs) {
            saved += run.savedTrials();
            try {
                run.close();
            } catch {
                // closing is best effort: the journal's lines are on disk already
            }
        }
        write(`\n${why ? `${why}\n` : ""}interrupted: ${saved} trials saved; run the same command to resume\n`);
        exit(128 + os.constants.signals[signal]);
    };
    const handlers = SIGNALS.map((signal) => [signal, () => stop(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const watch = options.launcherPollMs === 0 ? undefined : watchLauncher((pid) => stop("SIGTERM", `the command that started this run (pid ${pid}) has exited`), options.launcherPollMs ?? 1000);
    return () => {
        for (const [signal, handler] of handlers) process.off(signal, handler);
        if (watch) clearInterval(watch);
    };
}

interface ProcInfo {
    ppid: number;
    args: string[];
}

function procInfo(pid: number): ProcInfo | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // A zombie has exited: its parent has not collected it yet.
        if (state === "Z" || state === "X") return undefined;
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
        return Number.isInteger(Number(ppid)) ? {ppid: Number(ppid), args} : undefined;
    } catch {
        return undefined;
    }
}

const isPackageManager = (args: string[]) => /(^|\/)(npm|npx|pnpm|yarn)$/.test(args[0] ?? "") || /(npm|npx)-cli\.js$/.test(args[1] ?? "");
const isTsx = (args: string[]) => /(\.bin\/tsx|tsx\/dist\/cli\.mjs)$/.test(args[1] ?? "") || /(^|\/)tsx$/.test(args[0] ?? "");
const isScriptShell = (args: string[]) => /(^|\/)(sh|bash|dash)$/.test(args[0] ?? "") && args[1] === "-c";

/**
 * The processes between this one and the command the user typed when that is a package-manager
 * script or tsx (`npm run bench` -> sh -c -> tsx -> this): each with its parent, as now.
 * Empty when the run was started otherwise (or where /proc does not exist).
 */
export function launcherChain(pid = process.ppid): {pid: number; ppid: number}[] {
    const chain: {pid: number; ppid: number}[] = [];
    for (let depth = 0; depth < 8 && pid > 1; depth++) {
        const info = procInfo(pid);
        if (!info) break;
        const manager = isPackageManager(info.args);
        if (!manager && !isTsx(info.args) && !isScriptShell(info.args)) break;
        chain.push({pid, ppid: info.ppid});
        if (manager) break;
        pid = info.ppid;
    }
    // A shell or tsx with no package manager above it is the user's own command: watch it only if it is tsx.
    return chain.some((entry) => isPackageManager(procInfo(entry.pid)?.args ?? []) || isTsx(procInfo(entry.pid)?.args ?? [])) ? chain : [];
}

/** Calls `lost(pid)` when a process of the launcher chain exits or is re-parented (its parent died). */
function watchLauncher(lost: (pid: number) => void, pollMs: number): NodeJS.Timeout | undefined {
    const chain = launcherChain();
    if (chain.length === 0) return undefined;
    const timer = setInterval(() => {
        // From the top: name the command the user typed (npm) when it is the one gone.
        for (const {pid, ppid} of [...chain].reverse()) {
            const now = procInfo(pid);
            if (!now || now.ppid !== ppid) {
                clearInterval(timer);
                lost(pid);
                return;
            }
        }
    }, pollMs);
    timer.unref();
    return timer;
}
