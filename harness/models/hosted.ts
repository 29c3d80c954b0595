import {createHash} from "node:crypto";
import {z} from "zod";
import {formatHostedUri, HostedUri, isHostedUri, parseHostedUri} from "../providers/hosted/uri.js";
import type {ModelInfo} from "../results/schema.js";
import {canonicalJson} from "../util/hash.js";
import type {ModelRef, UnresolvedModel} from "./resolve.js";

/**
 * Hosted models in a suite: a URI string (`openai:http://host:8000#my-model`, see
 * providers/hosted/uri.ts) or this object form with run settings. Split off a suite's model list
 * before file resolution, like builtin: models.
 */
export const hostedModelRefSchema = z.object({
    hosted: z.string().refine(isHostedUri, "hosted must be an hf-inference:, hf-endpoint: or openai: URI")
        .describe("Model URI: hf-inference:<org>/<model>[@<provider>], hf-endpoint:<url>[#<model>], openai:<base url>[#<model>]"),
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
    pooling: z.enum(["none", "mean"]).optional()
        .describe("Feature extraction answering one vector per token ([texts][tokens][dims], a model without a pooling layer): " +
            "mean: average them into the sentence vector; none (default): such answers are an error")
}).strict();
export type HostedModelRef = z.infer<typeof hostedModelRefSchema>;

/** What a hosted provider needs to run a model, beyond its ModelInfo (kept out of results: no token, only its variable's name). */
export interface HostedRuntime {
    uri: HostedUri;
    endpoints: string[];
    concurrency: number;
    timeoutMs: number;
    retries: number;
    backoffMs: number;
    tokenEnv: string | null;
    prefill: boolean;
    pooling: "none" | "mean";
}

const runtimes = new Map<string, HostedRuntime>();
/** Ids of hosted models a suite names as a local ladder's reference (referenceOf). */
const ladderReferences = new Set<string>();

export function isHostedRef(ref: ModelRef): ref is string | HostedModelRef {
    return typeof ref === "string" ? isHostedUri(ref) : "hosted" in ref;
}

function objectOf(ref: string | HostedModelRef): HostedModelRef {
    return typeof ref === "string" ? {hosted: ref} : ref;
}

/** Settings of a hosted model (by ModelInfo.id); when the ref was not resolved in this process, defaults from the id. */
export function hostedRuntimeFor(model: Pick<ModelInfo, "id" | "source">): HostedRuntime {
    return runtimes.get(model.id) ?? runtimeOf({hosted: model.id});
}

function runtimeOf(ref: HostedModelRef): HostedRuntime {
    const uri = parseHostedUri(ref.hosted, {provider: ref.provider});
    if (ref.endpoints?.length && uri.kind === "hf-inference") throw new Error(`${ref.hosted}: endpoints apply to hf-endpoint: and openai: models`);
    const extra = (ref.endpoints ?? []).map((url) => parseHostedUri(`${uri.kind}:${url}`).url!);
    return {
        uri,
        endpoints: uri.url ? [...new Set([uri.url, ...extra])] : [],
        concurrency: ref.concurrency ?? 4,
        timeoutMs: ref.timeoutMs ?? 120_000,
        retries: ref.retries ?? 4,
        backoffMs: ref.backoffMs ?? 1000,
        tokenEnv: ref.tokenEnv ?? (uri.kind === "openai" ? null : "HF_TOKEN"),
        prefill: ref.prefill ?? false,
        pooling: ref.pooling ?? "none"
    };
}

/** Identity of a hosted model: provider protocol, endpoint (or inference provider) and model id. */
export function hostedSha256(uri: HostedUri): string {
    const identity = {provider: uri.kind, endpoint: uri.url ?? `router.huggingface.co@${uri.inferenceProvider}`, model: uri.model ?? null};
    return createHash("sha256").update(canonicalJson(identity)).digest("hex");
}

export function hostedModelInfo(ref: string | HostedModelRef): ModelInfo {
    const object = objectOf(ref);
    const runtime = runtimeOf(object);
    const id = formatHostedUri(runtime.uri);
    const sha256 = hostedSha256(runtime.uri);
    const modelName = runtime.uri.model ?? new URL(runtime.uri.url!).host;
    const fileName = modelName.split("/").pop()!;
    runtimes.set(id, runtime);
    if (object.referenceOf) ladderReferences.add(id);
    return {
        id,
        provider: runtime.uri.kind,
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
}

/**
 * Splits hosted references off a suite's model list: their ModelInfos (or why not), and the
 * references left for file resolution. Registers each model's run settings for its provider.
 */
export function resolveHostedModels(refs: ModelRef[]): {models: ModelInfo[]; unresolved: UnresolvedModel[]; rest: ModelRef[]} {
    const models: ModelInfo[] = [];
    const unresolved: UnresolvedModel[] = [];
    const rest: ModelRef[] = [];
    for (const ref of refs) {
        if (!isHostedRef(ref)) {
            rest.push(ref);
            continue;
        }
        try {
            const model = hostedModelInfo(ref);
            if (!models.some((m) => m.id === model.id)) models.push(model);
        } catch (error) {
            unresolved.push({source: objectOf(ref).hosted, message: (error as Error).message});
        }
    }
    return {models, unresolved, rest};
}

/**
 * Post-processing of resolved models: a hosted model with `referenceOf: <ladder>` becomes that
 * ladder's reference; the ladder's local files then name it as their reference. Hosted references
 * go first, so they run before the files compared with them.
 */
export function applyHostedReferences(local: ModelInfo[], hosted: ModelInfo[]): ModelInfo[] {
    const references = hosted.filter((model) => ladderReferences.has(model.id));
    for (const reference of references) {
        const rungs = local.filter((model) => model.ladder.id === reference.ladder.id);
        const size = rungs.length + 1;
        reference.ladder = {...reference.ladder, size};
        for (const rung of rungs)
            rung.ladder = {id: rung.ladder.id, referenceFile: reference.fileName, referenceSha256: reference.sha256, isReference: false, size};
    }
    return [...references, ...local, ...hosted.filter((model) => !references.includes(model))];
}

/** A model reference as it counts for a run's identity: a hosted model's run settings (concurrency, endpoints ...) do not change results. */
export function refIdentity(ref: ModelRef): unknown {
    if (typeof ref === "string" || !("hosted" in ref)) return ref;
    const {hosted, provider, referenceOf, quantLabel, parameters, contextLength, prefill, pooling} = ref;
    return {hosted, provider, referenceOf, quantLabel, parameters, contextLength, prefill, pooling};
}
