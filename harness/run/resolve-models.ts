import type {Provider, ModelRef, ResolveContext, ResolvedModel, UnresolvedModel} from "../providers/provider.js";
import {loadProviders, providerOfRef} from "../providers/registry.js";

export interface ResolvedModels {
    /** In run order: ladder references named by `referenceOf` first, then files with their ladders (each reference first), then the rest in suite order. */
    models: ResolvedModel[];
    unresolved: UnresolvedModel[];
}

const labelOf = (ref: ModelRef) => (typeof ref === "string" ? ref : JSON.stringify(ref));

/**
 * Resolves a suite's model references through the providers that claim them. Providers that run
 * models in processes of their own (local files) resolve all their references together, so files
 * named by several references can form one ladder. A model with `referenceOf: <ladder>` becomes
 * that ladder's reference: the ladder's files then name it as theirs.
 */
export async function resolveModels(refs: ModelRef[], context: ResolveContext): Promise<ResolvedModels> {
    const providers = await loadProviders();
    const unresolved: UnresolvedModel[] = [];
    const byProvider = new Map<Provider, ModelRef[]>();
    for (const ref of refs) {
        const provider = providerOfRef(providers, ref);
        if (!provider) unresolved.push({source: labelOf(ref), message: `no provider answers to ${labelOf(ref)}`});
        else byProvider.set(provider, [...(byProvider.get(provider) ?? []), ref]);
    }
    const files: ResolvedModel[] = [];
    const others: ResolvedModel[] = [];
    for (const [provider, claimed] of byProvider) {
        if (provider.isolation !== "process") continue;
        const result = await provider.resolve(claimed, context);
        files.push(...result.models);
        unresolved.push(...result.unresolved);
    }
    // One at a time, so these keep the suite's order.
    for (const ref of refs) {
        const provider = providerOfRef(providers, ref);
        if (!provider || provider.isolation === "process") continue;
        const result = await provider.resolve([ref], context);
        for (const model of result.models) if (!others.some((m) => m.info.id === model.info.id)) others.push(model);
        unresolved.push(...result.unresolved);
    }
    const references = others.filter((model) => model.referenceOf != null);
    for (const reference of references) {
        const rungs = files.filter((model) => model.info.ladder.id === reference.referenceOf);
        const size = rungs.length + 1;
        reference.info.ladder = {...reference.info.ladder, size};
        for (const rung of rungs)
            rung.info.ladder = {id: rung.info.ladder.id, referenceFile: reference.info.fileName, referenceSha256: reference.info.sha256,
                ...(reference.info.path ? {referencePath: reference.info.path} : {}), isReference: false, size};
    }
    return {models: [...references, ...files, ...others.filter((model) => model.referenceOf == null)], unresolved};
}
