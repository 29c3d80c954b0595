import type {InferenceClient} from "@huggingface/inference";
import type {HostedUri} from "./uri.js";

/** One server a hosted session sends requests to. */
export interface HostedEndpoint {
    /** Base URL, or a name for a routed service ("router.huggingface.co@together"). */
    label: string;
    url?: string;
}

/** What a protocol's request functions get for one attempt. */
export interface RequestContext {
    client: InferenceClient;
    endpoint: HostedEndpoint;
    uri: HostedUri;
    /** One HTTP attempt through the harness's transport (timeouts, scrubbed errors), for requests the client does not shape. */
    fetch: typeof fetch;
    token: string | undefined;
}

/**
 * A hosted protocol: its URI syntax and how it asks a server for chat completions and
 * embeddings. The shared machinery (providers/hosted/) does pooling, retries, timeouts, usage
 * accounting and response checks; a protocol folder (providers/<kind>/index.ts) defines one of
 * these and exports `hostedProvider(protocol)`.
 */
export interface HostedProtocol {
    /** URI prefix without the colon; also the provider id. */
    kind: string;
    /** The URI syntax, for messages. */
    syntax: string;
    /** Parses what follows "<kind>:"; throws naming what is wrong and the expected shape. */
    parse(rest: string, uri: string, options: {provider?: string}): HostedUri;
    /** The canonical URI (the model's id in results). */
    format(uri: HostedUri): string;
    /** Where requests go, identifying the model in its sha256: the URL, or the routed service. */
    endpointIdentity(uri: HostedUri): string;
    /** Environment variable holding the token by default (null: none). */
    defaultTokenEnv: string | null;
    /** Whether a pool of URLs (`endpoints`) can serve one model. */
    pooled: boolean;
    /** Sends a chat completion request; answers the server's JSON (checked by the session). */
    chat(context: RequestContext, request: {messages: {role: string; content: string}[]; max_tokens: number; temperature: number}): Promise<unknown>;
    /** Sends a text-completion request (a plain-text prompt the model continues); answers the server's JSON. Protocols without one offer chat only. */
    complete?(context: RequestContext, request: {prompt: string; max_tokens: number; temperature: number}): Promise<unknown>;
    /** Sends an embedding request for texts; answers the vectors in the server's shape (checked by the session). */
    embed(context: RequestContext, texts: string[]): Promise<unknown>;
}
