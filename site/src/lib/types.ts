// The shapes the site's build-time code passes around: loaded documents, models, tasks, ladders.
// Kept apart from the code that builds them so task views can use them without import cycles.
import type {ModelInfo, ResultDocument} from "../../../harness/results/schema.ts";

export interface LoadedDoc {
    doc: ResultDocument;
    /** Path relative to the results dir, with forward slashes; also the raw-JSON URL path. */
    file: string;
    /** What the task's view read from the document (validated), when a view is registered for its type. */
    view?: {type: string; data: unknown};
}

export interface TaskInfo {
    id: string;
    type: string;
    mainScore: {name: string; higherIsBetter: boolean; description: string};
}

export interface DocEntry extends LoadedDoc {
    slug: string;
    modelKey: string;
}

/** local: a weights file run here; hosted: an API; builtin: a built-in baseline (e.g. builtin:jaccard, provider "lexical"). */
export type ModelKind = "local" | "hosted" | "builtin";

export interface ModelEntry {
    key: string;
    slug: string;
    model: ModelInfo;
    kind: ModelKind;
    hosted: boolean;
    /** Has local weights: a file size and bits per weight worth showing (hosted and built-in models record 0). */
    weights: boolean;
    /** Newest document per task id: what the leaderboard shows. */
    latest: Map<string, DocEntry>;
    /** Every document of this model, newest first. */
    docs: DocEntry[];
    generationTps: number | null;
    peakRssBytes: number | null;
}

export interface Family {
    id: string;
    slug: string;
    /** Highest precision first. */
    models: ModelEntry[];
    reference?: ModelEntry;
}

export interface SiteData {
    docs: DocEntry[];
    models: ModelEntry[];
    tasks: TaskInfo[];
    families: Family[];
    /** True when the documents say they are synthetic (tests, perf runs): the site says so loudly. */
    synthetic: boolean;
}
