import {createHash} from "node:crypto";
import {z} from "zod";
import type {ModelInfo} from "../../results/schema.js";
import {canonicalJson} from "../../util/hash.js";
import type {ModelRef, ResolvedModel, UnresolvedModel} from "../provider.js";
import type {HostedProtocol} from "./protocol.js";
import type {HostedUri} from "./uri.js";

/**
 * Hosted models in a suite: a URI string (`openai:http://host:8000#my-model`) or this object
 * form with run settings. Shared by every hosted protocol.
 */
export const hostedModelRefSchema = z.object({
    hosted: z.string().min(1).describe("Model URI: hf-inference:<org>/<model>[@<provider>], hf-endpoint:<url>[#<model>], openai:<base url>[#<model>]"),
    provider: z.string().min(1).optional().describe("hf-inference only: the inference provider (same as @<provider>)"),
    endpoints: z.array(z.string().url()).optional()
        .describe("More servers of the same model (hf-endpoint/openai): trials are spread over the URI's URL and these"),
    concurrency: z.number().int().positive().max(256).optional().describe("Requests in flight per endpoint (default 4)"),
    timeoutMs: z.number().int().positive().optional().describe("Per-request timeout, body included (default 120000)"),
    retries: z.number().int().min(0).max(20).optional().describe("Retries after 429, 5xx, timeouts and connection resets (default 4)"),
    backoffMs: z.number().int().min(0).optional().describe("First retry delay; doubles per retry, with jitter (default 1000)"),
    tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional()
        .describe("Environment variable holding the token (default HF_TOKEN for hf-*, none for openai:)"),
    referenceOf: z.string().min(1).optional().describe("Local ladder id this (unquantized) hosted model is the reference of"),
    quantLabel: z.string().min(1).optional().describe("Default \"hosted\""),
    parameters: z.number().int().nonnegative().optional(),
    contextLength: z.number().int().positive().optional().describe("Longer NIAH cells are skipped, as for local models"),
    prefill: z.boolean().optional().describe("Send a prompt's answer prefix as a trailing assistant message (default: left out)"),
    promptForm: z.enum(["chat", "completion"]).optional()
        .describe("chat (default): messages through the server's chat template; completion (openai: only): the plain-text prompt a local " +
            "model without a chat template sees, answer prefix included, sent to <base>/v1/completions"),
    pooling: z.enum(["none", "mean"]).optional()
        .describe("Feature extraction answering one vector per token ([texts][tokens][dims], a model without a pooling layer): " +
            "mean: average them into the sentence vector; none (default): such answers are an error")
}).strict();
export type HostedModelRef = z.infer<typeof hostedModelRefSchema>;

/** What a hosted session needs to run a model, beyond its ModelInfo (kept out of results: no token, only its variable's name). */
export interface HostedRuntime {
    uri: HostedUri;
    endpoints: string[];
    concurrency: number;
    timeoutMs: number;
    retries: number;
    backoffMs: number;
    tokenEnv: string | null;
    prefill: boolean;
    promptForm: "chat" | "completion";
    pooling: "none" | "mean";
}

const uriOf = (ref: ModelRef): string | undefined => (typeof ref === "string" ? ref : typeof ref.hosted === "string" ? ref.hosted : undefined);

/** Whether a reference (URI or `{hosted}` object) uses this protocol's prefix. */
export function claimsHosted(protocol: HostedProtocol, ref: ModelRef): boolean {
    return uriOf(ref)?.startsWith(`${protocol.kind}:`) ?? false;
}

export function parseHostedUri(protocol: HostedProtocol, uri: string, options: {provider?: string} = {}): HostedUri {
    if (!uri.startsWith(`${protocol.kind}:`)) throw new Error(`${uri}: not a ${protocol.kind}: URI (expected ${protocol.syntax})`);
    return protocol.parse(uri.slice(protocol.kind.length + 1).trim(), uri, options);
}

function runtimeOf(protocol: HostedProtocol, ref: HostedModelRef): HostedRuntime {
    const uri = parseHostedUri(protocol, ref.hosted, {provider: ref.provider});
    if (ref.endpoints?.length && !protocol.pooled) throw new Error(`${ref.hosted}: endpoints apply to models served by URL (hf-endpoint:, openai:)`);
    if (ref.promptForm === "completion" && !protocol.complete)
        throw new Error(`${ref.hosted}: promptForm "completion" needs a text-completion endpoint (openai: servers); ${protocol.kind}: offers chat only`);
    const extra = (ref.endpoints ?? []).map((url) => parseHostedUri(protocol, `${protocol.kind}:${url}`).url!);
    return {
        uri,
        endpoints: uri.url ? [...new Set([uri.url, ...extra])] : [],
        concurrency: ref.concurrency ?? 4,
        timeoutMs: ref.timeoutMs ?? 120_000,
        retries: ref.retries ?? 4,
        backoffMs: ref.backoffMs ?? 1000,
        tokenEnv: ref.tokenEnv ?? protocol.defaultTokenEnv,
        prefill: ref.prefill ?? false,
        promptForm: ref.promptForm ?? "chat",
        pooling: ref.pooling ?? "none"
    };
}

/**
 * Identity of a hosted model: protocol, endpoint (or routed service) and model id, and the prompt
 * form when it is text completion (it changes every answer, so its trials are not the chat form's).
 */
export function hostedSha256(protocol: HostedProtocol, uri: HostedUri, promptForm: "chat" | "completion" = "chat"): string {
    const identity = {provider: uri.kind, endpoint: protocol.endpointIdentity(uri), model: uri.model ?? null, ...(promptForm === "completion" ? {promptForm} : {})};
    return createHash("sha256").update(canonicalJson(identity)).digest("hex");
}

/** A hosted reference as a model: its ModelInfo and run settings. */
export function resolveHostedModel(protocol: HostedProtocol, ref: string | HostedModelRef): ResolvedModel<HostedRuntime> {
    const object = typeof ref === "string" ? {hosted: ref} : hostedModelRefSchema.parse(ref);
    const runtime = runtimeOf(protocol, object);
    const id = protocol.format(runtime.uri);
    const sha256 = hostedSha256(protocol, runtime.uri, runtime.promptForm);
    const modelName = runtime.uri.model ?? new URL(runtime.uri.url!).host;
    const fileName = modelName.split("/").pop()!;
    const info: ModelInfo = {
        id,
        provider: protocol.kind,
        source: object.hosted,
        fileName,
        sha256,
        bytes: 0,
        architecture: "hosted",
        name: modelName,
        parameters: object.parameters ?? 0,
        ...(object.contextLength ? {contextLength: object.contextLength} : {}),
        quantLabel: object.quantLabel ?? "hosted",
        tensorTypes: {},
        bitsPerWeight: 0,
        hasChatTemplate: true,
        ladder: {id: object.referenceOf ?? `hosted-${fileName}`, referenceFile: fileName, referenceSha256: sha256, isReference: true, size: 1}
    };
    return {info, settings: runtime, ...(object.referenceOf ? {referenceOf: object.referenceOf} : {})};
}

/** Every hosted reference of one protocol as models (each once), or why not. */
export function resolveHostedModels(protocol: HostedProtocol, refs: ModelRef[]): {models: ResolvedModel<HostedRuntime>[]; unresolved: UnresolvedModel[]} {
    const models: ResolvedModel<HostedRuntime>[] = [];
    const unresolved: UnresolvedModel[] = [];
    for (const ref of refs) {
        try {
            const model = resolveHostedModel(protocol, ref as string | HostedModelRef);
            if (!models.some((m) => m.info.id === model.info.id)) models.push(model);
        } catch (error) {
            unresolved.push({source: uriOf(ref) ?? JSON.stringify(ref), message: (error as Error).message});
        }
    }
    return {models, unresolved};
}

/** A hosted reference as it counts for a run's identity: run settings (concurrency, endpoints ...) do not change results. */
export function hostedIdentity(ref: ModelRef): unknown {
    if (typeof ref === "string") return ref;
    const {hosted, provider, referenceOf, quantLabel, parameters, contextLength, prefill, promptForm, pooling} = ref as HostedModelRef;
    return {hosted, provider, referenceOf, quantLabel, parameters, contextLength, prefill, promptForm, pooling};
}
