import {hostedProvider} from "../hosted/provider.js";
import type {HostedProtocol} from "../hosted/protocol.js";
import {formatUrlUri, parseUrlUri} from "../hosted/uri.js";

/** An HF Inference Endpoint, TGI or TEI server: chat at <url>/v1/chat/completions, embeddings as {inputs} at <url>. */
export const hfEndpointProtocol: HostedProtocol = {
    kind: "hf-endpoint",
    syntax: "hf-endpoint:<url>[#<model>]",
    parse: (rest, uri, options) => parseUrlUri("hf-endpoint", rest, uri, options),
    format: formatUrlUri,
    endpointIdentity: (uri) => uri.url!,
    defaultTokenEnv: "HF_TOKEN",
    pooled: true,
    chat: ({client, uri}, request) => client.chatCompletion({...(uri.model ? {model: uri.model} : {}), ...request} as never),
    embed: ({client}, texts) => client.featureExtraction({inputs: texts})
};

export default hostedProvider(hfEndpointProtocol);
