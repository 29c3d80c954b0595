/**
 * Sums of exp(x[i] - shift) over a row of logits with ggml's own vectorized expf: the CPU backend
 * llama.cpp loaded for this CPU exports `ggml_vec_soft_max_f32` (AVX-512 / AVX2 / NEON, the code
 * llama.cpp's soft_max runs), about 0.3 ns per entry here against 4 ns for the WebAssembly float64
 * kernel. Its exps are float32 (relative error below 7e-7 each; the sums measured within 2e-8 of
 * float64 ones), added 8 or 16 at a time in float32 and then in float64.
 *
 * Found through /proc/self/maps (the CPU backend is a separate library ggml picks at load), only for
 * the release whose layouts are checked (./libllama.ts); elsewhere, or with SLMBENCH_NATIVE_EXP=0,
 * callers use the WebAssembly kernel.
 */
import {readFileSync} from "node:fs";
import koffi from "koffi";
import {LAYOUT_RELEASE, openLibllama} from "./libllama.js";

/** sum_i exp(x[i] - shift) over x[0..n), float64; `scratch` (at least n floats) receives the exps. */
export type ExpSum = (n: number, x: Float32Array, shift: number, scratch: Float32Array) => number;

let resolved: ExpSum | null | undefined;

export function nativeExpSum(): ExpSum | undefined {
    if (resolved === undefined) resolved = resolve() ?? null;
    return resolved ?? undefined;
}

function resolve(): ExpSum | undefined {
    if (process.env.SLMBENCH_NATIVE_EXP === "0") return undefined;
    try {
        if (openLibllama().release !== LAYOUT_RELEASE) return undefined;
        const library = loadedCpuBackend();
        if (!library) return undefined;
        const softMax = koffi.load(library).func("double ggml_vec_soft_max_f32(int n, float * y, const float * x, float max)") as
            (n: number, y: Float32Array, x: Float32Array, max: number) => number;
        return (n, x, shift, scratch) => softMax(n, scratch, x, shift);
    } catch {
        return undefined;
    }
}

/** The ggml CPU backend library mapped into this process (Linux), if any. */
function loadedCpuBackend(): string | undefined {
    let maps: string;
    try {
        maps = readFileSync("/proc/self/maps", "utf8");
    } catch {
        return undefined;
    }
    for (const line of maps.split("\n")) {
        const at = line.indexOf("/");
        if (at >= 0 && /\/libggml-cpu[^/]*\.so$/.test(line.slice(at))) return line.slice(at);
    }
    return undefined;
}
