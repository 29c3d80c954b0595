import type {z} from "zod";
import type {AssetRoots} from "../assets/roots.js";
import type {GpuOptions, ModelRef} from "../config/suite.js";
import type {ModelInfo} from "../results/schema.js";
import type {Session} from "../session/types.js";

export type {ModelRef};

/** A model a provider resolved: what results record, and what opening it needs (kept out of results). */
export interface ResolvedModel<Settings = unknown> {
    info: ModelInfo;
    /** Serializable run settings (a file path, endpoints, limits): handed to open(), in this or a model process. */
    settings: Settings;
    /** Id of a ladder this model is the reference of (a hosted unquantized model for local files). */
    referenceOf?: string;
}

/** A model reference that could not be turned into models; the run reports it and goes on. */
export interface UnresolvedModel {
    source: string;
    message: string;
}

export interface ResolveContext {
    assetRoots: AssetRoots;
    /** Allow downloads (`hf:` URIs). Default true. */
    allowDownload?: boolean;
    progress?: boolean;
}

/** An opened model: its session and what the results record about how it ran. */
export interface OpenedSession {
    session: Session;
    loadMs: number;
    /** The engine that computes the numbers, as env.llamaCpp records it ("ggml-org/llama.cpp@b6xxx", "none (hosted: ...)"). */
    engine: string;
    /** Trials in flight at once (1 keeps a local model's KV-prefix reuse; hosted pools allow more). */
    concurrency: number;
    /** Where a local model computes, as env records it: the backend asked for and the one used, and the layers offloaded. */
    gpu?: GpuUse;
    /** Peak memory of the process holding the model, when that process holds only it. */
    peakRssBytes?(): number | null;
    dispose(): Promise<void>;
}

export interface OpenOptions {
    threads: number;
    contextSize: number;
    /** GPU offload (local models); default the CPU. A model process's preload finds it in SLMBENCH_OPEN_OPTIONS (JSON). */
    gpu?: GpuOptions;
}

/** The GPU a model ran on: `requested` as the suite or command line asked, `backend` as llama.cpp runs ("cpu" when none), `layers` offloaded. */
export interface GpuUse {
    requested: GpuOptions["gpu"];
    backend: "cpu" | "cuda" | "vulkan" | "metal";
    layers: number;
}

/**
 * A provider runs models of one kind. It owns its model-reference syntax (`claims`, `refSchema`),
 * turns references into models (`resolve`), and opens them into sessions (`open`). Registered in
 * providers/registry.ts; a provider folder's index.ts default-exports one.
 */
export interface Provider<Settings = any> {
    /** Recorded as ModelInfo.provider. */
    id: string;
    /** One line for `--help` and errors: the reference syntax it answers to. */
    syntax: string;
    /** Whether a reference is this provider's (URI prefix or object shape). Checked in registry order. */
    claims(ref: ModelRef): boolean;
    /** Schema of the object form of its references, for suite validation (errors name the field). */
    refSchema?: z.ZodType;
    /** The part of a reference that decides results (run settings such as concurrency left out): hashed into the run id. */
    identity?(ref: ModelRef): unknown;
    /** Resolves every reference this provider claimed (together, so files of several references can form one ladder). */
    resolve(refs: ModelRef[], context: ResolveContext): Promise<{models: ResolvedModel<Settings>[]; unresolved: UnresolvedModel[]}>;
    /**
     * "process": each model runs in a child process of its own (native code that can abort, memory
     * measured per model); "in-process": the session runs in the calling process (HTTP clients, pure JavaScript).
     */
    isolation: "process" | "in-process";
    /** A plain-JavaScript module a model process imports before anything else (to start a native runtime early). */
    preload?: string;
    open(model: ModelInfo, settings: Settings, options: OpenOptions): Promise<OpenedSession>;
}
