import {linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";

/** Who holds a run folder's lock (the lock file's content). */
export interface LockOwner {
    pid: number;
    host: string;
    startedAt: string;
    command: string;
}

/** Another live run holds the lock: nothing of this run may start. */
export class RunLockedError extends Error {
    constructor(readonly lockFile: string, readonly owner: LockOwner | undefined) {
        super(owner
            ? `another slmbench run is writing into this run folder: ${lockFile} is held by pid ${owner.pid} on ${owner.host} (started ${owner.startedAt}: ${owner.command}). ` +
              (owner.host === os.hostname()
                  ? `Wait for it to finish, or stop it, then run again (if pid ${owner.pid} is no slmbench run, delete the lock file).`
                  : "If that run is no longer running on that machine, delete the lock file and run again.")
            : `another slmbench run is writing into this run folder: ${lockFile} exists but cannot be read; if no run is active, delete it and run again`);
        this.name = "RunLockedError";
    }
}

export interface RunLock {
    file: string;
    /** Set when a stale lock (its owner no longer running) was taken over: says whose. */
    tookOver?: string;
    release(): void;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        // EPERM: the process exists but belongs to someone else.
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

function readOwner(file: string): LockOwner | undefined {
    try {
        const owner = JSON.parse(readFileSync(file, "utf8")) as LockOwner;
        return Number.isInteger(owner.pid) && typeof owner.host === "string" ? owner : undefined;
    } catch {
        return undefined;
    }
}

/** Creates `file` holding `content`, atomically and only if it does not exist (link of a private temp file). */
function createExclusive(file: string, content: string): boolean {
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, content);
    try {
        linkSync(temp, file);
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
    } finally {
        rmSync(temp, {force: true});
    }
}

/**
 * Locks a run folder for this process: `<name>` in the folder holds the owner's pid, host, start
 * time and command. A lock whose owner (on this host) is no longer running is taken over; a live
 * owner's, or another host's, makes this throw RunLockedError naming the lock file. Two runs
 * racing for a stale lock: only one moves it aside, the other finds the winner's lock.
 */
export function acquireRunLock(runDir: string, name = "run.lock"): RunLock {
    mkdirSync(runDir, {recursive: true});
    const file = path.join(runDir, name);
    const me: LockOwner = {pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(" ").slice(0, 500)};
    const content = JSON.stringify(me, null, 2) + "\n";
    let tookOver: string | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
        if (createExclusive(file, content)) {
            let released = false;
            return {
                file, tookOver,
                release() {
                    if (released) return;
                    released = true;
                    // Only our own lock: never one a later run took over.
                    if (readOwner(file)?.pid === me.pid && readOwner(file)?.startedAt === me.startedAt) rmSync(file, {force: true});
                }
            };
        }
        const owner = readOwner(file);
        if (!owner || owner.host !== me.host || alive(owner.pid)) {
            // An unreadable lock may be one being written this instant: look once more before giving up.
            if (!owner && attempt === 0) continue;
            throw new RunLockedError(file, owner);
        }
        // Stale: move it aside under a name of our own, then check it is still the stale one we read.
        const aside = `${file}.stale-${process.pid}`;
        try {
            renameSync(file, aside);
        } catch {
            continue; // someone else moved it first
        }
        const moved = readOwner(aside);
        if (moved?.pid !== owner.pid || moved.startedAt !== owner.startedAt) {
            // We moved a live run's fresh lock: put it back and yield to that run.
            try {
                linkSync(aside, file);
            } catch {
                // it has a new lock already
            }
            rmSync(aside, {force: true});
            throw new RunLockedError(file, moved);
        }
        rmSync(aside, {force: true});
        tookOver = `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}, is no longer running`;
    }
    throw new RunLockedError(file, readOwner(file));
}
