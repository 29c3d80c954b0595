import type {ModelInfo} from "../../results/schema.js";
import type {ModelRef, ResolvedModel, UnresolvedModel} from "../provider.js";
import {LEXICAL_METHODS, methodSha256} from "./methods.js";

export const BUILTIN_PREFIX = "builtin:";

/** What opening a built-in model needs: the method's name. */
export interface LexicalSettings {
    method: string;
}

export function isBuiltinRef(ref: ModelRef): ref is string {
    return typeof ref === "string" && ref.startsWith(BUILTIN_PREFIX);
}

/** The ModelInfo of a built-in model (`builtin:jaccard`): provider "lexical", identified by the sha256 of its definition, no weights. */
export function builtinModelInfo(ref: string): ModelInfo {
    const name = ref.slice(BUILTIN_PREFIX.length);
    const method = LEXICAL_METHODS[name];
    if (!method) throw new Error(`unknown built-in model "${ref}" (known: ${Object.keys(LEXICAL_METHODS).map((m) => BUILTIN_PREFIX + m).join(", ")})`);
    const sha256 = methodSha256(method);
    return {
        id: ref,
        provider: "lexical",
        source: ref,
        fileName: name,
        sha256,
        bytes: 0,
        architecture: "lexical",
        name: `${name} (built-in lexical baseline)`,
        parameters: 0,
        quantLabel: "none",
        tensorTypes: {},
        bitsPerWeight: 0,
        hasChatTemplate: false,
        ladder: {id: `builtin-${name}`, referenceFile: name, referenceSha256: sha256, isReference: true, size: 1}
    };
}

/** The ModelInfos of `builtin:*` references (or why not), each once. */
export function resolveBuiltinModels(refs: string[]): {models: ResolvedModel<LexicalSettings>[]; unresolved: UnresolvedModel[]} {
    const models: ResolvedModel<LexicalSettings>[] = [];
    const unresolved: UnresolvedModel[] = [];
    for (const ref of refs) {
        try {
            const info = builtinModelInfo(ref);
            if (!models.some((m) => m.info.id === info.id)) models.push({info, settings: {method: info.fileName}});
        } catch (error) {
            unresolved.push({source: ref, message: (error as Error).message});
        }
    }
    return {models, unresolved};
}
