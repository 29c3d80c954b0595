/**
 * Hosted model URIs, one syntax across protocols (a prefix per protocol, as promptfoo does):
 *
 *   hf-inference:<org>/<model>[@<provider>]   HF Inference Providers through router.huggingface.co
 *   hf-endpoint:<url>[#<model>]               an HF Inference Endpoint, TGI or TEI server
 *   openai:<base url>[#<model>]               any OpenAI-compatible server (vLLM, llama-server, ...)
 *
 * Each protocol is a provider folder (providers/<kind>/) built on this folder's machinery.
 * `hf:` is not one of them: it stays node-llama-cpp's GGUF download URI.
 */
export interface HostedUri {
    /** The protocol: the URI prefix and the provider id ("openai"). */
    kind: string;
    /** HF model id (hf-inference), or the model name sent in requests (optional for servers serving one model). */
    model?: string;
    /** hf-inference: the inference provider or policy ("auto" when not named). */
    inferenceProvider?: string;
    /** URL protocols: the server's base URL (no credentials, no trailing slash). */
    url?: string;
}

export function checkUrl(raw: string, uri: string): string {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw new Error(`${uri}: "${raw}" is not a URL (expected http(s)://host[:port][/path])`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${uri}: only http and https URLs are served`);
    // Credentials in a URL would end up in results and journals: tokens go in an environment variable.
    if (url.username || url.password) throw new Error(`${uri}: put credentials in an environment variable (tokenEnv), not in the URL`);
    if (url.search || url.hash) throw new Error(`${uri}: the URL may not carry a query or fragment`);
    return url.href.replace(/\/+$/, "");
}

/** `<url>[#<model>]`, the syntax of protocols that talk to a server by URL. */
export function parseUrlUri(kind: string, rest: string, uri: string, options: {provider?: string} = {}): HostedUri {
    if (options.provider) throw new Error(`${uri}: "provider" applies to hf-inference: models only`);
    const hash = rest.indexOf("#");
    const url = hash >= 0 ? rest.slice(0, hash) : rest;
    const model = hash >= 0 ? rest.slice(hash + 1) : undefined;
    if (model !== undefined && model.length === 0) throw new Error(`${uri}: empty model name after #`);
    return {kind, url: checkUrl(url, uri), model};
}

/** The canonical form of a URL protocol's URI (the hosted model's id in results). */
export function formatUrlUri(uri: HostedUri): string {
    return `${uri.kind}:${uri.url}${uri.model ? `#${uri.model}` : ""}`;
}
