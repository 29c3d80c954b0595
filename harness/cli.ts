#!/usr/bin/env node
import {Command, InvalidArgumentError, Option} from "commander";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {resolveAssetRoots} from "./assets/roots.js";
import {GPU_BACKENDS, GpuBackend, parseGpuLayers, Suite, SuiteError, withGpuOverrides} from "./config/suite.js";
import {diffRuns} from "./run/diff.js";
import {mergeRuns} from "./run/merge.js";
import {formatRecommendation, loadLatestDocuments, MarginOption, recommend, taskMargins} from "./run/recommend.js";
import {loadTasks} from "./tasks/registry.js";
import {runSuite} from "./run/run-suite.js";
import {describeShard, shardOption} from "./run/shards.js";
import {loadSuiteFile, parseSuite} from "./run/suite.js";
import {rulerHeadlineTable, summaryTable} from "./run/summary.js";
import {SLMBENCH_VERSION} from "./run/env.js";
import {trialFailureLines, warningLines} from "./run/failure-report.js";
import {RunLockedError} from "./run/lock.js";
import {installInterruptHandlers} from "./run/signals.js";
import {clipMessage} from "./util/clip.js";
import {PathEscapeError} from "./util/paths.js";
import {parseSize} from "./util/units.js";

const DEFAULT_SUITE = fileURLToPath(new URL("../benchmarks/suites/default.ts", import.meta.url));

function positiveInt(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
    return n;
}
const list = (value: string) => value.split(",").map((item) => item.trim()).filter(Boolean);

const program = new Command()
    .name("slmbench")
    .description("Benchmark small and quantized language models (local GGUF ladders, hosted endpoints) and write versioned JSON results.")
    .version(SLMBENCH_VERSION)
    // So `merge ... --out <dir>` reads its own --out (the run's options go before a subcommand).
    .enablePositionalOptions()
    .option("-s, --suite <file>", "suite file (.ts with defineSuite, or .json)", DEFAULT_SUITE)
    .option("-o, --out <dir>", "output directory for result documents", "results/runs")
    .option("-m, --models <refs>", "comma-separated models replacing the suite's: .gguf files, folders of ladders, asset names or hf: URIs", list)
    .option("-t, --tasks <ids>", "comma-separated task ids or types to run (default: all of the suite's)", list)
    .option("--threads <n>", "llama.cpp threads per model process (default: the suite's, else 1)", positiveInt)
    .option("--gpu <backend>", `where local models compute: ${GPU_BACKENDS.join(", ")} (default: the suite's, else cpu; auto falls back to the CPU)`, (value: string) => {
        const backend = value.trim().toLowerCase();
        if (!(GPU_BACKENDS as readonly string[]).includes(backend)) throw new InvalidArgumentError(`must be one of ${GPU_BACKENDS.join(", ")}`);
        return backend as GpuBackend;
    })
    .option("--gpu-layers <n>", "layers to offload to the GPU: a count, auto or max (default: the suite's, else auto on a GPU)", (value: string) => {
        try {
            return parseGpuLayers(value);
        } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
        }
    })
    .option("--assets <dirs>", "extra asset roots (colon-separated), searched after ./assets and before SLMBENCH_ASSETS")
    .option("--fresh", "ignore the resume journal and run every trial again", false)
    .option("-q, --quiet", "no progress output", false)
    .option("--task-dirs <dirs>", "extra folders of task folders, colon-separated (also SLMBENCH_TASK_DIRS)")
    .option("--provider-dirs <dirs>", "extra folders of provider folders, colon-separated (also SLMBENCH_PROVIDER_DIRS)")
    .option("--shard <i/n|auto>", "run only the i-th of n deterministic slices of the trials (combine with `merge`); auto: from a Slurm job array, " +
        "a Kubernetes Indexed Job or SLMBENCH_SHARD_INDEX/SLMBENCH_SHARD_COUNT", (value: string) => {
        try {
            return shardOption(value);
        } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
        }
    })
    .action(async (options) => {
        // Through the environment, so model processes find the same tasks and providers.
        if (options.taskDirs) process.env.SLMBENCH_TASK_DIRS = options.taskDirs;
        if (options.providerDirs) process.env.SLMBENCH_PROVIDER_DIRS = options.providerDirs;
        let suite: Suite;
        try {
            suite = await loadSuiteFile(options.suite);
            if (options.models) suite = await parseSuite({
                name: suite.name, description: suite.description, threads: suite.threads, maxCrashAttempts: suite.maxCrashAttempts,
                gpu: suite.gpu.gpu, gpuLayers: suite.gpu.gpuLayers, models: options.models,
                tasks: suite.tasks.map((t) => ({type: t.type, id: t.id, ...t.config}))
            }, `${options.suite} with --models`);
            suite = {...suite, gpu: withGpuOverrides(suite.gpu, {gpu: options.gpu, gpuLayers: options.gpuLayers})};
        } catch (error) {
            process.stderr.write(`${(error as Error).message}\n`);
            process.exitCode = 2;
            return;
        }
        const assetRoots = resolveAssetRoots({extraRoots: options.assets ? options.assets.split(":") : []});
        if (!options.quiet) process.stderr.write(`slmbench ${SLMBENCH_VERSION}: suite "${suite.name}" (${path.relative(process.cwd(), suite.source) || suite.source})\n`);
        if (!options.quiet && options.shard && options.shard.source !== "cli") process.stderr.write(`shard ${options.shard.index}/${options.shard.count} from ${describeShard(options.shard)}\n`);
        // Ctrl-C, SIGTERM, SIGHUP or the launching command's exit: model processes killed, journal closed, "N trials saved".
        installInterruptHandlers();
        let report;
        try {
            report = await runSuite(suite, {
                outDir: options.out,
                assetRoots,
                threads: options.threads,
                fresh: options.fresh,
                taskFilter: options.tasks,
                quiet: options.quiet,
                shard: options.shard
            });
        } catch (error) {
            if (!(error instanceof RunLockedError || error instanceof PathEscapeError)) throw error;
            process.stderr.write(`error: ${error.message}\n`);
            process.exitCode = 2;
            return;
        }
        const shown = (file: string) => path.relative(process.cwd(), file) || file;
        process.stdout.write(`\n${summaryTable(report.documents)}\n\n`);
        const ruler = rulerHeadlineTable(report.documents);
        if (ruler) process.stdout.write(`${ruler}\n\n`);
        process.stdout.write(`${report.documentFiles.length} result documents in ${shown(report.runDir)}\n`);
        for (const line of warningLines(report.documents)) process.stderr.write(`warning: ${line}\n`);
        // Each reason once: failures that a document's failed trials already name are not repeated.
        const trialLines = trialFailureLines(report.documents);
        for (const failure of report.failures)
            if (!trialLines.some((line) => line.includes(failure.replace(/^model \S+: /, "").slice(0, 300)))) process.stderr.write(`error: ${clipMessage(failure)}\n`);
        for (const line of trialLines) process.stderr.write(`error: ${line}\n`);
        if (!report.complete) {
            process.stderr.write(`not every trial ran: see the errors above, in the result documents${report.errorsFile ? ` and in ${shown(report.errorsFile)}` : ""}\n`);
            process.exitCode = 1;
        }
    });

// `merge <dir>... --out <dir>`: shard outputs into the documents of a single run.
program.command("merge")
    .description("combine the result documents of shards (--shard i/n runs) into those of a single run")
    .argument("<dirs...>", "output folders of the shards (searched recursively for result documents)")
    .requiredOption("-o, --out <dir>", "where the merged documents go (<out>/<runId>/...)")
    .action(async (dirs: string[], options: {out: string}) => {
        const report = await mergeRuns(dirs, options.out, {assetRoots: resolveAssetRoots()});
        const ruler = rulerHeadlineTable(report.documents);
        process.stdout.write(`\n${summaryTable(report.documents)}\n\n${ruler ? `${ruler}\n\n` : ""}${report.documentFiles.length} merged result documents in ${options.out}\n`);
        for (const problem of report.incomplete) process.stderr.write(`warning: ${problem}\n`);
        const errored = report.documents.filter((d) => d.counts.error > 0);
        for (const d of errored)
            process.stderr.write(`warning: ${d.task.id} on ${d.model.id}: ${d.counts.error} of ${d.counts.planned} trials errored in every shard that ran them (rerun that shard to retry them, then merge again)\n`);
        if (report.incomplete.length > 0) process.exitCode = 1;
    });

// `diff <dir> <dir>`: the same results apart from timestamps, timings and cache locations?
program.command("diff")
    .description("compare the result documents of two output folders, ignoring timestamps, timings and cache locations")
    .argument("<first>", "an output folder (searched recursively)")
    .argument("<second>", "another output folder")
    .action(async (first: string, second: string) => {
        const diff = await diffRuns(first, second);
        for (const {key, firstDifference} of diff.different) process.stdout.write(`differs: ${key}\n  ${firstDifference}\n`);
        for (const key of diff.onlyIn.first) process.stdout.write(`only in ${first}: ${key}\n`);
        for (const key of diff.onlyIn.second) process.stdout.write(`only in ${second}: ${key}\n`);
        process.stdout.write(`${diff.same.length} documents the same, ${diff.different.length} different, ${diff.onlyIn.first.length + diff.onlyIn.second.length} in one folder only\n`);
        if (diff.different.length > 0 || diff.onlyIn.first.length + diff.onlyIn.second.length > 0) process.exitCode = 1;
    });

// `recommend --memory 8GiB --context 8192`: what fits a memory budget, from existing results (run/recommend.ts).
program.command("recommend")
    .description("which model files fit a memory budget at a context length, and which of them score best, from existing result documents")
    .requiredOption("--memory <size>", "memory budget: bytes, or 512MiB, 8GiB, 1.5GB ...", (value: string) => {
        try {
            return parseSize(value);
        } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
        }
    })
    .option("--context <tokens>", "context length to budget the KV cache for", positiveInt, 4096)
    .option("-t, --tasks <ids>", "comma-separated task ids or types (default: all in the results)", list)
    .option("-r, --results <dir>", "folder of result documents, searched recursively (newest per model file and task configuration)", "results/runs")
    .option("--margin <margin>", "equivalence margin of the verdicts against each ladder's reference, in main-score units: one number for every task, " +
        "or <task id or type>=<number>,... (default: each task's, see docs/recommend.md)", parseMargin)
    .addOption(new Option("--within <delta>").hideHelp().argParser(() => {
        throw new InvalidArgumentError("--within is gone: verdicts come from the paired comparison with the reference; pass --margin <number> (docs/recommend.md)");
    }))
    .action(async (options: {memory: number; context: number; tasks?: string[]; results: string; margin?: MarginOption}) => {
        try {
            const {documents, problems} = await loadLatestDocuments(options.results);
            for (const problem of problems) process.stderr.write(`warning: skipped ${problem}\n`);
            if (documents.length === 0) throw new Error(`no result documents in ${options.results} (run \`npm run bench\` first, or pass --results <dir>)`);
            const result = recommend(documents, {
                budgetBytes: options.memory, context: options.context, tasks: options.tasks, margin: options.margin,
                defaultMargin: taskMargins(await loadTasks())
            });
            process.stdout.write(`${formatRecommendation(result)}\n`);
        } catch (error) {
            process.stderr.write(`${(error as Error).message}\n`);
            process.exitCode = 2;
        }
    });

/** "0.5" (every task) or "niah-kv-noise=0.5,sts=1" (per task id or type); margins are numbers >= 0. */
function parseMargin(value: string): MarginOption {
    const number = (text: string) => {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a number >= 0 (e.g. --margin 0.5 or --margin niah-kv-noise=0.5,sts=1)`);
        return n;
    };
    if (!value.includes("=")) return number(value);
    const margins: Record<string, number> = {};
    for (const part of list(value)) {
        const [task, given, ...rest] = part.split("=");
        if (!task || given === undefined || rest.length > 0) throw new InvalidArgumentError(`"${part}" is not <task id or type>=<number>`);
        margins[task.trim()] = number(given);
    }
    return margins;
}

program.parseAsync().then(
    // Exit explicitly: a download given up after a stall may leave the downloader's retries pending.
    () => process.exit(process.exitCode ?? 0),
    (error) => {
        process.stderr.write(`${error instanceof SuiteError ? error.message : (error as Error).stack}\n`);
        process.exit(2);
    });
