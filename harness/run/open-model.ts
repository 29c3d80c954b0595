import type {AssetRoots} from "../assets/roots.js";
import type {ModelRef} from "../providers/provider.js";
import {loadProviders, providerOfRef} from "../providers/registry.js";
import type {OpenModel} from "../session/types.js";

const labelOf = (ref: unknown) => (typeof ref === "string" ? ref : JSON.stringify(ref));

/**
 * How tasks open a model of their own (an LLM judge): through the provider registry, in this
 * process. Only in-process providers qualify: a model that needs a process of its own (a local
 * GGUF file) cannot be opened beside the one a model process runs.
 */
export function modelOpener(assetRoots: AssetRoots): OpenModel {
    return async (ref) => {
        const providers = await loadProviders();
        const provider = typeof ref === "string" || (typeof ref === "object" && ref !== null) ? providerOfRef(providers, ref as ModelRef) : undefined;
        if (!provider) throw new Error(`no provider answers to ${labelOf(ref)}`);
        if (provider.isolation !== "in-process")
            throw new Error(`${labelOf(ref)}: only a model that runs in this process (a hosted model) can be opened for a task, not a ${provider.id} model`);
        const {models, unresolved} = await provider.resolve([ref as ModelRef], {assetRoots, allowDownload: false});
        if (unresolved.length > 0 || models.length !== 1) throw new Error(unresolved[0]?.message ?? `${labelOf(ref)} is not one model`);
        const {info, settings} = models[0]!;
        const opened = await provider.open(info, settings, {threads: 1, contextSize: info.contextLength ?? 4096});
        return {id: info.id, session: opened.session, dispose: opened.dispose};
    };
}
