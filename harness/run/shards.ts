import {createHash} from "node:crypto";

/** Where a shard's slice came from: `--shard i/n`, or the environment an engine set (`--shard auto`). */
export type ShardSource = "cli" | "slurm" | "kubernetes" | "env";

/** A deterministic slice of a suite's trials: shard `index` (1-based) of `count`. */
export interface Shard {
    index: number;
    count: number;
    /** Where the slice came from (recorded in the shard's documents). */
    source?: ShardSource;
    /** The variables it was read from, as `NAME=value` (for the stderr line and errors). */
    from?: string;
}

export class ShardError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ShardError";
    }
}

export function parseShard(value: string): Shard {
    const match = /^(\d+)\/(\d+)$/.exec(value.trim());
    const index = Number(match?.[1]);
    const count = Number(match?.[2]);
    if (!match || count < 1 || index < 1 || index > count)
        throw new ShardError(`--shard wants i/n with 1 <= i <= n (e.g. 2/4), or auto, not "${value}"`);
    return {index, count, source: "cli", from: `--shard ${index}/${count}`};
}

/** What each engine's variables say, one entry per engine whose variables are present. */
const ENGINE_NAMES: Record<Exclude<ShardSource, "cli">, string> = {
    env: "SLMBENCH_SHARD_INDEX/SLMBENCH_SHARD_COUNT",
    slurm: "Slurm job array",
    kubernetes: "Kubernetes Indexed Job"
};

/** A whole number >= 0 from a variable, or a ShardError naming it. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string): number {
    const text = env[name]!.trim();
    if (!/^\d+$/.test(text)) throw new ShardError(`${name}="${env[name]}" is not a whole number >= 0`);
    return Number(text);
}

const isSet = (env: NodeJS.ProcessEnv, name: string) => env[name] != null && env[name]!.trim() !== "";

/** SLMBENCH_SHARD_COUNT, required beside a 0-based index variable. */
function shardCount(env: NodeJS.ProcessEnv, indexName: string): number {
    if (!isSet(env, "SLMBENCH_SHARD_COUNT"))
        throw new ShardError(`${indexName}=${env[indexName]} is set but SLMBENCH_SHARD_COUNT is not: set it to the number of shards ` +
            (indexName === "JOB_COMPLETION_INDEX" ? "(the Job's spec.completions)" : "(e.g. the matrix's size)"));
    const count = wholeNumber(env, "SLMBENCH_SHARD_COUNT");
    if (count < 1) throw new ShardError("SLMBENCH_SHARD_COUNT=0: there must be at least one shard");
    return count;
}

function inRange(index: number, count: number, from: string, hint: string): void {
    if (index < 1 || index > count) throw new ShardError(`${from} gives shard ${index} of ${count}, outside 1..${count}: ${hint}`);
}

function fromSlurm(env: NodeJS.ProcessEnv): Shard {
    const id = wholeNumber(env, "SLURM_ARRAY_TASK_ID");
    if (!isSet(env, "SLURM_ARRAY_TASK_COUNT"))
        throw new ShardError(`SLURM_ARRAY_TASK_ID=${id} is set but SLURM_ARRAY_TASK_COUNT is not (Slurm sets both in a job array; ` +
            "outside one, set SLMBENCH_SHARD_INDEX and SLMBENCH_SHARD_COUNT instead)");
    const count = wholeNumber(env, "SLURM_ARRAY_TASK_COUNT");
    const min = isSet(env, "SLURM_ARRAY_TASK_MIN") ? wholeNumber(env, "SLURM_ARRAY_TASK_MIN") : 0;
    const from = `SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_MIN=${isSet(env, "SLURM_ARRAY_TASK_MIN") ? min : "(unset: 0)"}, SLURM_ARRAY_TASK_COUNT=${count}`;
    if (count < 1) throw new ShardError(`SLURM_ARRAY_TASK_COUNT=0: there must be at least one shard`);
    // A stepped (--array=0-15:4) or sparse (--array=1,3,7) array does not number its tasks min, min+1, ...: refuse it.
    if (isSet(env, "SLURM_ARRAY_TASK_MAX")) {
        const max = wholeNumber(env, "SLURM_ARRAY_TASK_MAX");
        if (max - min + 1 !== count)
            throw new ShardError(`${from}, SLURM_ARRAY_TASK_MAX=${max}: the array's ids ${min}..${max} are not ${count} consecutive numbers ` +
                `(a step or a list in --array); use --array=${min}-${min + count - 1}, or set SLMBENCH_SHARD_INDEX and SLMBENCH_SHARD_COUNT`);
    }
    const index = id - min + 1;
    inRange(index, count, from, "the array's ids must be consecutive from SLURM_ARRAY_TASK_MIN (e.g. --array=0-3)");
    return {index, count, source: "slurm", from};
}

function fromKubernetes(env: NodeJS.ProcessEnv): Shard {
    const completionIndex = wholeNumber(env, "JOB_COMPLETION_INDEX");
    const count = shardCount(env, "JOB_COMPLETION_INDEX");
    const from = `JOB_COMPLETION_INDEX=${completionIndex}, SLMBENCH_SHARD_COUNT=${count}`;
    inRange(completionIndex + 1, count, from, "SLMBENCH_SHARD_COUNT must equal the Job's spec.completions");
    return {index: completionIndex + 1, count, source: "kubernetes", from};
}

function fromGenericEnv(env: NodeJS.ProcessEnv): Shard {
    const zeroBased = wholeNumber(env, "SLMBENCH_SHARD_INDEX");
    const count = shardCount(env, "SLMBENCH_SHARD_INDEX");
    const from = `SLMBENCH_SHARD_INDEX=${zeroBased}, SLMBENCH_SHARD_COUNT=${count}`;
    inRange(zeroBased + 1, count, from, "SLMBENCH_SHARD_INDEX is 0-based: 0 .. SLMBENCH_SHARD_COUNT - 1");
    return {index: zeroBased + 1, count, source: "env", from};
}

/**
 * `--shard auto`: the slice from the environment an engine sets:
 *  - SLMBENCH_SHARD_INDEX (0-based) of SLMBENCH_SHARD_COUNT: any engine (a CI matrix, a script),
 *    and an explicit choice that overrides the engines' variables (rerunning one task of a Slurm
 *    array, where Slurm then counts a single task);
 *  - else a Slurm job array: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0 if unset) + 1 of
 *    SLURM_ARRAY_TASK_COUNT (which must equal SLMBENCH_SHARD_COUNT when that is set);
 *  - else a Kubernetes Indexed Job: JOB_COMPLETION_INDEX + 1 of SLMBENCH_SHARD_COUNT.
 * Slurm and Kubernetes variables together must name the same slice. When none is present, or one
 * is incomplete or out of range, a ShardError says which variable to set.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv = process.env): Shard {
    const engines: Shard[] = [];
    if (isSet(env, "SLURM_ARRAY_TASK_ID")) engines.push(fromSlurm(env));
    if (isSet(env, "JOB_COMPLETION_INDEX") && !isSet(env, "SLMBENCH_SHARD_INDEX")) engines.push(fromKubernetes(env));
    if (isSet(env, "SLMBENCH_SHARD_INDEX")) {
        const explicit = fromGenericEnv(env);
        const overridden = engines.filter((engine) => engine.index !== explicit.index || engine.count !== explicit.count);
        if (overridden.length > 0) explicit.from += `; overrides ${overridden.map((engine) => `${engine.index}/${engine.count} from ${describeShard(engine)}`).join(" and ")}`;
        return explicit;
    }
    if (engines.length === 0) {
        const stray = ["SLMBENCH_SHARD_COUNT", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"].filter((name) => isSet(env, name));
        throw new ShardError(`--shard auto found no shard index in the environment${stray.length ? ` (${stray.map((n) => `${n}=${env[n]}`).join(", ")} set, but no index)` : ""}: ` +
            "run it as a Slurm job array task (SLURM_ARRAY_TASK_ID), a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, with SLMBENCH_SHARD_COUNT), " +
            "or set SLMBENCH_SHARD_INDEX (0-based) and SLMBENCH_SHARD_COUNT; or pass --shard i/n");
    }
    const slurm = engines.find((engine) => engine.source === "slurm");
    if (slurm && isSet(env, "SLMBENCH_SHARD_COUNT") && wholeNumber(env, "SLMBENCH_SHARD_COUNT") !== slurm.count)
        throw new ShardError(`${slurm.from}, but SLMBENCH_SHARD_COUNT=${env.SLMBENCH_SHARD_COUNT}: the array does not have the shard count asked for ` +
            "(rerunning some of its tasks? then set SLMBENCH_SHARD_INDEX (0-based) as well, which overrides the array's numbering)");
    const [first, ...others] = engines;
    for (const other of others)
        if (other.index !== first!.index || other.count !== first!.count)
            throw new ShardError(`the environment names two different shards: ${first!.index}/${first!.count} from ${describeShard(first!)} ` +
                `and ${other.index}/${other.count} from ${describeShard(other)}; unset one of them, or set SLMBENCH_SHARD_INDEX and SLMBENCH_SHARD_COUNT`);
    return first!;
}

/** `--shard` as given: "i/n" or "auto" (read from the environment). */
export function shardOption(value: string, env: NodeJS.ProcessEnv = process.env): Shard {
    return value.trim().toLowerCase() === "auto" ? shardFromEnvironment(env) : parseShard(value);
}

/** "Slurm job array (SLURM_ARRAY_TASK_ID=5, ...)": where a shard came from, for messages. */
export function describeShard(shard: Shard): string {
    if (!shard.source || shard.source === "cli") return shard.from ?? `--shard ${shard.index}/${shard.count}`;
    return `${ENGINE_NAMES[shard.source]} (${shard.from})`;
}

/** The part of a shard's file names that keeps shards apart (`.shard-1-of-4`); none for a single shard. */
export const shardSuffix = (shard?: Shard) => (shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : "");

/** Whether a trial belongs to a shard: by hash of the task instance and the trial key (Task.shardKey), so every trial is in exactly one shard. */
export function inShard(shard: Shard, instanceId: string, trialKey: string): boolean {
    if (shard.count <= 1) return true;
    const digest = createHash("sha256").update(`${instanceId}|${trialKey}`).digest();
    return digest.readUInt32BE(0) % shard.count === shard.index - 1;
}
