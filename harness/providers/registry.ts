import type {Provider} from "./provider.js";

/**
 * Providers by id (ModelInfo.provider), loaded lazily so a run that needs no local model never
 * loads node-llama-cpp in the parent. A hosted provider adds one entry here and one folder.
 */
const providers: Record<string, () => Promise<Provider>> = {
    "local-gguf": async () => (await import("./local-gguf/index.js")).localGgufProvider,
    "lexical": async () => (await import("./lexical/index.js")).lexicalProvider,
    "hf-inference": async () => (await import("./hosted/index.js")).hfInferenceProvider,
    "hf-endpoint": async () => (await import("./hosted/index.js")).hfEndpointProvider,
    "openai": async () => (await import("./hosted/index.js")).openAiProvider
};

export async function providerFor(id: string): Promise<Provider> {
    const load = providers[id];
    if (!load) throw new Error(`no provider "${id}" (known: ${Object.keys(providers).join(", ")})`);
    return load();
}
