import {createReadStream, readFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ensureDatasetFiles, KNOWN_DATASET_FILES} from "../../harness/assets/datasets.js";
import {resolveAssetRoots} from "../../harness/assets/roots.js";
import sts from "../../harness/tasks/sts/index.js";
import {SHARED_ASSETS} from "../helpers/assets.js";
import {tempDir} from "../helpers/cli.js";

/** A fake mirror on 127.0.0.1 serving the shared copies under the pinned URLs' paths (and one corrupted file). */
let server: http.Server;
let mirror: string;
const requests: string[] = [];
beforeAll(async () => {
    const byPath = new Map(Object.entries(KNOWN_DATASET_FILES).map(([relative, file]) => [new URL(file.url).pathname, relative]));
    server = http.createServer((request, response) => {
        requests.push(request.url!);
        const relative = byPath.get(request.url!);
        if (!relative) return response.writeHead(404).end();
        if (process.env.CORRUPT === relative) return response.writeHead(200).end("tampered");
        response.writeHead(200, {"content-type": "text/plain"});
        createReadStream(path.join(SHARED_ASSETS, "datasets", relative)).pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    process.env.SLMBENCH_DATASET_MIRROR = mirror;
});
afterAll(() => {
    delete process.env.SLMBENCH_DATASET_MIRROR;
    delete process.env.CORRUPT;
    server?.close();
});

/** Roots without ../shared: only the project's ./assets (a temp dir) and a fresh cache. */
const bareRoots = () => resolveAssetRoots({projectDir: tempDir("project"), env: {SLMBENCH_CACHE: tempDir("cache")}});

describe("built-in datasets on a machine without them", () => {
    it("downloads STS-B test into the cache root, verifies its sha256, and the task validates from there", async () => {
        const roots = bareRoots();
        const config = sts.configSchema.parse({dataset: {type: "stsb", split: "test"}});
        await sts.validate!(config, {assetRoots: roots});
        const cached = path.join(roots.cacheDir, "datasets", "stsb", "sts-test.csv");
        expect(readFileSync(cached)).toEqual(readFileSync(path.join(SHARED_ASSETS, "datasets/stsb/sts-test.csv")));
        const before = requests.length;
        await sts.validate!(config, {assetRoots: roots}); // second time: found in the cache, no request
        expect(requests.length).toBe(before);
    });

    it("fetches every SICK file the selection needs", async () => {
        const roots = bareRoots();
        await sts.validate!(sts.configSchema.parse({dataset: {type: "sick", pairs: "all"}}), {assetRoots: roots});
        expect(requests.filter((r) => r.includes("SICK_")).length).toBeGreaterThanOrEqual(3);
    });

    it("refuses a download whose sha256 differs, naming the file, and keeps nothing", async () => {
        const roots = bareRoots();
        process.env.CORRUPT = "stsb/sts-dev.csv";
        try {
            await expect(ensureDatasetFiles(roots, ["stsb/sts-dev.csv"])).rejects.toThrow(/datasets\/stsb\/sts-dev\.csv: the download .* has sha256 .*expected 5d7e944d/);
        } finally {
            delete process.env.CORRUPT;
        }
        await expect(sts.validate!(sts.configSchema.parse({dataset: {type: "stsb", split: "dev"}}), {assetRoots: roots})).resolves.toBeUndefined();
    });

    it("uses the asset roots first: nothing is downloaded when ../shared has the files", async () => {
        const roots = resolveAssetRoots({projectDir: tempDir("project"), env: {SLMBENCH_ASSETS: SHARED_ASSETS, SLMBENCH_CACHE: tempDir("cache")}});
        const before = requests.length;
        await ensureDatasetFiles(roots, Object.keys(KNOWN_DATASET_FILES));
        expect(requests.length).toBe(before);
    });
});
