/**
 * One quantization in its own process: llama.cpp can abort() on bad input (GGML_ABORT, uncaught
 * C++ exceptions), which no JavaScript handler catches; here it ends this process only, and the
 * parent reports that type as failed and goes on with the next.
 */
import {imatrixArray, kvOverrideArray, loadLibllama} from "./ffi.js";
import {imatrixMetadata, loadImatrix} from "./imatrix.js";
import type {QuantizeChildMessage, QuantizeJobMessage} from "./protocol.js";

function send(message: QuantizeChildMessage): Promise<void> {
    return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

// The parent died: nothing left to report to.
process.on("disconnect", () => process.exit(1));

async function run(job: QuantizeJobMessage) {
    const lib = loadLibllama();
    await send({type: "started", libllama: lib.path, release: lib.release, version: lib.version});

    // Start from llama.cpp's own defaults and override only what this job asks for.
    const params = lib.defaultParams();
    params.ftype = job.ftype;
    params.nthread = job.threads;
    if (job.tokenEmbeddingType != null) params.token_embedding_type = job.tokenEmbeddingType;
    if (job.imatrix) {
        const imatrix = loadImatrix(job.imatrix.path);
        params.imatrix = imatrixArray(imatrix.entries);
        params.kv_overrides = kvOverrideArray(imatrixMetadata(imatrix, job.imatrix.argument));
    }

    // Test hook: stand in for a native abort inside llama.cpp (same signal, same missing reply).
    if ((process.env.SLMBENCH_QUANTIZE_TEST_ABORT ?? "").split(",").includes(job.typeName)) process.abort();

    const started = performance.now();
    const returnCode = lib.quantize(job.input, job.output, params);
    await send({type: "done", returnCode, quantizeMs: performance.now() - started});
}

process.once("message", (message: QuantizeJobMessage) => {
    run(message).then(
        () => process.exit(0),
        async (error) => {
            await send({type: "fatal", message: (error as Error).message});
            process.exit(1);
        }
    );
});
