// The build's contract about its input: every document is validated before anything is written;
// an invalid one fails the build, naming file and field, and leaves the previous site as it was
// (the build goes to a temporary folder swapped in on success). No results build a page that says
// how to produce some. Also checks a non-root base path. (SLMBENCH_SITE_SKIP_INVALID=1 is
// checked by site.test.ts, whose one build of the fixtures carries an invalid document.)
import fs from "node:fs";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeSiteFixtures} from "./fixtures.ts";
import {buildOutDir, buildSite, tempDir, type BuildResult} from "./helpers.ts";

const badDir = tempDir("bad-results");
const emptyDir = tempDir("empty-results");
const outDir = buildOutDir();
const BASE = {SLMBENCH_SITE_BASE: "/slmbench-test/"};
let bad: BuildResult;
let empty: BuildResult;
let before: Map<string, string>;
let after: Map<string, string>;

/** Every file of a built site with its content. */
function snapshot(dir: string): Map<string, string> {
    return new Map((fs.readdirSync(dir, {recursive: true}) as string[]).sort()
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

beforeAll(async () => {
    const {files} = writeSiteFixtures(badDir);
    const first = JSON.parse(fs.readFileSync(files[0]!, "utf8"));
    fs.mkdirSync(path.join(badDir, "nested"));
    fs.writeFileSync(path.join(badDir, "nested", "truncated-result.json"), '{"schemaVersion": 1, "kind": ');
    fs.writeFileSync(path.join(badDir, "wrong-status.json"), JSON.stringify({...first, trials: [{...first.trials[0], status: "maybe"}]}));
    const cells = first.scores.cells.map((c: object, i: number) => (i === 1 ? {...c, depth: 150} : c));
    fs.writeFileSync(path.join(badDir, "bad-niah-cell.json"), JSON.stringify({...first, scores: {...first.scores, cells}}));
    // STS: the scores block is checked with the STS schema, the per-pair records with the runner's shape.
    const sts = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith("Q4_K_M.gguf.sts-mini.json"))!, "utf8"));
    const drift = {...sts.scores.vsReference.drift, meanCosine: "high"};
    fs.writeFileSync(path.join(badDir, "bad-sts-drift.json"), JSON.stringify({...sts, scores: {...sts.scores, vsReference: {...sts.scores.vsReference, drift}}}));
    const output = sts.trials[0].output;
    const withOutput = (o: object) => ({...sts, trials: [{...sts.trials[0], output: {...output, ...o}}]});
    fs.writeFileSync(path.join(badDir, "bad-sts-similarity.json"), JSON.stringify(withOutput({similarity: output.similarity.map((v: number, i: number) => (i === 3 ? "0.5" : v))})));
    fs.writeFileSync(path.join(badDir, "bad-sts-gold-length.json"), JSON.stringify(withOutput({gold: output.gold.slice(1)})));
    // A paired change every task may record is checked whatever the task type.
    const generic = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith("Q4_0.gguf.gen-mini.json"))!, "utf8"));
    const mainDelta = {delta: 1, ci: [0, "2"], units: 8, unit: "pairs", method: "synthetic"};
    fs.writeFileSync(path.join(badDir, "bad-main-delta.json"), JSON.stringify({...generic, scores: {...generic.scores, vsReference: {mainDelta}}}));
    // One output folder, two builds: a site, then a failing build over it.
    empty = await buildSite(emptyDir, BASE, 110_000, outDir);
    before = snapshot(outDir);
    bad = await buildSite(badDir, BASE, 110_000, outDir);
    after = snapshot(outDir);
});

afterAll(() => {
    for (const dir of [badDir, emptyDir, outDir]) fs.rmSync(dir, {recursive: true, force: true});
});

describe("site build input checks", () => {
    it("fails on a malformed JSON file, naming it", () => {
        expect(bad.code).not.toBe(0);
        expect(bad.output).toContain(path.join(badDir, "nested", "truncated-result.json"));
        expect(bad.output).toMatch(/truncated-result\.json: not valid JSON/);
    });

    it("fails on a schema violation, naming the file and the field path", () => {
        expect(bad.output).toMatch(/wrong-status\.json: not a valid slmbench result\n\s+at trials\.0\.status:/);
        expect(bad.output).toMatch(/bad-niah-cell\.json: invalid NIAH scores block\n\s+at scores\.cells\.1\.depth:/);
        expect(bad.output).toMatch(/bad-sts-drift\.json: invalid STS scores block\n\s+at scores\.vsReference\.drift\.meanCosine:/);
        expect(bad.output).toMatch(/bad-sts-similarity\.json: invalid STS per-pair records\n\s+at trials\.0\.output\.similarity\.3:/);
        expect(bad.output).toMatch(/bad-sts-gold-length\.json: invalid STS per-pair records\n\s+at trials\.0\.output\.gold: 39 entries, but pairIds has 40/);
        expect(bad.output).toMatch(/bad-main-delta\.json: invalid paired change\n\s+at scores\.vsReference\.mainDelta\.ci\.1:/);
        expect(bad.output).toContain("SLMBENCH_SITE_SKIP_INVALID=1");
    });

    it("leaves the previous site exactly as it was when the build fails, with no temporary folder behind", () => {
        expect(empty.code, empty.output).toBe(0);
        expect(before.size).toBeGreaterThan(3);
        expect(after).toEqual(before);
        const siblings = fs.readdirSync(path.dirname(outDir)).filter((f) => f.startsWith(`${path.basename(outDir)}.`));
        expect(siblings).toEqual([]);
    });

    it("builds a how-to page from an empty results dir, under the configured base path", () => {
        const html = before.get("index.html")!;
        expect(html).toContain("No results yet");
        expect(html).toContain("npm run bench");
        expect(html, empty.output).toContain('href="/slmbench-test/tradeoff/"');
        expect(html).not.toMatch(/<tr data-family/);
        expect(before.has(path.join("tradeoff", "index.html"))).toBe(true);
    });
});
