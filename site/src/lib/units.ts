// Readable names with units for scores, so axes and headers never show field names.
import type {TaskInfo} from "./types.ts";

const SCORE_TITLES: Record<string, string> = {
    stringMatch: "string match (%)",
    lift: "lift (nats)",
    liftPerToken: "lift per token (nats)",
    judge: "judge score (1–10)",
    spearman: "Spearman ×100",
    meanKld: "mean KLD (nats)",
    accuracy: "accuracy (%)"
};

/** "meanKld" -> "mean kld": a field name made readable when the site knows nothing better. */
export function humanize(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
}

/** A score's name with its unit: "Spearman ×100", "lift (nats)". */
export function scoreTitle(name: string): string {
    return SCORE_TITLES[name] ?? humanize(name);
}

/** The y axis of a task's main score, with the direction: "Spearman ×100, higher is better". */
export function yAxisTitle(task: TaskInfo): string {
    return `${scoreTitle(task.mainScore.name)}, ${task.mainScore.higherIsBetter ? "higher" : "lower"} is better`;
}
