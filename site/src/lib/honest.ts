// Marks that keep the numbers from misleading: files holding the same tensors as another, labels
// that do not match the tensors, partial results. Read from the fields the harness records
// (model.sameTensorsAs, model.labelMatchesTensors, document partial / coverage).
import type {ResultDocument} from "../../../harness/results/schema.ts";
import type {Family, ModelEntry} from "./types.ts";

export interface Badge {
    kind: "same-tensors" | "label-mismatch" | "partial";
    text: string;
    title: string;
}

/** The dominant tensor type of a file by weights ("Q8_0"), or null without tensor facts. */
export function dominantType(m: ModelEntry): string | null {
    const entries = Object.entries(m.model.tensorTypes);
    if (entries.length === 0) return null;
    return entries.reduce((a, b) => (b[1].weights > a[1].weights ? b : a))[0];
}

/** The other files of its ladder that hold the same tensors (by file name, as the harness records them). */
export function sameTensorsAs(m: ModelEntry, family: Family | undefined): ModelEntry[] {
    const names = new Set(m.model.sameTensorsAs ?? []);
    return (family?.models ?? []).filter((other) => other !== m && names.has(other.model.fileName));
}

/**
 * Groups of a ladder's files that are one model (same tensors), each group in the ladder's order
 * (highest precision first); a file with no twin is a group of one. The first file of a group
 * whose label matches its tensors stands for the group.
 */
export function tensorGroups(family: Family): ModelEntry[][] {
    const seen = new Set<ModelEntry>();
    const groups: ModelEntry[][] = [];
    for (const m of family.models) {
        if (seen.has(m)) continue;
        // Transitive closure over sameTensorsAs, in either direction.
        const group = new Set([m]);
        for (let changed = true; changed;) {
            changed = false;
            for (const other of family.models) {
                if (group.has(other)) continue;
                if ([...group].some((g) => sameTensorsAs(g, family).includes(other) || sameTensorsAs(other, family).includes(g))) {
                    group.add(other);
                    changed = true;
                }
            }
        }
        const ordered = family.models.filter((x) => group.has(x));
        ordered.sort((a, b) => Number(b.model.labelMatchesTensors !== false) - Number(a.model.labelMatchesTensors !== false));
        for (const x of ordered) seen.add(x);
        groups.push(ordered);
    }
    return groups;
}

/** Whether a document's score is partial: the harness's flag, or its coverage when older documents lack the flag. */
export function isPartial(doc: ResultDocument | undefined): boolean {
    if (!doc) return false;
    if (doc.partial) return true;
    const c = doc.coverage;
    return c ? c.ok + c.skipped < c.planned : false;
}

/** "36 of 40 trials", for a partial mark's tooltip. */
export function coverageText(doc: ResultDocument): string {
    const c = doc.coverage ?? {ok: doc.counts.ok, skipped: doc.counts.skipped, planned: doc.counts.planned};
    return `${c.ok} ok and ${c.skipped} skipped of ${c.planned} planned trials`;
}

/** The badges of a model (same tensors, label mismatch) and, given a document, of its score (partial). */
export function badgesOf(m: ModelEntry, family: Family | undefined, doc?: ResultDocument): Badge[] {
    const badges: Badge[] = [];
    const twins = sameTensorsAs(m, family);
    if (twins.length) {
        const labels = twins.map((t) => t.model.quantLabel).join(", ");
        badges.push({kind: "same-tensors", text: `same tensors as ${labels}`,
            title: `${m.model.fileName} stores the same tensor types as ${twins.map((t) => t.model.fileName).join(", ")}: one model under two labels`});
    }
    if (m.model.labelMatchesTensors === false) {
        const actual = dominantType(m);
        badges.push({kind: "label-mismatch", text: `label ≠ tensors${actual ? ` (${actual})` : ""}`,
            title: `The label ${m.model.quantLabel} promises ${m.model.expectedMainType ?? "another main type"} tensors; the file mostly holds ${actual ?? "other types"}`});
    }
    if (doc && isPartial(doc)) badges.push({kind: "partial", text: "partial", title: `Partial: ${coverageText(doc)}; not ranked`});
    return badges;
}
