import {LEXICAL_METHODS, methodSha256} from "../providers/lexical/methods.js";
import {modelInfoSchema} from "../results/schema.js";
import type {ModelInfo} from "../results/schema.js";
import type {ModelRef, UnresolvedModel} from "./resolve.js";

const PREFIX = "builtin:";

/**
 * bitsPerWeight of a model without weights. The results schema wants a positive number today;
 * 0 is the honest value, used as soon as the schema accepts it. Until then the smallest positive
 * double (prints as 0.00).
 */
const NO_WEIGHTS_BITS = modelInfoSchema.shape.bitsPerWeight.safeParse(0).success ? 0 : Number.MIN_VALUE;

export function isBuiltinRef(ref: ModelRef): ref is string {
    return typeof ref === "string" && ref.startsWith(PREFIX);
}

/** The ModelInfo of a built-in model (`builtin:jaccard`): provider "lexical", identified by the sha256 of its definition. */
export function builtinModelInfo(ref: string): ModelInfo {
    const name = ref.slice(PREFIX.length);
    const method = LEXICAL_METHODS[name];
    if (!method) throw new Error(`unknown built-in model "${ref}" (known: ${Object.keys(LEXICAL_METHODS).map((m) => PREFIX + m).join(", ")})`);
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
        bitsPerWeight: NO_WEIGHTS_BITS,
        hasChatTemplate: false,
        ladder: {id: `builtin-${name}`, referenceFile: name, referenceSha256: sha256, isReference: true, size: 1}
    };
}

/**
 * Splits `builtin:*` references off a suite's model list: their ModelInfos (or why not), and the
 * references left for file resolution.
 */
export function resolveBuiltinModels(refs: ModelRef[]): {models: ModelInfo[]; unresolved: UnresolvedModel[]; rest: ModelRef[]} {
    const models: ModelInfo[] = [];
    const unresolved: UnresolvedModel[] = [];
    const rest: ModelRef[] = [];
    for (const ref of refs) {
        if (!isBuiltinRef(ref)) {
            rest.push(ref);
            continue;
        }
        try {
            const model = builtinModelInfo(ref);
            if (!models.some((m) => m.id === model.id)) models.push(model);
        } catch (error) {
            unresolved.push({source: ref, message: (error as Error).message});
        }
    }
    return {models, unresolved, rest};
}
