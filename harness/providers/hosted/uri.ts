/**
 * Hosted model URIs, one syntax across providers (prefix per protocol, as promptfoo does):
 *
 *   hf-inference:<org>/<model>[@<provider>]   HF Inference Providers through router.huggingface.co
 *                                             (<provider>: together, groq, hf-inference, ... default auto)
 *   hf-endpoint:<url>[#<model>]               an HF Inference Endpoint, TGI or TEI server: chat at
 *                                             <url>/v1/chat/completions, embeddings as {inputs} at <url>
 *   openai:<base url>[#<model>]               any OpenAI-compatible server (vLLM, llama-server, ...):
 *                                             chat at <base>/v1/chat/completions, embeddings at <base>/v1/embeddings
 *
 * `hf:` is not one of them: it stays node-llama-cpp's GGUF download URI.
 */
export type HostedKind = "hf-inference" | "hf-endpoint" | "openai";

export const HOSTED_PREFIXES: readonly HostedKind[] = ["hf-inference", "hf-endpoint", "openai"];

export interface HostedUri {
    kind: HostedKind;
    /** HF model id (hf-inference), or the model name sent in requests (optional for servers serving one model). */
    model?: string;
    /** hf-inference: the inference provider or policy ("auto" when not named). */
    inferenceProvider?: string;
    /** hf-endpoint / openai: the server's base URL (no credentials, no trailing slash). */
    url?: string;
}

export function isHostedUri(ref: string): boolean {
    return HOSTED_PREFIXES.some((prefix) => ref.startsWith(`${prefix}:`));
}

function checkUrl(raw: string, uri: string): string {
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

/** Parses a hosted URI; throws with what is wrong and the expected shape. */
export function parseHostedUri(uri: string, options: {provider?: string} = {}): HostedUri {
    const colon = uri.indexOf(":");
    const kind = uri.slice(0, colon) as HostedKind;
    const rest = uri.slice(colon + 1).trim();
    if (!HOSTED_PREFIXES.includes(kind)) throw new Error(`${uri}: not a hosted model URI (prefixes: ${HOSTED_PREFIXES.map((p) => p + ":").join(", ")})`);
    if (kind === "hf-inference") {
        const at = rest.lastIndexOf("@");
        const model = at >= 0 ? rest.slice(0, at) : rest;
        const provider = at >= 0 ? rest.slice(at + 1) : undefined;
        if (!/^[\w.-]+\/[\w.-]+$/.test(model)) throw new Error(`${uri}: expected hf-inference:<org>/<model>[@<provider>]`);
        if (provider !== undefined && !/^[\w.-]+$/.test(provider)) throw new Error(`${uri}: bad provider name "${provider}"`);
        if (provider && options.provider && provider !== options.provider)
            throw new Error(`${uri}: names provider ${provider} but the suite entry says ${options.provider}`);
        return {kind, model, inferenceProvider: provider ?? options.provider ?? "auto"};
    }
    if (options.provider) throw new Error(`${uri}: "provider" applies to hf-inference: models only`);
    const hash = rest.indexOf("#");
    const url = hash >= 0 ? rest.slice(0, hash) : rest;
    const model = hash >= 0 ? rest.slice(hash + 1) : undefined;
    if (model !== undefined && model.length === 0) throw new Error(`${uri}: empty model name after #`);
    return {kind, url: checkUrl(url, uri), model};
}

/** The canonical form of a parsed URI (the hosted model's id in results). */
export function formatHostedUri(uri: HostedUri): string {
    if (uri.kind === "hf-inference") return `hf-inference:${uri.model}@${uri.inferenceProvider}`;
    return `${uri.kind}:${uri.url}${uri.model ? `#${uri.model}` : ""}`;
}
