import {HostedRequestError} from "../hosted/http.js";
import {hostedProvider} from "../hosted/provider.js";
import type {HostedProtocol, RequestContext} from "../hosted/protocol.js";
import {formatUrlUri, parseUrlUri} from "../hosted/uri.js";

const v1 = (base: string, path: string) => (base.endsWith("/v1") ? `${base}/${path}` : `${base}/v1/${path}`);

async function postJson({endpoint, fetch, token}: RequestContext, path: string, body: object): Promise<unknown> {
    const headers: Record<string, string> = {"Content-Type": "application/json"};
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(v1(endpoint.url!, path), {method: "POST", headers, body: JSON.stringify(body)});
    return response.json();
}

/**
 * Any OpenAI-compatible server (vLLM, llama-server, ...): chat at <base>/v1/chat/completions,
 * text completion at <base>/v1/completions (promptForm "completion"), embeddings at <base>/v1/embeddings.
 */
export const openAiProtocol: HostedProtocol = {
    kind: "openai",
    syntax: "openai:<base url>[#<model>]",
    parse: (rest, uri, options) => parseUrlUri("openai", rest, uri, options),
    format: formatUrlUri,
    endpointIdentity: (uri) => uri.url!,
    defaultTokenEnv: null,
    pooled: true,
    chat: ({client, uri}, request) => client.chatCompletion({...(uri.model ? {model: uri.model} : {}), ...request} as never),
    complete: (context, request) => postJson(context, "completions", {...(context.uri.model ? {model: context.uri.model} : {}), ...request}),
    // The client's {inputs} to the bare URL is TEI's shape, not OpenAI's: embeddings go to <base>/v1/embeddings.
    async embed(context, texts) {
        const {uri, endpoint} = context;
        const body = await postJson(context, "embeddings", {...(uri.model ? {model: uri.model} : {}), input: texts}) as {data?: {embedding?: unknown; index?: number}[]};
        if (!Array.isArray(body?.data)) throw new HostedRequestError(`${endpoint.url}: the response is not an embeddings list (no data[])`, false);
        return [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((item) => item.embedding);
    }
};

export default hostedProvider(openAiProtocol);
