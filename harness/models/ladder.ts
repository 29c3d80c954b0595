import type {GgufFacts} from "./gguf-info.js";
import {quantLabelFromFileName} from "./gguf-info.js";

/** Quantization labels from highest to lowest precision; the first file of a ladder in this order is its reference. */
const PRECISION_ORDER = [
    "F64", "F32", "BF16", "F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_1",
    "IQ4_NL", "IQ4_XS", "Q4_0", "Q3_K_L", "Q3_K_M", "IQ3_M", "IQ3_S", "Q3_K_S", "IQ3_XS", "IQ3_XXS", "Q2_K",
    "Q2_K_S", "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS", "IQ1_M", "IQ1_S", "TQ2_0", "TQ1_0"
];

export function precisionRank(quantLabel: string): number {
    const rank = PRECISION_ORDER.indexOf(quantLabel.toUpperCase());
    return rank === -1 ? PRECISION_ORDER.length : rank;
}

export interface LadderMember {
    fileName: string;
    facts: GgufFacts;
}

/** Files are one model at several quantization levels when architecture, name and parameter count agree. */
export function ladderKey(facts: GgufFacts): string {
    return `${facts.architecture}|${facts.name ?? ""}|${facts.parameters}`;
}

/**
 * Orders a ladder from highest to lowest precision: by label, then by the real bits per weight
 * (labels can lie on tiny widths, where K-quants fall back to legacy types).
 */
export function sortByPrecision<T extends LadderMember>(members: T[]): T[] {
    return [...members].sort((a, b) =>
        precisionRank(a.facts.quantLabel) - precisionRank(b.facts.quantLabel) ||
        b.facts.bitsPerWeight - a.facts.bitsPerWeight ||
        a.fileName.localeCompare(b.fileName));
}

/**
 * A readable ladder id: general.name when it names the model (not just the architecture),
 * else the reference file's name without its quantization suffix.
 */
export function ladderDisplayId(reference: LadderMember): string {
    const {name, architecture} = reference.facts;
    if (name && name.toLowerCase() !== architecture.toLowerCase()) return name;
    const stem = reference.fileName.replace(/\.gguf$/i, "");
    const label = quantLabelFromFileName(reference.fileName);
    return label ? stem.replace(new RegExp(`[-_.]${label}$`, "i"), "") : stem;
}

export function groupLadders<T extends LadderMember>(members: T[]): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const member of members) {
        const key = ladderKey(member.facts);
        groups.set(key, [...(groups.get(key) ?? []), member]);
    }
    for (const [key, group] of groups) groups.set(key, sortByPrecision(group));
    return groups;
}
