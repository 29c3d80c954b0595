// --shard auto: the slice each engine's variables name, and clear errors for missing or inconsistent ones.
import {describe, expect, it} from "vitest";
import {describeShard, inShard, shardFromEnvironment, shardOption} from "../../harness/run/shards.js";

const slice = (env: NodeJS.ProcessEnv) => {
    const {index, count, source} = shardFromEnvironment(env);
    return {index, count, source};
};

describe("--shard auto reads the engine's variables", () => {
    it("Slurm job array: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT", () => {
        // sbatch --array=4-7: ids 4..7
        const array = {SLURM_ARRAY_TASK_MIN: "4", SLURM_ARRAY_TASK_MAX: "7", SLURM_ARRAY_TASK_COUNT: "4"};
        expect([4, 5, 6, 7].map((id) => slice({...array, SLURM_ARRAY_TASK_ID: String(id)}).index)).toEqual([1, 2, 3, 4]);
        expect(slice({...array, SLURM_ARRAY_TASK_ID: "6"})).toEqual({index: 3, count: 4, source: "slurm"});
        // MIN unset counts from 0.
        expect(slice({SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2"})).toEqual({index: 1, count: 2, source: "slurm"});
        expect(describeShard(shardFromEnvironment({...array, SLURM_ARRAY_TASK_ID: "5"})))
            .toBe("Slurm job array (SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=4, SLURM_ARRAY_TASK_COUNT=4)");
    });

    it("Kubernetes Indexed Job: JOB_COMPLETION_INDEX + 1 of SLMBENCH_SHARD_COUNT", () => {
        expect(slice({JOB_COMPLETION_INDEX: "0", SLMBENCH_SHARD_COUNT: "3"})).toEqual({index: 1, count: 3, source: "kubernetes"});
        expect(slice({JOB_COMPLETION_INDEX: "2", SLMBENCH_SHARD_COUNT: "3"})).toEqual({index: 3, count: 3, source: "kubernetes"});
    });

    it("any engine: SLMBENCH_SHARD_INDEX (0-based) of SLMBENCH_SHARD_COUNT; agreeing engines are fine", () => {
        expect(slice({SLMBENCH_SHARD_INDEX: "1", SLMBENCH_SHARD_COUNT: "2"})).toEqual({index: 2, count: 2, source: "env"});
        expect(slice({SLMBENCH_SHARD_INDEX: "1", SLMBENCH_SHARD_COUNT: "2", JOB_COMPLETION_INDEX: "1"})).toEqual({index: 2, count: 2, source: "env"});
        expect(shardOption("AUTO", {SLMBENCH_SHARD_INDEX: "0", SLMBENCH_SHARD_COUNT: "1"})).toMatchObject({index: 1, count: 1});
        expect(shardOption("2/3", {SLMBENCH_SHARD_INDEX: "0", SLMBENCH_SHARD_COUNT: "1"})).toMatchObject({index: 2, count: 3, source: "cli"});
    });
});

describe("--shard auto refuses missing or inconsistent variables by name", () => {
    const fails = (env: NodeJS.ProcessEnv, message: RegExp) => expect(() => shardFromEnvironment(env)).toThrow(message);

    it("names what to set when nothing is there", () => {
        fails({}, /no shard index in the environment.*SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX.*SLMBENCH_SHARD_INDEX/);
        fails({SLMBENCH_SHARD_COUNT: "4"}, /SLMBENCH_SHARD_COUNT=4 set, but no index/);
    });

    it("wants the count beside an index", () => {
        fails({JOB_COMPLETION_INDEX: "1"}, /JOB_COMPLETION_INDEX=1 is set but SLMBENCH_SHARD_COUNT is not.*spec\.completions/);
        fails({SLMBENCH_SHARD_INDEX: "1"}, /SLMBENCH_SHARD_INDEX=1 is set but SLMBENCH_SHARD_COUNT is not/);
        fails({SLURM_ARRAY_TASK_ID: "3"}, /SLURM_ARRAY_TASK_ID=3 is set but SLURM_ARRAY_TASK_COUNT is not/);
    });

    it("refuses values out of range, non-numbers, and stepped or sparse Slurm arrays", () => {
        fails({SLMBENCH_SHARD_INDEX: "2", SLMBENCH_SHARD_COUNT: "2"}, /gives shard 3 of 2, outside 1\.\.2: SLMBENCH_SHARD_INDEX is 0-based/);
        fails({JOB_COMPLETION_INDEX: "5", SLMBENCH_SHARD_COUNT: "5"}, /outside 1\.\.5: SLMBENCH_SHARD_COUNT must equal the Job's spec\.completions/);
        fails({SLMBENCH_SHARD_INDEX: "one", SLMBENCH_SHARD_COUNT: "2"}, /SLMBENCH_SHARD_INDEX="one" is not a whole number/);
        fails({SLMBENCH_SHARD_INDEX: "0", SLMBENCH_SHARD_COUNT: "0"}, /at least one shard/);
        // sbatch --array=0-6:2 (ids 0, 2, 4, 6)
        fails({SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "6", SLURM_ARRAY_TASK_COUNT: "4"},
            /ids 0\.\.6 are not 4 consecutive numbers.*--array=0-3/);
        fails({SLURM_ARRAY_TASK_ID: "9", SLURM_ARRAY_TASK_MIN: "4", SLURM_ARRAY_TASK_COUNT: "4"}, /gives shard 6 of 4/);
    });

    it("refuses two engines naming different shards, and a Slurm array of another size than SLMBENCH_SHARD_COUNT", () => {
        fails({JOB_COMPLETION_INDEX: "0", SLMBENCH_SHARD_COUNT: "2", SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2"},
            /two different shards: 2\/2 from Slurm job array.*and 1\/2 from Kubernetes Indexed Job/);
        // sbatch --array=2 (rerunning one task): Slurm counts one task.
        fails({SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "2", SLURM_ARRAY_TASK_MAX: "2", SLURM_ARRAY_TASK_COUNT: "1", SLMBENCH_SHARD_COUNT: "4"},
            /SLURM_ARRAY_TASK_COUNT=1, but SLMBENCH_SHARD_COUNT=4.*set SLMBENCH_SHARD_INDEX/);
        expect(() => shardOption("3/2")).toThrow(/--shard wants i\/n with 1 <= i <= n.*or auto/);
    });

    it("SLMBENCH_SHARD_INDEX overrides an engine's numbering and says so", () => {
        const rerun = {SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "2", SLURM_ARRAY_TASK_MAX: "2", SLURM_ARRAY_TASK_COUNT: "1"};
        const shard = shardFromEnvironment({...rerun, SLMBENCH_SHARD_INDEX: "2", SLMBENCH_SHARD_COUNT: "4"});
        expect(shard).toMatchObject({index: 3, count: 4, source: "env"});
        expect(describeShard(shard)).toMatch(/SLMBENCH_SHARD_INDEX=2, SLMBENCH_SHARD_COUNT=4; overrides 1\/1 from Slurm job array \(SLURM_ARRAY_TASK_ID=2/);
    });
});

describe("shards split the trials", () => {
    it("every trial lands in exactly one shard of n", () => {
        const keys = Array.from({length: 200}, (_, i) => `trial-${i}`);
        const counts = [1, 2, 3].map((index) => keys.filter((key) => inShard({index, count: 3}, "task", key)).length);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
        for (const key of keys) expect([1, 2, 3].filter((index) => inShard({index, count: 3}, "task", key))).toHaveLength(1);
        expect(Math.min(...counts)).toBeGreaterThan(40);
    });
});
