import type {ModelRef, ResolveContext} from "../../harness/providers/provider.js";
import type {ModelInfo} from "../../harness/results/schema.js";
import {resolveModels as resolveAll} from "../../harness/run/resolve-models.js";

/** Resolves references as a run does, keeping what tests look at: the models' facts, and why the others failed. */
export async function resolveModels(refs: ModelRef[], context: ResolveContext) {
    const {models, unresolved} = await resolveAll(refs, context);
    return {models: models.map((model): ModelInfo => model.info), unresolved};
}
