import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import os from "node:os";
import path from "node:path";
import type {GpuUse} from "../providers/provider.js";
import type {RunEnv} from "../results/schema.js";

const require = createRequire(import.meta.url);

function versionOf(packageJsonPath: string): string {
    try {
        return JSON.parse(readFileSync(packageJsonPath, "utf8")).version ?? "unknown";
    } catch {
        return "unknown";
    }
}

export const SLMBENCH_VERSION = versionOf(new URL("../../package.json", import.meta.url).pathname);

/** The machine and software a result was measured with, and the GPU a local model ran on. */
export function describeEnv(threads: number, llamaCpp: string, gpu?: GpuUse): RunEnv {
    return {
        slmbench: SLMBENCH_VERSION,
        nodeLlamaCpp: versionOf(path.join(path.dirname(require.resolve("node-llama-cpp")), "..", "package.json")),
        llamaCpp,
        cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
        cores: os.cpus().length || 1,
        threads,
        os: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        ...(gpu ? {gpu: {requested: gpu.requested, backend: gpu.backend, layers: gpu.layers}} : {})
    };
}
