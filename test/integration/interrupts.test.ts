// Stopping a run from outside, as a user does: Ctrl-C (SIGINT to the terminal's process group)
// and `kill <npm pid>` (SIGTERM to npm alone, whose shell dies without passing it on), both through
// `npm run bench`; and two runs into one folder. Checked by PID: no process of the run survives.
// Part of the hostile-input matrix (bad-input.test.ts).
import {ChildProcess, spawn} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {runIdOf} from "../../harness/run/run-suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import {PROJECT_DIR, stories260K} from "../helpers/assets.js";
import {cliEnv, runCli, startCli, tempDir, writeSuite} from "../helpers/cli.js";

/** Long enough to be interrupted mid-way (stories260K runs about 10 of these trials a second on a quiet core), short enough to finish. */
const slowSuite = (name: string) => writeSuite({
    name,
    models: [stories260K("Q8_0")],
    tasks: [{type: "niah", id: "niah", lengths: [512], depths: {count: 8}, trialsPerCell: 3, maxNewTokens: 24, mainScore: "lift"}]
});
const PLANNED = 8 * 3;

interface Started {
    child: ChildProcess;
    output(): string;
    exited: Promise<number | null>;
}

/** `npm run bench -- <args>` in a process group of its own (as a terminal starts a command). */
function npmRunBench(args: string[]): Started {
    const child = spawn("npm", ["run", "bench", "--", ...args], {cwd: PROJECT_DIR, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true});
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    return {child, output: () => output, exited: new Promise((resolve) => child.on("close", (code) => resolve(code)))};
}

/** pid -> parent pid and command line, for every process now (zombies left out: they have exited). */
function processTable(): Map<number, {ppid: number; args: string}> {
    const table = new Map<number, {ppid: number; args: string}>();
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
            const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (state === "Z") continue;
            table.set(Number(entry), {ppid: Number(ppid), args: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ")});
        } catch {
            // gone meanwhile
        }
    }
    return table;
}

function descendants(pid: number): {pid: number; args: string}[] {
    const table = processTable();
    const found: {pid: number; args: string}[] = [];
    const visit = (parent: number) => {
        for (const [child, info] of table) if (info.ppid === parent) {
            found.push({pid: child, args: info.args});
            visit(child);
        }
    };
    visit(pid);
    return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
    }
}

const journalLines = (out: string) => {
    const runs = existsSync(out) ? readdirSync(out) : [];
    const file = runs.length ? path.join(out, runs[0]!, "journal.jsonl") : "";
    return file && existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((line) => line.includes("\"record\"")) : [];
};

/** Waits until the run has a model process and has journaled more than `after` trials; returns every process of the run. */
async function runningTree(started: Started, out: string, after: number) {
    await waitFor("a model process and new journaled trials", () =>
        descendants(started.child.pid!).some((p) => p.args.includes("model-child-entry.mjs")) && journalLines(out).length > after);
    const tree = descendants(started.child.pid!);
    expect(tree.map((p) => p.args).join("\n")).toMatch(/harness\/cli\.ts/);
    return tree;
}

async function expectAllGone(tree: {pid: number; args: string}[]) {
    const alive = () => {
        const table = processTable();
        return tree.filter((p) => table.has(p.pid));
    };
    await waitFor(`every process of the run to exit`, () => alive().length === 0, 15_000).catch(() => {
        const left = alive();
        for (const p of left) process.kill(p.pid, "SIGKILL");
        throw new Error(`orphans survived: ${left.map((p) => `${p.pid} ${p.args.slice(0, 120)}`).join("; ")}`);
    });
}

describe("interrupting npm run bench", () => {
    it("Ctrl-C, then kill <npm pid>: each says how many trials are saved, leaves no process behind, and the same command resumes", async () => {
        const suite = slowSuite("interrupts");
        const out = path.join(tempDir("interrupts"), "out");
        const args = ["--suite", suite, "--out", out];

        // Ctrl-C: the terminal sends SIGINT to the whole process group.
        const first = npmRunBench(args);
        const tree = await runningTree(first, out, 0);
        process.kill(-first.child.pid!, "SIGINT");
        await first.exited;
        await expectAllGone(tree);
        const savedFirst = journalLines(out).length;
        expect(first.output()).toContain(`interrupted: ${savedFirst} trials saved; run the same command to resume`);
        expect(savedFirst).toBeGreaterThan(0);
        expect(savedFirst).toBeLessThan(PLANNED);

        // kill <npm pid>: SIGTERM to npm only; its shell dies without passing it on.
        const second = npmRunBench(args);
        const secondTree = await runningTree(second, out, savedFirst);
        process.kill(second.child.pid!, "SIGTERM");
        await second.exited;
        await expectAllGone(secondTree);
        const savedSecond = journalLines(out).length;
        expect(savedSecond).toBeGreaterThan(savedFirst);
        expect(second.output()).toMatch(new RegExp(`has exited\\s+interrupted: ${savedSecond} trials saved; run the same command to resume`));
        const runDir = path.join(out, readdirSync(out)[0]!);
        expect(existsSync(path.join(runDir, "run.lock"))).toBe(false);

        // The same command finishes the rest: every planned trial journaled once.
        const third = await runCli(args);
        expect(third.code, third.stderr).toBe(0);
        const ids = journalLines(out).map((line) => JSON.parse(line).key.trialId as string);
        expect(ids).toHaveLength(PLANNED);
        expect(new Set(ids).size).toBe(PLANNED);
    });
});

describe("two runs into one folder", () => {
    it("the second exits with an error naming the lock; a lock left by a dead run is taken over with a message", async () => {
        const suite = slowSuite("locked");
        const out = path.join(tempDir("locked"), "out");
        const args = ["--suite", suite, "--out", out, "--quiet"];
        const first = startCli(args);
        const firstExit = new Promise((resolve) => first.on("close", resolve));
        let firstErr = "";
        first.stderr!.on("data", (chunk) => (firstErr += chunk));
        const lock = await waitFor("the first run's lock", () => {
            const runs = existsSync(out) ? readdirSync(out) : [];
            const file = runs.length ? path.join(out, runs[0]!, "run.lock") : "";
            return file && existsSync(file) && journalLines(out).length > 0 ? file : undefined;
        });
        expect(JSON.parse(readFileSync(lock, "utf8"))).toMatchObject({pid: first.pid, host: os.hostname()});

        const second = await runCli(args);
        expect(second.code).toBe(2);
        expect(second.stderr).toContain(`error: another slmbench run is writing into this run folder: ${lock} is held by pid ${first.pid} on ${os.hostname()}`);
        expect(second.stdout).toBe("");

        first.kill("SIGTERM");
        await firstExit;
        expect(firstErr).toMatch(/interrupted: \d+ trials saved/);
        expect(existsSync(lock)).toBe(false);

        // A lock whose owner is dead (kill -9, a crash): taken over, with a message saying whose it was.
        const tiny = await parseSuite({name: "stale", models: [stories260K("Q8_0")], tasks: [{type: "niah", lengths: [256], depths: [50], maxNewTokens: 2}]}, "inline");
        const staleOut = path.join(tempDir("stale"), "out");
        const staleLock = path.join(staleOut, runIdOf(tiny), "run.lock");
        mkdirSync(path.dirname(staleLock), {recursive: true});
        const dead = spawn(process.execPath, ["-e", ""]);
        await new Promise((resolve) => dead.on("close", resolve));
        writeFileSync(staleLock, JSON.stringify({pid: dead.pid, host: os.hostname(), startedAt: "2020-01-01T00:00:00.000Z", command: "slmbench (killed)"}));
        const third = await runCli(["--suite", writeSuite({name: "stale", models: [stories260K("Q8_0")], tasks: [{type: "niah", lengths: [256], depths: [50], maxNewTokens: 2}]}), "--out", staleOut]);
        expect(third.code, third.stderr).toBe(0);
        expect(third.stderr).toContain(`warning: took over the lock ${staleLock}: its run (pid ${dead.pid} on ${os.hostname()}, started 2020-01-01T00:00:00.000Z, is no longer running)`);
        expect(existsSync(staleLock)).toBe(false);
        expect(journalLines(staleOut)).toHaveLength(1);
    });
});
