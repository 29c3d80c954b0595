// `--shard auto` as each engine runs it: separate CLI processes that differ only in the variables a
// Slurm job array, a Kubernetes Indexed Job or a GitHub Actions matrix sets (Slurm's through the
// example sbatch scripts themselves), merged, and compared with a single run by `slmbench diff`.
// Shard counts come from the files in examples/, which are checked for consistency here too.
import {spawn} from "node:child_process";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {PROJECT_DIR, stories260K} from "../helpers/assets.js";
import {CliResult, cliEnv, runCli, tempDir, writeSuite} from "../helpers/cli.js";

const example = (file: string) => readFileSync(path.join(PROJECT_DIR, "examples", file), "utf8");
const number = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1]);

async function documentsIn(dir: string): Promise<ResultDocument[]> {
    const files = readdirSync(dir, {recursive: true, encoding: "utf8"}).filter((f) => f.endsWith(".json"));
    return Promise.all(files.map((f) => readResultDocument(path.join(dir, f))));
}

/** Runs `jobs` two at a time (the engines run their shards side by side; this machine has two cores). */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
    const results: T[] = [];
    for (let i = 0; i < jobs.length; i += 2) results.push(...await Promise.all(jobs.slice(i, i + 2).map((job) => job())));
    return results;
}

/** A bash script as Slurm runs a batch script: its #SBATCH lines are comments, the job's variables come from the environment. */
function runBatchScript(script: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
    const child = spawn("bash", [path.join(PROJECT_DIR, "examples", script)], {cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"]});
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on("close", (code) => resolve({code, stdout, stderr})));
}

const suite = writeSuite({
    name: "engines",
    models: [stories260K("F32"), stories260K("Q4_0")],
    tasks: [{type: "niah", lengths: [256], depths: [0, 50, 100], trialsPerCell: 2, maxNewTokens: 4, haystack: {type: "noise"}}]
});
const cliArgs = (out: string) => ["--suite", suite, "--out", out, "--threads", "1"];

interface EngineRun {
    shards: CliResult[];
    shardDocuments: ResultDocument[];
    merge: CliResult;
    diff: CliResult;
}
let single: string;
const runs: Record<"slurm" | "kubernetes" | "github", EngineRun> = {} as never;

async function mergeAndDiff(shardDirs: string[]): Promise<Pick<EngineRun, "merge" | "diff">> {
    const merged = tempDir("merged");
    const merge = await runCli(["merge", ...shardDirs, "--out", merged]);
    return {merge, diff: await runCli(["diff", single, merged])};
}

beforeAll(async () => {
    single = tempDir("single");
    const whole = await runCli(cliArgs(single));
    expect(whole.code, whole.stderr).toBe(0);

    // Slurm: the example's array (#SBATCH --array=0-2), every task running shards.sbatch into one shared folder, then merge.sbatch.
    const sbatch = example("slurm/shards.sbatch");
    const [min, max] = [number(sbatch, /#SBATCH --array=(\d+)-\d+/), number(sbatch, /#SBATCH --array=\d+-(\d+)/)];
    const results = tempDir("slurm");
    const slurmEnv = (extra: Record<string, string>) => cliEnv({SLMBENCH_DIR: PROJECT_DIR, SLMBENCH_RESULTS: results, SLMBENCH_SUITE: suite, ...extra});
    const ids = Array.from({length: max - min + 1}, (_, i) => min + i);
    const slurmShards = await twoAtATime(ids.map((id) => () => runBatchScript("slurm/shards.sbatch", slurmEnv({
        SLURM_JOB_ID: String(4100 + id), SLURM_ARRAY_JOB_ID: "4100", SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min),
        SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(ids.length), SLURM_CPUS_PER_TASK: "1"
    }))));
    const slurmMerged = path.join(results, "merged");
    const slurmMerge = await runBatchScript("slurm/merge.sbatch", slurmEnv({SLURM_JOB_ID: "4104"}));
    runs.slurm = {shards: slurmShards, shardDocuments: await documentsIn(path.join(results, "shards")), merge: slurmMerge, diff: await runCli(["diff", single, slurmMerged])};

    // Kubernetes: completions pods, each with its JOB_COMPLETION_INDEX and the manifest's SLMBENCH_SHARD_COUNT, on one shared volume.
    const manifest = example("kubernetes/shards-job.yaml");
    const completions = number(manifest, /^\s*completions:\s*(\d+)/m);
    const volume = tempDir("volume");
    const podShards = await twoAtATime(Array.from({length: completions}, (_, index) => () => runCli([...cliArgs(volume), "--shard", "auto"],
        cliEnv({JOB_COMPLETION_INDEX: String(index), SLMBENCH_SHARD_COUNT: String(number(manifest, /SLMBENCH_SHARD_COUNT\s+value:\s*"(\d+)"/))}))));
    runs.kubernetes = {shards: podShards, shardDocuments: await documentsIn(volume), ...await mergeAndDiff([volume])};

    // GitHub Actions: one job per matrix entry, SLMBENCH_SHARD_INDEX = strategy.job-index of job-total, each uploading its own folder.
    const matrix = /shard:\s*\[([^\]]*)\]/.exec(example("github-actions/slmbench-shards.yml"))![1]!.split(",").length;
    const artifacts = tempDir("artifacts");
    const artifactDirs = Array.from({length: matrix}, (_, index) => path.join(artifacts, `slmbench-shard-${index + 1}`));
    const jobShards = await twoAtATime(artifactDirs.map((dir, index) => () => runCli([...cliArgs(dir), "--shard", "auto"],
        cliEnv({SLMBENCH_SHARD_INDEX: String(index), SLMBENCH_SHARD_COUNT: String(matrix), GITHUB_ACTIONS: "true"}))));
    const shardDocuments = (await Promise.all(artifactDirs.map(documentsIn))).flat();
    runs.github = {shards: jobShards, shardDocuments, ...await mergeAndDiff([artifacts])};
}, 900_000);

describe.each([
    ["slurm", "Slurm job array", 3],
    ["kubernetes", "Kubernetes Indexed Job", 3],
    ["github", "SLMBENCH_SHARD_INDEX/SLMBENCH_SHARD_COUNT", 3]
] as const)("%s shards with --shard auto", (engine, name, count) => {
    it("each process says which shard it took and from what, and its documents record it", () => {
        const {shards, shardDocuments} = runs[engine];
        expect(shards).toHaveLength(count);
        shards.forEach((shard, i) => {
            expect(shard.code, shard.stderr).toBe(0);
            expect(shard.stderr).toContain(`shard ${i + 1}/${count} from ${name} (`);
        });
        expect(shardDocuments).toHaveLength(2 * count);
        const source = engine === "github" ? "env" : engine;
        for (const document of shardDocuments) {
            expect(document.shard).toMatchObject({count, source});
            expect(document.env.gpu).toEqual({requested: "cpu", backend: "cpu", layers: 0});
        }
        expect(shardDocuments.map((d) => d.shard!.index).sort()).toEqual(Array.from({length: count}, (_, i) => [i + 1, i + 1]).flat());
        expect(shardDocuments.reduce((n, d) => n + d.trials.length, 0)).toBe(12);
    });

    it("merges into the documents of a single run (slmbench diff finds no difference)", () => {
        const {merge, diff} = runs[engine];
        expect(merge.code, merge.stderr).toBe(0);
        expect(diff.stdout).toContain("2 documents the same, 0 different, 0 in one folder only");
        expect(diff.code).toBe(0);
    });
});

describe("the examples agree with themselves", () => {
    it("Kubernetes: an Indexed Job whose SLMBENCH_SHARD_COUNT is its completions, writing to the volume the merge Job reads", () => {
        const job = example("kubernetes/shards-job.yaml");
        expect(job).toMatch(/^\s*completionMode: Indexed$/m);
        expect(number(job, /SLMBENCH_SHARD_COUNT\s+value:\s*"(\d+)"/)).toBe(number(job, /^\s*completions:\s*(\d+)/m));
        const command: string[] = JSON.parse(/command: (\[.*\])/.exec(job)![1]!);
        expect(command.slice(command.indexOf("--shard"), command.indexOf("--shard") + 2)).toEqual(["--shard", "auto"]);
        const mergeCommand: string[] = JSON.parse(/command: (\[.*\])/.exec(example("kubernetes/merge-job.yaml"))![1]!);
        expect(mergeCommand).toContain(command[command.indexOf("--out") + 1]);
        expect(example("kubernetes/merge-job.yaml")).toContain("claimName: slmbench-results");
        expect(example("kubernetes/results-volume.yaml")).toMatch(/name: slmbench-results[\s\S]*ReadWriteMany/);
    });

    it("GitHub Actions: the matrix's index and size feed --shard auto, and the merge job waits for every shard", () => {
        const workflow = example("github-actions/slmbench-shards.yml");
        expect(workflow).toContain("SLMBENCH_SHARD_INDEX: ${{ strategy.job-index }}");
        expect(workflow).toContain("SLMBENCH_SHARD_COUNT: ${{ strategy.job-total }}");
        expect(workflow).toMatch(/--shard auto/);
        expect(workflow).toMatch(/merge:\s+needs: shard\s+if: always\(\)/);
    });

    it("Slurm: submit.sh queues the merge after the whole array", () => {
        expect(example("slurm/submit.sh")).toMatch(/--dependency="afterany:\$\{array%%;\*\}"/);
    });
});
