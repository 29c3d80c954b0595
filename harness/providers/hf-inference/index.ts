import {hostedProvider} from "../hosted/provider.js";
import type {HostedProtocol} from "../hosted/protocol.js";

/** HF Inference Providers through router.huggingface.co: `hf-inference:<org>/<model>[@<provider>]` (provider: together, groq, ... default auto). */
export const hfInferenceProtocol: HostedProtocol = {
    kind: "hf-inference",
    syntax: "hf-inference:<org>/<model>[@<provider>]",
    parse(rest, uri, options) {
        const at = rest.lastIndexOf("@");
        const model = at >= 0 ? rest.slice(0, at) : rest;
        const provider = at >= 0 ? rest.slice(at + 1) : undefined;
        if (!/^[\w.-]+\/[\w.-]+$/.test(model)) throw new Error(`${uri}: expected hf-inference:<org>/<model>[@<provider>]`);
        if (provider !== undefined && !/^[\w.-]+$/.test(provider)) throw new Error(`${uri}: bad provider name "${provider}"`);
        if (provider && options.provider && provider !== options.provider)
            throw new Error(`${uri}: names provider ${provider} but the suite entry says ${options.provider}`);
        return {kind: "hf-inference", model, inferenceProvider: provider ?? options.provider ?? "auto"};
    },
    format: (uri) => `hf-inference:${uri.model}@${uri.inferenceProvider}`,
    endpointIdentity: (uri) => `router.huggingface.co@${uri.inferenceProvider}`,
    defaultTokenEnv: "HF_TOKEN",
    pooled: false,
    chat: ({client, uri}, request) => client.chatCompletion({model: uri.model, provider: uri.inferenceProvider as never, ...request} as never),
    embed: ({client, uri}, texts) => client.featureExtraction({model: uri.model!, provider: uri.inferenceProvider as never, inputs: texts})
};

export default hostedProvider(hfInferenceProtocol);
