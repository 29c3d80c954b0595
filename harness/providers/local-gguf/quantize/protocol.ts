/** Messages between `npm run quantize` and its per-type child processes (child.ts beside it). */

export interface QuantizeJobMessage {
    type: "quantize";
    input: string;
    /** Where llama.cpp writes; the parent renames it to the final name once the file checks out. */
    output: string;
    /** `enum llama_ftype` value, and its name ("Q4_K_M"). */
    ftype: number;
    typeName: string;
    /** llama.cpp threads; 0 = all hardware threads. */
    threads: number;
    /** `enum ggml_type` value forced on token_embd.weight, if any. */
    tokenEmbeddingType?: number;
    /** Importance matrix: the file, and the path as the user wrote it (recorded in the output's metadata). */
    imatrix?: {path: string; argument: string};
}

export type QuantizeChildMessage =
    | {type: "started"; libllama: string; release: string; version: string}
    | {type: "done"; returnCode: number; quantizeMs: number}
    | {type: "fatal"; message: string};
