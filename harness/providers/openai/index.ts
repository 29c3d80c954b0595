import {HostedRequestError} from "../hosted/http.js";
import {hostedProvider} from "../hosted/provider.js";
import type {HostedProtocol} from "../hosted/protocol.js";
import {formatUrlUri, parseUrlUri} from "../hosted/uri.js";

/** Any OpenAI-compatible server (vLLM, llama-server, ...): chat at <base>/v1/chat/completions, embeddings at <base>/v1/embeddings. */
export const openAiProtocol: HostedProtocol = {
    kind: "openai",
    syntax: "openai:<base url>[#<model>]",
    parse: (rest, uri, options) => parseUrlUri("openai", rest, uri, options),
    format: formatUrlUri,
    endpointIdentity: (uri) => uri.url!,
    defaultTokenEnv: null,
    pooled: true,
    chat: ({client, uri}, request) => client.chatCompletion({...(uri.model ? {model: uri.model} : {}), ...request} as never),
    // The client's {inputs} to the bare URL is TEI's shape, not OpenAI's: embeddings go to <base>/v1/embeddings.
    async embed({endpoint, uri, fetch, token}, texts) {
        const base = endpoint.url!;
        const url = base.endsWith("/v1") ? `${base}/embeddings` : `${base}/v1/embeddings`;
        const headers: Record<string, string> = {"Content-Type": "application/json"};
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch(url, {method: "POST", headers, body: JSON.stringify({...(uri.model ? {model: uri.model} : {}), input: texts})});
        const body = await response.json() as {data?: {embedding?: unknown; index?: number}[]};
        if (!Array.isArray(body?.data)) throw new HostedRequestError(`${base}: the response is not an embeddings list (no data[])`, false);
        return [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((item) => item.embedding);
    }
};

export default hostedProvider(openAiProtocol);
