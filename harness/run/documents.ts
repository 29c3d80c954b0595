import type {TaskInstance} from "../config/suite.js";
import type {ModelInfo, ResultDocument, RunEnv, TrialRecord} from "../results/schema.js";
import {RESULT_SCHEMA_VERSION} from "../results/schema.js";
import type {PlannedTrial, Task} from "../tasks/types.js";
import {pathInside, pathSegment} from "../util/paths.js";
import {Shard, shardSuffix} from "./shards.js";

/** Everything a result document is made of; run and merge both build documents through buildDocument. */
export interface DocumentParts {
    runId: string;
    suite: {name: string; hash: string};
    /** Default: now. */
    createdAt?: string;
    instance: Pick<TaskInstance, "id" | "type" | "config" | "configHash">;
    task: Task;
    model: ModelInfo;
    env: RunEnv;
    /** The plan of this document's trials (a shard's slice, or the whole plan after merge). */
    planned: PlannedTrial[];
    /** Finished records by trial id; records of unplanned ids (an older plan's) follow the planned ones. */
    records: ReadonlyMap<string, TrialRecord>;
    modelError?: ResultDocument["modelError"];
    performance?: ResultDocument["performance"];
    /** The shard this document holds (a run with --shard). */
    shard?: Shard;
    /** Warnings beyond those every document derives from its plan and trials. */
    notes?: string[];
    /** What the task's validation warned about the config: kept in task.configWarnings (merge passes them on) and listed in warnings. */
    configWarnings?: string[];
}

/** One result document: trials in plan order, counts, the task's aggregate, and the warnings its plan implies. */
export function buildDocument(parts: DocumentParts): ResultDocument {
    const {instance, task, model, planned, records, shard} = parts;
    const plannedIds = new Set(planned.map((trial) => trial.id));
    const trials = [
        ...planned.map((trial) => records.get(trial.id)).filter((r): r is TrialRecord => r != null),
        ...[...records.values()].filter((r) => !plannedIds.has(r.id))
    ];
    const count = (status: TrialRecord["status"]) => trials.filter((r) => r.status === status).length;
    const plannedRecords = planned.map((trial) => records.get(trial.id)).filter((r): r is TrialRecord => r != null);
    const coverage = {
        ok: plannedRecords.filter((r) => r.status === "ok").length,
        skipped: plannedRecords.filter((r) => r.status === "skipped").length,
        planned: planned.length
    };
    const partial = coverage.ok + coverage.skipped < coverage.planned;
    const warnings: string[] = [];
    if (shard) warnings.push(`shard ${shard.index}/${shard.count}: this document holds only the shard's trials (merge the shards with \`slmbench merge\`)`);
    if (planned.length > 0 && planned.every((trial) => trial.skipReason))
        warnings.push(`every cell of ${instance.id} was skipped for ${model.id}: ${planned[0]!.skipReason}`);
    if (partial)
        warnings.push(`partial: ${coverage.planned - coverage.ok - coverage.skipped} of ${coverage.planned} planned trials did not finish (errors, or missing after merge); the scores cover the rest only`);
    warnings.push(...(parts.configWarnings ?? []));
    warnings.push(...(task.warnings?.(instance.config, trials) ?? []));
    warnings.push(...(parts.notes ?? []));
    return {
        schemaVersion: RESULT_SCHEMA_VERSION,
        kind: "slmbench.result",
        runId: parts.runId,
        createdAt: parts.createdAt ?? new Date().toISOString(),
        suite: parts.suite,
        task: {
            type: instance.type,
            id: instance.id,
            config: instance.config,
            configHash: instance.configHash,
            mainScore: task.mainScore(instance.config),
            ...(parts.configWarnings?.length ? {configWarnings: parts.configWarnings} : {})
        },
        model,
        env: parts.env,
        scores: task.aggregate(instance.config, trials),
        counts: {planned: planned.length, ok: count("ok"), error: count("error"), skipped: count("skipped")},
        coverage,
        ...(partial ? {partial: true as const} : {}),
        modelError: parts.modelError,
        warnings,
        ...(shard ? {shard: {index: shard.index, count: shard.count, source: shard.source ?? "cli", from: shard.from ?? `--shard ${shard.index}/${shard.count}`}} : {}),
        performance: parts.performance,
        trials
    };
}

/**
 * Where a result document goes: <run dir>/<task id>/<ladder>/<file>.json, each id encoded as one
 * path segment (util/paths.ts: ordinary ids keep their names, no id can climb out of the run
 * folder, two ids never share a name); a shard's carries the shard in its name.
 */
export function documentFile(runDir: string, instanceId: string, model: ModelInfo, shard?: Shard): string {
    return pathInside(runDir, pathSegment(instanceId), pathSegment(model.ladder.id), `${pathSegment(model.fileName.replace(/\.gguf$/i, ""))}${shardSuffix(shard)}.json`);
}
