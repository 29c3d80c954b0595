// The layer rules of .dependency-cruiser.cjs hold for the harness, the site and the suites, and
// they do catch an upward import (shown on a scratch tree, so the real one is never touched).
import {execFile} from "node:child_process";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {promisify} from "node:util";
import {describe, expect, it} from "vitest";
import {PROJECT_DIR} from "../helpers/assets.js";

const run = promisify(execFile);
const CONFIG = path.join(PROJECT_DIR, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(PROJECT_DIR, "node_modules", ".bin", "depcruise");

interface Violation {
    from: string;
    to: string;
    rule: {name: string};
}

async function violations(cwd: string, paths: string[]): Promise<Violation[]> {
    // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
    const {stdout} = await run(DEPCRUISE, [...paths, "--config", CONFIG, "--output-type", "json"], {cwd, maxBuffer: 64 << 20})
        .catch((error: {stdout?: string}) => ({stdout: error.stdout ?? ""}));
    return (JSON.parse(stdout) as {summary: {violations: Violation[]}}).summary.violations;
}

describe("layers (dependency-cruiser)", () => {
    it("harness, site, suites and tests import only downward: no cycles, no upward import, no sibling task or provider folder", async () => {
        const found = await violations(PROJECT_DIR, ["harness", "site/src", "benchmarks", "test"]);
        expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    }, 120_000);

    it("fails on a deliberately added upward import (util -> run, type-only) and a task importing a provider", async () => {
        const scratch = mkdtempSync(path.join(os.tmpdir(), "slmbench-layers-"));
        const write = (file: string, text: string) => {
            mkdirSync(path.dirname(path.join(scratch, file)), {recursive: true});
            writeFileSync(path.join(scratch, file), text);
        };
        write("tsconfig.json", readFileSync(path.join(PROJECT_DIR, "tsconfig.json"), "utf8"));
        write("harness/run/orchestrate.ts", "export interface Plan {steps: number}\n");
        write("harness/util/upward.ts", 'import type {Plan} from "../run/orchestrate.js";\nexport const steps = (plan: Plan) => plan.steps;\n');
        write("harness/providers/echo/index.ts", "export const echo = (text: string) => text;\n");
        write("harness/tasks/shout/index.ts", 'import {echo} from "../../providers/echo/index.js";\nexport const shout = (text: string) => echo(text).toUpperCase();\n');
        const found = await violations(scratch, ["harness"]);
        expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort()).toEqual([
            "tasks: harness/tasks/shout/index.ts -> harness/providers/echo/index.ts",
            "util: harness/util/upward.ts -> harness/run/orchestrate.ts"
        ]);
    }, 120_000);

    it("Astro pages and components (which dependency-cruiser does not parse) import only the result schema, contracts and util", () => {
        const allowed = /harness\/(results\/schema\.ts|tasks\/[^/]+\/contract\.ts|util\/[^/]+\.ts)$/;
        const astroFiles = readdirSync(path.join(PROJECT_DIR, "site/src"), {recursive: true, encoding: "utf8"}).filter((f) => f.endsWith(".astro"));
        expect(astroFiles.length).toBeGreaterThan(0);
        const imports = astroFiles.flatMap((file) => [...readFileSync(path.join(PROJECT_DIR, "site/src", file), "utf8")
            .matchAll(/from\s+["']([^"']*harness\/[^"']*)["']/g)].map((m) => `${file}: ${m[1]}`));
        expect(imports.filter((line) => !allowed.test(line))).toEqual([]);
    });
});
