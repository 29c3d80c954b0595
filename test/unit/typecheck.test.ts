// The whole project (harness, site libraries, tests) type-checks: tsx and Astro strip types without checking them.
import {execFile} from "node:child_process";
import {createRequire} from "node:module";
import {promisify} from "node:util";
import {expect, it} from "vitest";
import {PROJECT_DIR} from "../helpers/assets.js";

it("passes tsc --noEmit", async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "--noEmit", "-p", PROJECT_DIR], {cwd: PROJECT_DIR, maxBuffer: 16 << 20})
        .then(() => ({code: 0, stdout: ""}), (error: {code: number; stdout: string}) => ({code: error.code, stdout: error.stdout}));
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
}, 120_000);
