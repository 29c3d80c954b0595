// What the ladder page and the task views' ladder sections share: labels within a ladder, and a
// chart of a value against bits per weight with the reference starred and dashed levels for
// models without weights.
import {COLORS, type ScatterSpec} from "./charts.ts";
import {ciOf, siteData, uniqueLabels} from "./data.ts";
import {tensorGroups} from "./honest.ts";
import type {Family, ModelEntry, TaskInfo} from "./types.ts";

export interface LadderContext {
    family: Family;
    ref: ModelEntry | undefined;
    /** A model's unique label within the ladder (its quant label, or more when two share one). */
    label: (m: ModelEntry) => string;
    /** m is the reference of a ladder with more than one file. */
    isRef: (m: ModelEntry) => boolean;
    /** A hosted model or built-in baseline on its own: no weights, nothing quantized, no reference to compare with. */
    single: boolean;
    noWeights: boolean;
}

export function ladderContext(family: Family): LadderContext {
    const labels = uniqueLabels(family.models);
    const single = family.models.length === 1;
    return {
        family, ref: family.reference, single, noWeights: family.models.every((m) => !m.weights),
        label: (m) => labels.get(m) ?? m.model.quantLabel,
        isRef: (m) => m === family.reference && !single
    };
}

export const scoreOf = (m: ModelEntry, taskId: string) => m.latest.get(taskId)?.doc.scores.main ?? null;

/** Dashed levels: this family's models without weights, and built-in baselines of other families, on the same task. */
function levels(ctx: LadderContext, task: TaskInfo): {m: ModelEntry; y: number; what: string}[] {
    const own = ctx.family.models.filter((m) => !m.weights)
        .map((m) => ({m, what: m.kind === "builtin" ? "built-in" : m === ctx.ref ? "reference, hosted" : m.kind}));
    const baselines = siteData().models.filter((m) => m.kind === "builtin" && m.model.ladder.id !== ctx.family.id).map((m) => ({m, what: "built-in baseline"}));
    return [...own, ...baselines].flatMap((l) => (scoreOf(l.m, task.id) === null ? [] : [{...l, y: scoreOf(l.m, task.id)!}]));
}

/** A value per file of the ladder against bits per weight; null when no file has weights and a value. */
export function ladderScatter(ctx: LadderContext, task: TaskInfo, yLabel: string, value: (m: ModelEntry) => number | null,
    withCi: boolean, withLevels: boolean): ScatterSpec | null {
    const {family, ref, label} = ctx;
    // Files holding the same tensors are one point carrying every label.
    const points = tensorGroups(family)
        .map((group) => group.filter((m) => m.weights && value(m) !== null))
        .filter((group) => group.length > 0)
        .map((group) => {
            const m = group[0]!;
            const ci = withCi ? ciOf(m.latest.get(task.id)?.doc.scores, "main") : null;
            const name = group.map(label).join(" = ");
            return {x: m.model.bitsPerWeight, y: value(m)!, name, label: name, group: family.id, ...(ci ? {lo: ci[0], hi: ci[1]} : {})};
        })
        .sort((a, b) => a.x - b.x);
    if (points.length === 0) return null;
    const [minX, maxX] = [points[0]!.x, points.at(-1)!.x];
    const refValue = ref?.weights ? value(ref) : null;
    return {
        xLabel: "bits per weight", yLabel, xUnit: "bits/weight",
        series: [
            {label: `quantization levels${points.some((p) => "lo" in p) ? " (95% CI)" : ""}`, color: COLORS[0]!, points, line: "straight"},
            ...(ref && refValue !== null
                ? [{label: `reference (${label(ref)})`, color: COLORS[1]!, points: [{x: ref.model.bitsPerWeight, y: refValue, name: label(ref)}], pointStyle: "star" as const, radius: 9}]
                : []),
            ...(withLevels ? levels(ctx, task) : []).map((l, i) => ({
                label: `${l.m.model.fileName} (${l.what}, no weights)`, color: COLORS[(i + 2) % COLORS.length]!, dashed: true, line: "straight" as const, radius: 0,
                points: minX === maxX ? [{x: minX, y: l.y, name: l.m.model.fileName}] : [{x: minX, y: l.y, name: l.m.model.fileName}, {x: maxX, y: l.y, name: l.m.model.fileName}]
            }))
        ]
    };
}
