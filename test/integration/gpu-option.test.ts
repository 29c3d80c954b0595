// gpu / gpuLayers: passed to node-llama-cpp and recorded in env.gpu. This machine has no GPU: the
// CPU path is recorded, "auto" falls back to it, and a named backend that is not there is a clear
// error of that model (node-llama-cpp itself says only "NoBinaryFoundError" for CUDA, and runs on
// the CPU without a word when Metal is asked for off macOS).
import {readdirSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import type {ResultDocument} from "../../harness/results/schema.js";
import {readResultDocument} from "../../harness/results/write.js";
import {parseSuite} from "../../harness/run/suite.js";
import {stories260K} from "../helpers/assets.js";
import {runCli, tempDir, writeSuite} from "../helpers/cli.js";

async function onlyDocument(dir: string): Promise<ResultDocument> {
    const files = readdirSync(dir, {recursive: true, encoding: "utf8"}).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(1);
    return readResultDocument(path.join(dir, files[0]!));
}

const niah = {type: "niah", lengths: [256], depths: [50], maxNewTokens: 4, haystack: {type: "noise"}};
const suite = (extra: object = {}) => writeSuite({name: "gpu", models: [stories260K("Q8_0")], tasks: [niah], ...extra});

describe("GPU offload settings", () => {
    it("auto falls back to the CPU where no GPU backend runs, and env records what was asked and what ran", async () => {
        const out = tempDir("gpu-auto");
        const result = await runCli(["--suite", suite({gpu: "auto"}), "--out", out]);
        expect(result.code, result.stderr).toBe(0);
        const document = await onlyDocument(out);
        const {requested, backend, layers} = document.env.gpu!;
        expect(requested).toBe("auto");
        // Test machines have no GPU (the CPU path); on one with a GPU the run records its backend and the layers it holds.
        if (backend === "cpu") expect(layers).toBe(0);
        else expect(layers).toBeGreaterThan(0);
        expect(backend).toBe(process.env.SLMBENCH_TEST_GPU_BACKEND ?? "cpu");
        expect(document.counts.ok).toBe(1);
    });

    it.each([
        ["cuda", /gpu "cuda" is not available here: node-llama-cpp found no cuda build that runs on this machine \(NoBinaryFoundError/],
        ["metal", /gpu "metal" is not available here: node-llama-cpp runs on the CPU on this machine \(linux/]
    ])("--gpu %s without that backend is that model's clear error, naming the fallbacks", async (backend, message) => {
        if (backend === "metal" && process.platform === "darwin") return;
        const out = tempDir(`gpu-${backend}`);
        const result = await runCli(["--suite", suite(), "--out", out, "--gpu", backend]);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toContain(`Set gpu to "auto" to use a GPU when there is one and the CPU otherwise, or to "cpu"`);
        const document = await onlyDocument(out);
        expect(document.modelError!.message).toMatch(message);
        expect(document.counts).toMatchObject({planned: 1, ok: 0, error: 1});
        expect(document.env.gpu).toBeUndefined();
    });

    it("refuses layers without a GPU backend and unknown backends, on the command line and in suites", async () => {
        const cli = await runCli(["--suite", suite(), "--out", tempDir("gpu-layers"), "--gpu-layers", "8"]);
        expect(cli.code).toBe(2);
        expect(cli.stderr).toContain("gpuLayers 8 needs a GPU backend: set gpu to auto, cuda, vulkan or metal (gpu is cpu)");
        const unknown = await runCli(["--suite", suite(), "--out", tempDir("gpu-rocm"), "--gpu", "rocm"]);
        expect(unknown.code).not.toBe(0);
        expect(unknown.stderr).toContain("must be one of auto, cpu, cuda, vulkan, metal");
        await expect(parseSuite({name: "g", models: [stories260K("Q8_0")], tasks: [niah], gpu: "rocm", gpuLayers: -1}, "g.json"))
            .rejects.toThrow(/gpu: gpu must be one of auto, cpu, cuda, vulkan, metal[\s\S]*gpuLayers: gpuLayers must be a whole number >= 0, "auto" or "max"/);
        await expect(parseSuite({name: "g", models: [stories260K("Q8_0")], tasks: [niah], gpuLayers: "max"}, "g.json"))
            .rejects.toThrow(/gpuLayers: gpuLayers max needs a GPU backend/);
        const gpuSuite = await parseSuite({name: "g", models: [stories260K("Q8_0")], tasks: [niah], gpu: "cuda", gpuLayers: 12}, "g.json");
        const cpuSuite = await parseSuite({name: "g", models: [stories260K("Q8_0")], tasks: [niah]}, "g.json");
        expect(gpuSuite.gpu).toEqual({gpu: "cuda", gpuLayers: 12});
        expect(cpuSuite.gpu).toEqual({gpu: "cpu"});
        // A run setting like threads: the same results resume into the same run.
        expect(gpuSuite.hash).toBe(cpuSuite.hash);
    });
});
