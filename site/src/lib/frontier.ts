// The frontier of a task across ladders (home page): each ladder's quantization levels as one
// line, same-tensor files as one point, hosted models and baselines as levels. Tasks whose score
// is a within-ladder measure (fidelity) get none: their ladders are measured against different
// references.
import {COLORS, type FrontierPoint, type FrontierSpec} from "./charts.ts";
import {ciOf, type SiteData} from "./data.ts";
import {memoryOfModel} from "./context.ts";
import {isPartial, tensorGroups} from "./honest.ts";
import {KIND_LABEL} from "./data.ts";
import {MIB} from "./memory.ts";
import {yAxisTitle} from "./units.ts";
import type {TaskInfo} from "./types.ts";

export function frontierSpec(data: SiteData, task: TaskInfo, context: number): FrontierSpec | null {
    const ladders: FrontierSpec["ladders"] = [];
    const withWeights = data.families.filter((f) => f.models.some((m) => m.weights && m.latest.get(task.id)?.doc.scores.main != null));
    withWeights.forEach((family, i) => {
        const points: FrontierPoint[] = [];
        for (const group of tensorGroups(family)) {
            const scored = group.filter((m) => m.weights && m.latest.get(task.id)?.doc.scores.main != null);
            const lead = scored[0];
            if (!lead) continue;
            const doc = lead.latest.get(task.id)!.doc;
            const ci = ciOf(doc.scores, "main");
            const memory = memoryOfModel(lead, context);
            points.push({
                mem: memory ? memory.bytes / MIB : null, bpw: lead.model.bitsPerWeight, y: doc.scores.main!,
                ...(ci ? {lo: ci[0], hi: ci[1]} : {}),
                labels: scored.map((m) => m.model.quantLabel), files: scored.map((m) => m.model.fileName),
                ref: scored.some((m) => m === family.reference), partial: isPartial(doc)
            });
        }
        points.sort((a, b) => a.bpw - b.bpw);
        ladders.push({family: family.id, color: COLORS[i % COLORS.length]!, points});
    });
    if (ladders.length === 0) return null;
    const levels = data.models
        .filter((m) => !m.weights && m.latest.get(task.id)?.doc.scores.main != null)
        .map((m, i) => ({label: `${m.model.fileName} (${KIND_LABEL[m.kind]})`, y: m.latest.get(task.id)!.doc.scores.main!, color: COLORS[(ladders.length + i) % COLORS.length]!}));
    return {task: task.id, yLabel: yAxisTitle(task), higherIsBetter: task.mainScore.higherIsBetter, context, ladders, levels};
}
