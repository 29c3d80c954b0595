// The context lengths memory is shown at: only lengths the models were trained for (those beyond
// some models' training marked), and one default used on every page, so a model's memory is the
// same figure everywhere.
import {memoryParams} from "./data.ts";
import {memoryAt, type MemoryParams} from "./memory.ts";
import type {ModelEntry} from "./types.ts";

export interface ContextChoice {
    tokens: number;
    /** Models with local weights whose trained context is shorter than this. */
    beyond: number;
}

export interface ContextChoices {
    choices: ContextChoice[];
    /** The longest choice every model with local weights was trained for (else the shortest choice). */
    defaultTokens: number;
}

/** Without training lengths (older documents), the lengths the site always offered. */
const FALLBACK = [512, 2048, 8192, 32768];

export function contextChoices(models: ModelEntry[]): ContextChoices {
    const trained = models.filter((m) => m.weights && m.model.contextLength).map((m) => m.model.contextLength!);
    if (trained.length === 0) return {choices: FALLBACK.map((tokens) => ({tokens, beyond: 0})), defaultTokens: 2048};
    const longest = Math.max(...trained);
    const shortest = Math.min(...trained);
    const lengths = new Set<number>();
    for (let t = 256; t <= longest; t *= 2) lengths.add(t);
    lengths.add(Math.min(longest, Math.max(256, shortest)));
    lengths.add(longest);
    const choices = [...lengths].sort((a, b) => a - b).map((tokens) => ({tokens, beyond: trained.filter((l) => l < tokens).length}));
    const fitting = choices.filter((c) => c.beyond === 0);
    return {choices, defaultTokens: (fitting.at(-1) ?? choices[0]!).tokens};
}

/** A model's memory at the site's default context, and how it was obtained; null without local weights. */
export function memoryOfModel(m: ModelEntry, context: number): {bytes: number; params: MemoryParams} | null {
    const params = memoryParams(m);
    return params ? {bytes: memoryAt(params, context), params} : null;
}
