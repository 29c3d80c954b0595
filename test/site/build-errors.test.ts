// The build's contract about its input: invalid results fail it, naming file and field;
// no results build a page that says how to produce some. Also checks a non-root base path.
import fs from "node:fs";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeSiteFixtures} from "./fixtures.ts";
import {buildSite, tempDir, type BuildResult} from "./helpers.ts";

const badDir = tempDir("bad-results");
const emptyDir = tempDir("empty-results");
let bad: BuildResult;
let empty: BuildResult;

beforeAll(async () => {
    const {files} = writeSiteFixtures(badDir);
    const valid = JSON.parse(fs.readFileSync(files[0]!, "utf8"));
    fs.mkdirSync(path.join(badDir, "nested"));
    fs.writeFileSync(path.join(badDir, "nested", "truncated-result.json"), '{"schemaVersion": 1, "kind": ');
    fs.writeFileSync(path.join(badDir, "wrong-status.json"), JSON.stringify({...valid, trials: [{...valid.trials[0], status: "maybe"}]}));
    const cells = valid.scores.cells.map((c: object, i: number) => (i === 1 ? {...c, depth: 150} : c));
    fs.writeFileSync(path.join(badDir, "bad-niah-cell.json"), JSON.stringify({...valid, scores: {...valid.scores, cells}}));
    // STS: the scores block is checked with the STS schema, the per-pair records with the runner's shape.
    const sts = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith("Q4_K_M.gguf.sts-mini.json"))!, "utf8"));
    const drift = {...sts.scores.vsReference.drift, meanCosine: "high"};
    fs.writeFileSync(path.join(badDir, "bad-sts-drift.json"), JSON.stringify({...sts, scores: {...sts.scores, vsReference: {...sts.scores.vsReference, drift}}}));
    const output = sts.trials[0].output;
    const withOutput = (o: object) => ({...sts, trials: [{...sts.trials[0], output: {...output, ...o}}]});
    fs.writeFileSync(path.join(badDir, "bad-sts-similarity.json"), JSON.stringify(withOutput({similarity: output.similarity.map((v: number, i: number) => (i === 3 ? "0.5" : v))})));
    fs.writeFileSync(path.join(badDir, "bad-sts-gold-length.json"), JSON.stringify(withOutput({gold: output.gold.slice(1)})));
    // Both builds at once: each is mostly waiting on a single-threaded bundler.
    [bad, empty] = await Promise.all([buildSite(badDir), buildSite(emptyDir, {SLMBENCH_SITE_BASE: "/slmbench-test/"})]);
});

afterAll(() => {
    for (const dir of [badDir, emptyDir, bad?.outDir, empty?.outDir]) if (dir) fs.rmSync(dir, {recursive: true, force: true});
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
    });

    it("builds a how-to page from an empty results dir, under the configured base path", () => {
        expect(empty.code, empty.output).toBe(0);
        const html = fs.readFileSync(path.join(empty.outDir, "index.html"), "utf8");
        expect(html).toContain("No results yet");
        expect(html).toContain("npm run bench");
        expect(html, empty.output).toContain('href="/slmbench-test/tradeoff/"');
        expect(html).not.toMatch(/<tr data-family/);
        expect(fs.existsSync(path.join(empty.outDir, "tradeoff", "index.html"))).toBe(true);
    });
});
