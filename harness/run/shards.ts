import {createHash} from "node:crypto";

/** A deterministic slice of a suite's trials: shard `index` (1-based) of `count`. */
export interface Shard {
    index: number;
    count: number;
}

export function parseShard(value: string): Shard {
    const match = /^(\d+)\/(\d+)$/.exec(value.trim());
    const index = Number(match?.[1]);
    const count = Number(match?.[2]);
    if (!match || count < 1 || index < 1 || index > count) throw new Error(`--shard wants i/n with 1 <= i <= n (e.g. 2/4), not "${value}"`);
    return {index, count};
}

/** The part of a shard's file names that keeps shards apart (`.shard-1-of-4`); none for a single shard. */
export const shardSuffix = (shard?: Shard) => (shard && shard.count > 1 ? `.shard-${shard.index}-of-${shard.count}` : "");

/** Whether a trial belongs to a shard: by hash of the task instance and the trial key (Task.shardKey), so every trial is in exactly one shard. */
export function inShard(shard: Shard, instanceId: string, trialKey: string): boolean {
    if (shard.count <= 1) return true;
    const digest = createHash("sha256").update(`${instanceId}|${trialKey}`).digest();
    return digest.readUInt32BE(0) % shard.count === shard.index - 1;
}
