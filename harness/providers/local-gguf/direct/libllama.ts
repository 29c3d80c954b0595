/**
 * Opens the libllama that ships prebuilt in @node-llama-cpp/<platform> through koffi, once per
 * process: the library the quantizer (harness/providers/local-gguf/quantize/ffi.ts) and the direct scoring path
 * (./binding.ts) call. node-llama-cpp's own addon maps the same files, so both can live in one
 * process (glibc loads each .so once).
 *
 * Struct layouts bound by callers are those of llama.cpp release LAYOUT_RELEASE, the release
 * node-llama-cpp 3.21.1 bundles (`node_modules/node-llama-cpp/llama/llama.cpp.info.json`; source in
 * `node_modules/node-llama-cpp/llama/gitRelease.bundle`: `git clone` it and read `include/llama.h`).
 * A library built from another release is refused: a field added to a struct would make llama.cpp
 * read past the memory given to it. SLMBENCH_LIBLLAMA=<path> points at another libllama (release
 * check skipped; each caller still checks the defaults its structs return).
 *
 * Only load this in a process that may die: llama.cpp aborts the process on some bad input.
 */
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {createRequire} from "node:module";
import path from "node:path";
import koffi from "koffi";

/** The llama.cpp release whose `include/llama.h` the bound struct layouts were copied from. */
export const LAYOUT_RELEASE = "v0.4.0";

export class LibllamaError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LibllamaError";
    }
}

/** The folder of node-llama-cpp's prebuilt CPU binaries for this machine, and its libllama. */
export function findLibllama(): {binsDir: string; libllama: string; libggml?: string; release?: string} {
    const override = process.env.SLMBENCH_LIBLLAMA;
    const candidates = process.platform === "darwin"
        ? [process.arch === "arm64" ? "mac-arm64-metal" : "mac-x64"]
        : process.platform === "win32" ? [`win-${process.arch}`] : [`${process.platform}-${process.arch}`];
    let binsDir: string | undefined;
    if (override) {
        binsDir = path.dirname(path.resolve(override));
    } else {
        const require = createRequire(createRequire(import.meta.url).resolve("node-llama-cpp"));
        for (const name of candidates) {
            let packageDir: string;
            try {
                // The package exports only its entry (dist/index.js); bins/ sits beside dist/.
                packageDir = path.resolve(path.dirname(require.resolve(`@node-llama-cpp/${name}`)), "..");
            } catch {
                continue;
            }
            const bins = path.join(packageDir, "bins");
            if (!existsSync(bins)) continue;
            const sub = readdirSync(bins, {withFileTypes: true}).find((entry) => entry.isDirectory());
            if (sub) {
                binsDir = path.join(bins, sub.name);
                break;
            }
        }
    }
    if (!binsDir)
        throw new LibllamaError(`no prebuilt llama.cpp library for ${process.platform}-${process.arch}: ` +
            `install node-llama-cpp's prebuilt binary package (@node-llama-cpp/${candidates[0]}) or set SLMBENCH_LIBLLAMA to a libllama path`);
    const files = readdirSync(binsDir);
    const pick = (pattern: RegExp) => files.find((file) => pattern.test(file));
    const libllama = override ? path.resolve(override) : pick(/^(lib)?llama(\.v[\d.]+)?\.(so|dylib|dll)$/);
    if (!libllama) throw new LibllamaError(`${binsDir}: no libllama library found`);
    const libggml = pick(/^(lib)?ggml(\.v[\d.]+)?\.(so|dylib|dll)$/);
    let release: string | undefined;
    try {
        const metadata = JSON.parse(readFileSync(path.join(binsDir, "_nlcBuildMetadata.json"), "utf8"));
        release = metadata?.buildOptions?.llamaCpp?.release;
    } catch {
        // checked by openLibllama
    }
    return {
        binsDir,
        libllama: path.isAbsolute(libllama) ? libllama : path.join(binsDir, libllama),
        libggml: libggml ? path.join(binsDir, libggml) : undefined,
        release
    };
}

export interface OpenedLibllama {
    /** koffi's handle on libllama: callers bind the functions they need with `lib.func(...)`. */
    lib: ReturnType<typeof koffi.load>;
    binsDir: string;
    path: string;
    /** llama.cpp release of the binary (node-llama-cpp's build metadata). */
    release: string;
    /** `llama_version()`. */
    version: string;
}

let opened: OpenedLibllama | undefined;

/**
 * Loads libllama (once per process) after checking its release, registers ggml's CPU backend from
 * the same folder and calls `llama_backend_init()`.
 */
export function openLibllama(): OpenedLibllama {
    if (opened) return opened;
    const found = findLibllama();
    if (found.release !== LAYOUT_RELEASE && !process.env.SLMBENCH_LIBLLAMA)
        throw new LibllamaError(`${found.binsDir}: llama.cpp release ${found.release ?? "unknown"}, but slmbench's struct layouts are ` +
            `those of ${LAYOUT_RELEASE} (node-llama-cpp 3.21.1): update harness/providers/local-gguf/quantize/ffi.ts and harness/providers/local-gguf/direct/binding.ts from the new llama.h`);
    // libllama's RUNPATH is $ORIGIN: its libggml and libggml-base come from the same folder.
    const ggml = found.libggml ? koffi.load(found.libggml) : undefined;
    const lib = koffi.load(found.libllama);
    const version = lib.func("const char * llama_version(void)")() as string;
    // llama_backend_init() loads every ggml backend it can find when none is registered yet,
    // searching the node binary's folder and the working directory; register the CPU backend
    // (a separate .so per CPU level) from node-llama-cpp's own folder first, as node-llama-cpp does.
    if (ggml) {
        const regCount = ggml.func("size_t ggml_backend_reg_count(void)");
        if (Number(regCount()) === 0) ggml.func("void ggml_backend_load_all_from_path(const char * dir_path)")(found.binsDir);
    }
    lib.func("void llama_backend_init(void)")();
    opened = {lib, binsDir: found.binsDir, path: found.libllama, release: found.release ?? "unknown", version};
    return opened;
}
