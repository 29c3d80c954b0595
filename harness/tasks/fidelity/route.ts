/**
 * How a ladder's fidelity KL is computed (README: "Exact or top-k"), chosen the same way in the
 * reference's process and in every compared file's, from the config and facts each can read:
 *
 *  - "exact-cache": the reference writes its full next-token logits (float32, 4 x vocabulary bytes
 *    per scored position) beside the top-k cache; each compared file reads them back row by row and
 *    takes the KL over the whole vocabulary. When they fit exactDiskBudget.
 *  - "exact-lockstep": nothing is written; each compared file loads the reference beside itself and
 *    evaluates both on every chunk, batch by batch (the same decodes, so the same rows as the
 *    reference's own pass). When both models fit exactMemoryBudget.
 *  - "top-k": the reference's k most likely tokens plus one rest bin (a lower bound of the KL;
 *    exact only when k reaches the vocabulary).
 *
 * Both exact routes give the same numbers. All files of a ladder decide on the same machine (the
 * task's shardKey keeps a chunk of every file in one shard), so they agree.
 */
import type {FidelityConfig} from "./config.js";
import {formatBytes} from "../../util/units.js";
import {bytesOf} from "./config.js";

export type KldRoute = "exact-cache" | "exact-lockstep" | "top-k";

export interface RouteFacts {
    /** Whether the session can compare full rows (Session.fullDistributions) and tells its vocabulary. */
    fullDistributions: boolean;
    vocabularySize: number | undefined;
    /** Scored positions over the whole corpus (every chunk). */
    scoredPositions: number;
    /** The reference file, where this process can read it, and its size. */
    referencePath: string | undefined;
    referenceBytes: number | undefined;
    /** Memory of this machine (os.totalmem()). */
    machineBytes: number;
}

/** Working memory a model process needs beyond the two files' weights (contexts, logits, node): a generous allowance. */
export const LOCKSTEP_ALLOWANCE_BYTES = 512 * 2 ** 20;

export function fullCacheBytes(vocabularySize: number, scoredPositions: number): number {
    return 4 * vocabularySize * scoredPositions;
}

export function chooseRoute(config: Pick<FidelityConfig, "exact" | "exactDiskBudget" | "exactMemoryBudget">, facts: RouteFacts): {route: KldRoute; why: string} {
    if (config.exact === "off") return {route: "top-k", why: "exact: off"};
    if (!facts.fullDistributions || facts.vocabularySize == null)
        return {route: "top-k", why: "this session reads no full distributions (the sampler scoring path)"};
    const cacheBytes = fullCacheBytes(facts.vocabularySize, facts.scoredPositions);
    const diskBudget = bytesOf(config.exactDiskBudget);
    if (config.exact === "cache" || (config.exact === "auto" && cacheBytes <= diskBudget))
        return {route: "exact-cache", why: config.exact === "cache" ? "exact: cache" : `full distributions ${formatBytes(cacheBytes)} within exactDiskBudget ${formatBytes(diskBudget)}`};
    const memoryBudget = config.exactMemoryBudget === "auto" ? facts.machineBytes / 2 : bytesOf(config.exactMemoryBudget);
    // A compared file is at most the reference's size (it is quantized from it): twice the reference bounds both.
    const lockstepBytes = facts.referenceBytes != null ? 2 * facts.referenceBytes + LOCKSTEP_ALLOWANCE_BYTES : undefined;
    if (facts.referencePath != null && lockstepBytes != null && (config.exact === "lockstep" || lockstepBytes <= memoryBudget))
        return {route: "exact-lockstep", why: config.exact === "lockstep" ? "exact: lockstep" : `full distributions ${formatBytes(cacheBytes)} over exactDiskBudget ` +
            `${formatBytes(diskBudget)}; reference and compared file ${formatBytes(lockstepBytes)} within exactMemoryBudget ${formatBytes(memoryBudget)}`};
    if (config.exact === "lockstep") throw new Error("fidelity exact: lockstep needs the reference file on this machine (a local GGUF ladder)");
    return {route: "top-k", why: `full distributions ${formatBytes(cacheBytes)} over exactDiskBudget ${formatBytes(diskBudget)}` +
        (lockstepBytes == null ? "; the reference file is not readable here" : `; reference and compared file ${formatBytes(lockstepBytes)} over exactMemoryBudget ${formatBytes(memoryBudget)}`)};
}

const formatMB = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
