import http from "node:http";
import type {AddressInfo} from "node:net";
import {afterEach, describe, expect, it} from "vitest";
import {resolveAssetRoots} from "../../harness/assets/roots.js";
import {resolveModels} from "../helpers/resolve.js";
import {tempDir} from "../helpers/cli.js";

const URI = "hf:ggml-org/models/tinyllamas/stories260K.gguf";
const saved = {HF_ENDPOINT: process.env.HF_ENDPOINT, MODEL_ENDPOINT: process.env.MODEL_ENDPOINT, SLMBENCH_DOWNLOAD_STALL_S: process.env.SLMBENCH_DOWNLOAD_STALL_S};
afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
});
const bareRoots = () => resolveAssetRoots({projectDir: tempDir("project"), env: {SLMBENCH_CACHE: tempDir("cache")}});

describe("downloads that cannot finish", () => {
    it("an unreachable Hub fails at once with what to do (the downloader alone would retry for minutes)", async () => {
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
        delete process.env.MODEL_ENDPOINT;
        process.env.HF_ENDPOINT = `http://127.0.0.1:${port}/`;
        const started = performance.now();
        const {models, unresolved} = await resolveModels([URI], {assetRoots: bareRoots()});
        expect(models).toEqual([]);
        expect(unresolved[0]!.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\): offline\?/);
        expect(performance.now() - started).toBeLessThan(10_000);
    });

    it("a Hub that stops sending data is given up after SLMBENCH_DOWNLOAD_STALL_S", async () => {
        const hanging = new Set<http.ServerResponse>();
        const hub = http.createServer((request, response) => {
            if (request.method === "HEAD") return response.writeHead(200).end();
            hanging.add(response); // never answers the file request
        });
        await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
        delete process.env.MODEL_ENDPOINT;
        process.env.HF_ENDPOINT = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
        process.env.SLMBENCH_DOWNLOAD_STALL_S = "2";
        try {
            const started = performance.now();
            const {unresolved} = await resolveModels([URI], {assetRoots: bareRoots()});
            expect(unresolved[0]!.message).toMatch(/download of hf:.*failed: no data for 2 s/);
            expect(performance.now() - started).toBeLessThan(15_000);
        } finally {
            for (const response of hanging) response.destroy();
            hub.closeAllConnections();
            hub.close();
        }
    });
});
