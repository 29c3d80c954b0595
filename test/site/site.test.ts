// Builds the site once from synthetic fixtures, serves it on 127.0.0.1 and checks it in
// Debian chromium: pages load cleanly and offline, charts draw, the leaderboard sorts and
// filters (state in the URL), and hostile model output stays text.
import fs from "node:fs";
import path from "node:path";
import type {Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {pairErrors, worstPairs} from "../../site/src/tasks/sts/lib.ts";
import {fmtP} from "../../site/src/tasks/niah/lib.ts";
import {fmt, fmtBytes, fmtDelta, fmtDrift, fmtInterval, fmtPct} from "../../site/src/lib/format.ts";
import {NIAH_EFFECTIVE_THRESHOLD, RULER_FIXTURE_TASKS, STS_XSS_PAIR, SYNTHETIC_MEMORY, writeSiteFixtures, XSS_TEXT} from "./fixtures.ts";
import {buildSite, chromiumPath, launchBrowser, paintedShare, serve, tempDir, watch, type BuildResult, type PageWatch} from "./helpers.ts";

let build: BuildResult;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let fixtures: ReturnType<typeof writeSiteFixtures>;
const resultsDir = tempDir("results");

/** An invalid document among the fixtures: the build leaves it out (SLMBENCH_SITE_SKIP_INVALID=1), naming it. */
const INVALID = "nested/truncated-result.json";

beforeAll(async () => {
    chromiumPath(); // fail fast, before the build, when chromium is missing
    fixtures = writeSiteFixtures(resultsDir);
    fs.mkdirSync(path.join(resultsDir, "nested"));
    fs.writeFileSync(path.join(resultsDir, INVALID), '{"schemaVersion": 1, "kind": ');
    // A run's errors.json (models that did not resolve) sits beside its documents: not a result, and not invalid.
    fs.writeFileSync(path.join(resultsDir, "nested", "errors.json"), JSON.stringify({kind: "slmbench.run-errors", runId: "synthetic-run-b",
        createdAt: "2025-01-02T00:00:00.000Z", suite: {name: "synthetic", hash: "0123456789ab"}, models: [{source: "missing.gguf", message: "model path not found"}], tasks: [], other: []}));
    build = await buildSite(resultsDir, {SLMBENCH_SITE_SKIP_INVALID: "1"});
    if (build.code !== 0) throw new Error(`astro build failed (exit ${build.code}):\n${build.output}`);
    server = await serve(build.outDir);
    browser = await launchBrowser();
});

afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const dir of [build?.outDir, resultsDir]) if (dir) fs.rmSync(dir, {recursive: true, force: true});
});

async function open(urlPath: string): Promise<{page: Page; w: PageWatch}> {
    const page = await browser.context.newPage();
    const w = watch(page);
    const response = await page.goto(server.origin + urlPath, {waitUntil: "load"});
    expect(response?.status(), urlPath).toBe(200);
    return {page, w};
}

/** Site-relative URLs of every built HTML page. */
function htmlPages(): string[] {
    return (fs.readdirSync(build.outDir, {recursive: true}) as string[])
        .filter((f) => f.endsWith("index.html"))
        .map((f) => `/${f.split(path.sep).join("/").replace(/index\.html$/, "")}`)
        .sort();
}

const pageDir = (section: string, ...parts: string[]) =>
    fs.readdirSync(path.join(build.outDir, section)).find((d) => parts.every((p) => d.includes(p)))!;

const visibleModels = (page: Page) =>
    page.$$eval("#leaderboard tbody tr:not([hidden]) a.model-name", (cells) => cells.map((c) => c.textContent!.trim()));
/** The fixtures' models: two ladders (llama 4 files, qwen 2), a hosted model and the built-in baseline. */
const MODELS = 8;
/** The default context: the longest every fixture model with weights was trained for (llama: 1,024 tokens). */
const DEFAULT_CONTEXT = 1024;
/** The leaderboard rows of a built home page (server-rendered). */
const leaderboardRows = (home: string) => home.slice(home.indexOf('<table id="leaderboard"')).match(/<tr data-family=/g) ?? [];

describe("site build from synthetic fixtures", () => {
    it("builds every kind of page", () => {
        const pages = htmlPages();
        for (const section of ["/", "/tradeoff/", "/ladders/", "/models/", "/niah/", "/runs/", "/sts/", "/fidelity/", "/glossary/"]) {
            expect(pages.some((p) => p.startsWith(section)), section).toBe(true);
        }
        expect(pages.filter((p) => p.startsWith("/runs/"))).toHaveLength(fixtures.files.length);
        expect(fs.existsSync(path.join(build.outDir, "404.html"))).toBe(true);
    });

    it("builds without an invalid document when SLMBENCH_SITE_SKIP_INVALID=1, naming it in a warning", () => {
        expect(build.output).toMatch(/skipping an invalid result \(SLMBENCH_SITE_SKIP_INVALID=1\): .*nested\/truncated-result\.json: not valid JSON/);
        expect(build.output).not.toMatch(/errors\.json/);
        const raw = (fs.readdirSync(path.join(build.outDir, "raw"), {recursive: true}) as string[]).filter((f) => f.endsWith(".json"));
        expect(raw).toHaveLength(fixtures.files.length);
        expect(raw.some((f) => f.endsWith("truncated-result.json"))).toBe(false);
    });

    it("loads every page with no console error, no request leaving 127.0.0.1, no NaN/undefined/null text, no wider than 1280 px", async () => {
        const page = await browser.context.newPage();
        const w = watch(page);
        for (const urlPath of htmlPages()) {
            w.problems.length = 0;
            const response = await page.goto(server.origin + urlPath, {waitUntil: "load"});
            expect(response?.status(), urlPath).toBe(200);
            expect(w.problems, urlPath).toEqual([]);
            const [scroll, inner, text] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth, document.body.innerText] as const);
            expect(scroll, urlPath).toBeLessThanOrEqual(inner);
            expect(text.match(/\b(NaN|undefined|null)\b/g), urlPath).toBeNull();
        }
        await page.close();
    });

    it("renders the tables server-side (no JS needed)", () => {
        const home = fs.readFileSync(path.join(build.outDir, "index.html"), "utf8");
        expect(leaderboardRows(home)).toHaveLength(MODELS);
        expect(home).toContain("tiny test models");
        expect(home).toContain("Synthetic data.");
        const tradeoff = fs.readFileSync(path.join(build.outDir, "tradeoff/index.html"), "utf8");
        expect(tradeoff).toContain("tradeoff-table");
        expect(tradeoff).toContain("file size"); // the F32 model has no RSS record
    });

    it("shows the newest run of a model and task on the leaderboard", async () => {
        const newest = JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.includes("run-b") && f.includes("llama-2m-F16.gguf.niah-short"))!, "utf8"));
        const {page} = await open("/");
        const row = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: /^synthetic-llama-2m-F16\.gguf$/})});
        const value = await row.locator("td[data-task='niah-short']:not(.effective)").getAttribute("data-v");
        expect(Number(value)).toBeCloseTo(newest.scores.main);
        await page.close();
    });

    it("draws the charts (non-blank canvases)", async () => {
        const targets = [
            "/tradeoff/",
            `/ladders/${pageDir("ladders", "synthetic-llama-2m")}/`,
            `/niah/${pageDir("niah", "llama-2m-q8-0")}/`,
            `/sts/${pageDir("sts", "llama-2m-q4-k-m")}/`
        ];
        for (const urlPath of targets) {
            const {page, w} = await open(urlPath);
            const canvases = await page.$$("canvas");
            expect(canvases.length, urlPath).toBeGreaterThan(0);
            for (let i = 0; i < canvases.length; i++) {
                expect(await paintedShare(page, `:nth-match(canvas, ${i + 1})`), `${urlPath} canvas ${i}`).toBeGreaterThan(0.02);
            }
            expect(w.problems).toEqual([]);
            await page.close();
        }
    });

    it("draws the NIAH grids with skipped cells and a difference map", async () => {
        const {page} = await open(`/niah/${pageDir("niah", "llama-2m-q8-0")}/`);
        expect(await page.locator("canvas[data-heatmap]").count()).toBe(3);
        const spec = JSON.parse((await page.locator("canvas[data-heatmap]").first().getAttribute("data-chart"))!);
        expect(spec.cells.some((c: {note?: string}) => c.note === "skipped")).toBe(true);
        await expect(page.getByText("prompt exceeds the model's context length").first().isVisible()).resolves.toBe(true);
        await page.close();
    });

    it("sorts by any column", async () => {
        const {page} = await open("/");
        const before = await visibleModels(page);
        // Models without local weights (hosted, built-in) have no size: last in either direction.
        const sizes = () => page.$$eval("#leaderboard tbody tr td[data-col=size]", (cells) => cells.map((c) => (c as HTMLElement).dataset.v!));
        await page.click("#leaderboard th[data-key='size'] button");
        const desc = await sizes();
        expect(desc.slice(-2)).toEqual(["", ""]);
        const known = desc.filter(Boolean).map(Number);
        expect(known).toEqual([...known].sort((a, b) => b - a));
        await page.click("#leaderboard th[data-key='size'] button");
        const bySizeAsc = await visibleModels(page);
        const asc = await sizes();
        expect(asc.slice(-2)).toEqual(["", ""]);
        expect(asc.filter(Boolean).map(Number)).toEqual([...known].reverse());
        expect(bySizeAsc).not.toEqual(before);
        expect(await page.getAttribute("#leaderboard th[data-key='size']", "aria-sort")).toBe("ascending");
        expect(page.url()).toContain("sort=size");
        await page.click("#leaderboard th[data-key='model'] button");
        expect(await visibleModels(page)).toEqual([...before].sort((a, b) => a.localeCompare(b)));
        await page.close();
    });

    it("filters by family, provider, task and size, writing the filter into the URL", async () => {
        const {page, w} = await open("/");
        expect(await visibleModels(page)).toHaveLength(MODELS);
        await page.selectOption("select[name=family]", "synthetic-qwen-1m");
        expect((await visibleModels(page)).sort()).toEqual(["synthetic-qwen-1m-F32.gguf", "synthetic-qwen-1m-Q4_0.gguf"]);
        expect(page.url()).toContain("family=synthetic-qwen-1m");
        await page.selectOption("select[name=family]", "");
        await page.selectOption("select[name=provider]", "hosted");
        expect(await visibleModels(page)).toEqual(["synthetic-hosted"]);
        await page.selectOption("select[name=provider]", "builtin");
        expect(await visibleModels(page)).toEqual(["jaccard"]);
        await page.selectOption("select[name=provider]", "");
        await page.selectOption("select[name=task]", "niah-xss");
        expect(await visibleModels(page)).toHaveLength(2);
        expect(await page.locator("#leaderboard th[data-task='sts-mini']").isHidden()).toBe(true);
        await page.selectOption("select[name=task]", "");
        await page.fill("input[name=maxMiB]", "2");
        expect(await visibleModels(page)).toHaveLength(2); // the two Q4 files, 0.6 and 1.2 MiB; models without weights have no size
        expect(page.url()).toContain("maxMiB=2");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("restores filter and sort state from the URL", async () => {
        const {page} = await open("/?family=synthetic-llama-2m&sort=bpw&dir=asc&quant=");
        expect(await page.inputValue("select[name=family]")).toBe("synthetic-llama-2m");
        // Q6_K and Q8_0 tie on bits per weight (same tensors): the server-side order (default task, then name) breaks the tie.
        expect(await visibleModels(page)).toEqual(["synthetic-llama-2m-Q4_K_M.gguf", "synthetic-llama-2m-Q6_K.gguf", "synthetic-llama-2m-Q8_0.gguf", "synthetic-llama-2m-F16.gguf"]);
        expect(await page.textContent("#row-count")).toBe(`4 of ${MODELS} models shown`);
        await page.close();
    });

    it("renders hostile model output as text", async () => {
        const {page, w} = await open(`/runs/${pageDir("runs", "q4-k-m", "niah-xss")}/`);
        await page.waitForTimeout(200);
        expect(w.dialogs).toEqual([]);
        const cell = page.locator("#trials .output", {hasText: XSS_TEXT}).first();
        expect(await cell.isVisible()).toBe(true);
        expect(await cell.textContent()).toBe(XSS_TEXT);
        const html = fs.readFileSync(path.join(build.outDir, "runs", pageDir("runs", "q4-k-m", "niah-xss"), "index.html"), "utf8");
        expect(html).not.toContain(XSS_TEXT);
        expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        await page.close();
    });

    it("links each run to its raw JSON, copied byte for byte", async () => {
        const {page} = await open(`/runs/${pageDir("runs", "q4-k-m", "niah-xss")}/`);
        const href = (await page.getAttribute("#raw-json", "href"))!;
        const response = await page.request.get(server.origin + href);
        expect(response.status()).toBe(200);
        expect(await response.text()).toBe(fs.readFileSync(fixtures.xssFile, "utf8"));
        await page.close();
    });

    it("highlights the models that fit a memory budget", async () => {
        // At the default context the llama files' estimates are 6.1, 7.0 and 8.8 MiB.
        const {page, w} = await open("/tradeoff/?budget=8");
        expect(await page.inputValue("#budget")).toBe("8");
        const fits = await page.locator("table.tradeoff-table").first().locator("tr.fits").count();
        expect(fits).toBeGreaterThan(0);
        await page.fill("#budget", "100000");
        expect(await page.locator("table.tradeoff-table").first().locator("tr.fits").count()).toBeGreaterThan(fits);
        expect(await paintedShare(page, "canvas")).toBeGreaterThan(0.02);
        expect(w.problems).toEqual([]);
        await page.close();
    });
});

describe("STS, fidelity and models without weights", () => {
    const stsDoc = (fileName: string) =>
        JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.endsWith(`${fileName}.sts-mini.json`))!, "utf8"));
    const html = (...parts: string[]) => fs.readFileSync(path.join(build.outDir, ...parts, "index.html"), "utf8");
    const q4Page = () => `/sts/${pageDir("sts", "llama-2m-q4-k-m")}/`;

    it("shows Spearman with its interval, the change from the reference with its CI, and embedding drift (no JS needed)", () => {
        const doc = stsDoc("synthetic-llama-2m-Q4_K_M.gguf");
        const vs = doc.scores.vsReference;
        const page = html("sts", pageDir("sts", "llama-2m-q4-k-m"));
        // Every figure is in the server-rendered HTML.
        expect(page).toContain(`<strong>${fmt(doc.scores.main)}</strong>`);
        expect(page).toContain(`95% interval ${fmtInterval(doc.scores.mainCi)}`);
        // The interval includes zero: the change is shown uncoloured.
        expect(vs.deltaCi[0]).toBeLessThan(0);
        expect(vs.deltaCi[1]).toBeGreaterThan(0);
        expect(page).toContain(`<strong class="delta-none">${fmtDelta(vs.deltaSpearman)}</strong>`);
        expect(page).toContain(fmtInterval(vs.deltaCi, true));
        expect(page).toContain(fmtDrift(vs.drift.meanCosine));
        expect(page).toContain(fmtDrift(vs.drift.minCosine));
        expect(page).toContain("rank percentiles"); // the worst-pairs definition is on the page
        // One table row per ladder file plus the built-in baseline.
        const ladderTable = page.slice(page.indexOf('<table class="sts-ladder"'), page.indexOf("</table>", page.indexOf('<table class="sts-ladder"')));
        expect(ladderTable.match(/<tr\b/g)).toHaveLength(1 + 4 + 1); // header, F16 Q8_0 Q6_K Q4_K_M, jaccard
        expect(ladderTable).toContain("jaccard");
        expect(ladderTable).toContain("synthetic-llama-2m-F16.gguf");
    });

    it("draws the Spearman intervals, the paired change and the drift, with their numbers in tables", async () => {
        const {page, w} = await open(q4Page());
        const specs = await page.$$eval("canvas[data-intervals]", (cs) => cs.map((c) => JSON.parse((c as HTMLElement).dataset.chart!)));
        expect(specs).toHaveLength(3);
        const doc = stsDoc("synthetic-llama-2m-Q4_K_M.gguf");
        const point = specs[0].series[0].points.find((p: {x: string}) => p.x === "Q4_K_M");
        expect(point).toMatchObject({y: doc.scores.main, lo: doc.scores.mainCi[0], hi: doc.scores.mainCi[1]});
        expect(specs[0].series.some((s: {label: string; line?: string}) => s.label.includes("jaccard") && s.line === "dashed")).toBe(true);
        expect(specs[1].series[0].points.find((p: {x: string}) => p.x === "Q4_K_M")).toMatchObject({lo: doc.scores.vsReference.deltaCi[0], hi: doc.scores.vsReference.deltaCi[1]});
        expect(specs[2].yLog).toBe(true);
        for (let i = 0; i < 3; i++) {
            expect(await paintedShare(page, `:nth-match(canvas[data-intervals], ${i + 1})`), `canvas ${i}`).toBeGreaterThan(0.02);
        }
        expect(await page.locator("table.sts-delta tbody tr").count()).toBe(3);
        expect(await page.locator("table.sts-drift tbody tr").count()).toBe(3);
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("lists the pairs a file gets most wrong, hostile sentence text rendered as text", async () => {
        const {page, w} = await open(q4Page());
        await page.waitForTimeout(200);
        expect(w.dialogs).toEqual([]);
        const doc = stsDoc("synthetic-llama-2m-Q4_K_M.gguf");
        const expected = worstPairs(doc.trials[0].output, 15).map((p) => p.id);
        const ids = await page.$$eval("table.sts-worst tbody tr td:nth-child(2)", (cells) => cells.map((c) => c.textContent!.trim()));
        expect(ids).toEqual(expected);
        expect(ids[0]).toBe(STS_XSS_PAIR); // gold 5, and the model finds it dissimilar
        // Its error: similarity percentile minus gold percentile, by an independent count.
        const out = doc.trials[0].output;
        const i = out.pairIds.indexOf(STS_XSS_PAIR);
        const below = (xs: number[], v: number) => xs.filter((x) => x < v).length + (xs.filter((x) => x === v).length - 1) / 2;
        const pct = (xs: number[], v: number) => (100 * below(xs, v)) / (xs.length - 1);
        const error = pct(out.similarity, out.similarity[i]) - pct(out.gold, out.gold[i]);
        expect(error).toBeCloseTo(pairErrors(out).find((p) => p.id === STS_XSS_PAIR)!.error, 9);
        const row = page.locator("table.sts-worst tbody tr").first();
        expect((await row.locator("td:nth-child(8)").textContent())!.trim()).toBe(fmtDelta(error));
        const text = row.locator("td.pair-text").first();
        expect(await text.isVisible()).toBe(true);
        expect(await text.textContent()).toContain(XSS_TEXT);
        const source = html("sts", pageDir("sts", "llama-2m-q4-k-m"));
        expect(source).not.toContain(XSS_TEXT);
        expect(source).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        expect(await page.locator("table.sts-changed tbody tr").count()).toBeGreaterThan(0);
        await page.close();
    });

    it("says when the results carry no sentence texts, and treats the built-in baseline as one", () => {
        const qwen = html("sts", pageDir("sts", "qwen-1m-q4-0"));
        expect(qwen).toContain("includeText: false");
        expect(qwen).not.toContain('class="pair-text"');
        const jaccard = html("sts", pageDir("sts", "jaccard"));
        expect(jaccard).toContain("built-in lexical baseline");
        expect(jaccard).toContain("a built-in baseline has no reference");
    });

    it("shows no size for models without local weights, and keeps them off the memory axis", async () => {
        const {page, w} = await open("/");
        for (const name of ["jaccard", "synthetic-hosted"]) {
            const row = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: new RegExp(`^${name}$`)})});
            for (const col of ["size", "bpw"]) {
                const cell = row.locator(`td[data-col=${col}]`);
                expect((await cell.textContent())!.trim(), `${name} ${col}`).toBe("—");
                expect(await cell.getAttribute("data-v")).toBe("");
            }
        }
        expect(await page.locator("#leaderboard tbody tr", {hasText: "jaccard"}).locator("td[data-col=provider]").textContent()).toBe("built-in");
        expect(html()).not.toMatch(/>\s*0 B\s*</);
        await page.close();
        const tradeoff = html("tradeoff");
        expect(tradeoff).not.toMatch(/>\s*0 B\s*</);
        const t = await open("/tradeoff/");
        const specs = await t.page.$$eval("canvas[data-scatter]", (cs) => cs.map((c) => JSON.parse((c as HTMLElement).dataset.chart!)));
        for (const spec of specs) {
            const names = spec.series[0].points.map((p: {name: string}) => p.name);
            expect(names).not.toContain("jaccard");
            expect(names).not.toContain("synthetic-hosted");
        }
        const sts = JSON.parse((await t.page.locator("section[data-task='sts-mini'] canvas[data-scatter]").getAttribute("data-chart"))!);
        expect(sts.series.some((s: {label: string; dashed?: boolean}) => s.label.startsWith("jaccard") && s.dashed)).toBe(true);
        expect(await t.page.locator("tr.unsized", {hasText: "jaccard"}).first().textContent()).toContain("no local weights");
        expect([...w.problems, ...t.w.problems]).toEqual([]);
        await t.page.close();
    });

    it("adds the paired change, drift, KLD and top-1 agreement to the ladder page", () => {
        const ladder = html("ladders", pageDir("ladders", "synthetic-llama-2m"));
        const doc = stsDoc("synthetic-llama-2m-Q8_0.gguf");
        expect(ladder).toContain(fmtDelta(doc.scores.vsReference.mainDelta.delta));
        expect(ladder).toContain(fmtInterval(doc.scores.vsReference.mainDelta.ci, true));
        expect(ladder).toContain(fmtDrift(doc.scores.vsReference.drift.meanCosine));
        expect(ladder).toContain('class="fidelity-table"');
        const fidelity = JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.endsWith("synthetic-llama-2m-Q4_K_M.gguf.fidelity-mini.json"))!, "utf8"));
        expect(ladder).toContain(fmtPct(fidelity.scores.top1Agreement));
        expect(ladder).toContain(fmt(fidelity.scores.kldP99));
    });
});

describe("NIAH comparison, effective context, lower-is-better ranking and memory at a context", () => {
    const html = (...parts: string[]) => fs.readFileSync(path.join(build.outDir, ...parts, "index.html"), "utf8");
    const docOf = (suffix: string) => JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.includes("run-b") && f.endsWith(suffix))!, "utf8"));
    const rowHtml = (page: string, marker: string, from = 0) => {
        const at = page.indexOf(marker, from);
        expect(at, marker).toBeGreaterThan(-1);
        return page.slice(page.lastIndexOf("<tr", at), page.indexOf("</tr>", at));
    };
    const text = (fragment: string) => fragment.replace(/<[^>]*>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/\s+/g, " ");

    it("adds an effective-context column per NIAH task to the leaderboard, with the rule in the header (no JS needed)", () => {
        const home = html();
        const header = home.slice(home.indexOf('data-key="ctx:niah-short"'), home.indexOf("</th>", home.indexOf('data-key="ctx:niah-short"')));
        expect(header).toContain(`stringMatch &gt; ${NIAH_EFFECTIVE_THRESHOLD}`);
        expect(home).not.toContain('data-key="ctx:sts-mini"');
        const cell = (file: string, task: string) => {
            // The leaderboard's row (the RULER table above it links the same files).
            const row = rowHtml(home, `>${file}</a>`, home.indexOf('<table id="leaderboard"'));
            const at = row.indexOf(`data-col="ctx:${task}"`);
            return row.slice(row.lastIndexOf("<td", at), row.indexOf("</td>", at));
        };
        const q4 = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json");
        expect(q4.scores.effectiveContext.length).toBe(1024);
        expect(text(cell("synthetic-llama-2m-Q4_K_M.gguf", "niah-short"))).toContain("1,024");
        // Below the threshold already at the shortest length: "< 256", sorted below every length.
        expect(docOf("synthetic-qwen-1m-Q4_0.gguf.niah-short.json").scores.effectiveContext.length).toBeNull();
        const none = cell("synthetic-qwen-1m-Q4_0.gguf", "niah-short");
        expect(text(none)).toContain("< 256");
        expect(none).toContain('data-v="0"');
        // No STS column grows one; models without the task show a dash.
        expect(text(cell("jaccard", "niah-short"))).toContain("—");
    });

    it("links each leaderboard score to the page that explains it: NIAH heatmaps, STS details, else the run document", () => {
        const home = html();
        const row = rowHtml(home, ">synthetic-llama-2m-Q8_0.gguf</a>");
        const linkOf = (task: string) => {
            const at = row.indexOf(`data-task="${task}"`, row.indexOf("<td"));
            const cell = row.slice(row.lastIndexOf("<td", at), row.indexOf("</td>", at));
            return /<a href="([^"]+)"/.exec(cell)?.[1];
        };
        const niahLink = linkOf("niah-short")!;
        const stsLink = linkOf("sts-mini")!;
        const fidelityLink = linkOf("fidelity-mini")!;
        expect(niahLink).toMatch(/\/niah\/[^/]+\/$/);
        expect(stsLink).toMatch(/\/sts\/[^/]+\/$/);
        expect(fidelityLink).toMatch(/\/runs\/[^/]+\/$/);
        for (const link of [niahLink, stsLink, fidelityLink]) expect(fs.existsSync(path.join(build.outDir, link, "index.html")), link).toBe(true);
        expect(html(...fidelityLink.split("/").filter(Boolean))).toContain("fidelity-mini");
    });

    it("gives every heatmap a colour legend in HTML: 0-100 for string match, symmetric around 0 for differences", () => {
        const page = html("niah", pageDir("niah", "llama-2m-q8-0"));
        const figures = page.split('<figure class="chart heatmap"').slice(1);
        expect(figures.length).toBeGreaterThanOrEqual(3);
        const legendOf = (figure: string) => {
            const legend = figure.slice(figure.indexOf('class="heatmap-legend'), figure.indexOf("</figure>"));
            return [...legend.matchAll(/class="legend-tick">([^<]*)</g)].map((m) => m[1]);
        };
        for (const figure of figures) expect(figure).toContain("legend-hatch");
        const stringMatch = figures.find((f) => f.includes("string match (0-100)") && !f.includes("minus reference"))!;
        expect(legendOf(stringMatch)).toEqual(["0", "100"]);
        // The difference map is centred on 0: its ends are the largest absolute cell difference, with opposite signs.
        const delta = figures.find((f) => f.includes("minus reference"))!;
        const [lo, hi] = legendOf(delta).map((t) => Number(t!.replace("\u2212", "-").replace(",", "")));
        expect(lo).toBeLessThan(0);
        expect(hi).toBe(-lo!);
        const spec = JSON.parse(delta.match(/data-chart="([^"]*)"/)![1]!.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
        const largest = Math.max(...spec.cells.filter((c: {v: number | null}) => c.v !== null).map((c: {v: number}) => Math.abs(c.v)));
        expect(hi).toBeCloseTo(largest, 0);
    });

    it("shows an LLM judge's scores as a heatmap and table columns on the NIAH page of a judged model only", () => {
        const judged = docOf("synthetic-hosted.niah-short.json");
        expect(judged.scores.judge).toBeGreaterThanOrEqual(1);
        const page = html("niah", pageDir("niah", "synthetic-hosted"));
        expect(page).toContain("niah-short: judge score (1-10)");
        const table = page.slice(page.indexOf('class="niah-cells"'));
        expect(text(table.slice(0, table.indexOf("</thead>")))).toContain("Judge");
        // The 256-token, depth-0 row carries the cell's mean judge score.
        const cell = judged.scores.cells.find((c: {length: number; depth: number}) => c.length === 256 && c.depth === 0);
        const row = table.slice(table.indexOf("<tr", table.indexOf("<tbody")), table.indexOf("</tr>", table.indexOf("<tbody")));
        expect(row).toContain(`data-v="${cell.judge}"`);
        const plain = html("niah", pageDir("niah", "llama-2m-q8-0"));
        expect(plain).not.toContain("judge score (1-10)");
        expect(docOf("synthetic-llama-2m-Q8_0.gguf.niah-short.json").scores.judge).toBeUndefined();
    });

    it("sorts by a task's score by default (not fidelity), shows a reference's own fidelity as \"reference\", and ranks fidelity lower-is-better on click", async () => {
        const home = html();
        // The server-side order: niah-short (the across-ladder task most models have), best first.
        const order = [...home.matchAll(/data-col="task:niah-short" data-task="niah-short" data-v="([^"]*)"/g)].map((m) => m[1]!);
        const known = order.filter(Boolean).map(Number);
        expect(known.length).toBeGreaterThan(3);
        expect(known).toEqual([...known].sort((a, b) => b - a));
        expect(home).toMatch(/mean KLD \(nats\) ↓/);
        const {page, w} = await open("/");
        expect(await page.getAttribute("#leaderboard th[data-key='task:niah-short']", "aria-sort")).toBe("descending");
        expect(page.url()).not.toContain("sort=");
        const f16 = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: /^synthetic-llama-2m-F16\.gguf$/})});
        const own = f16.locator("td[data-col='task:fidelity-mini']");
        expect((await own.locator("a").textContent())!.trim()).toBe("reference");
        expect(await own.getAttribute("data-v")).toBe("");
        const values = () => page.$$eval("#leaderboard tbody tr:not([hidden]) td[data-col='task:fidelity-mini']", (cells) => cells.map((c) => (c as HTMLElement).dataset.v!));
        await page.click("#leaderboard th[data-key='task:fidelity-mini'] button");
        expect(await page.getAttribute("#leaderboard th[data-key='task:fidelity-mini']", "aria-sort")).toBe("ascending");
        const best = (await values()).filter(Boolean).map(Number);
        expect(best).toHaveLength(3);
        expect(best).toEqual([...best].sort((a, b) => a - b));
        expect((await visibleModels(page))[0]).toMatch(/synthetic-llama-2m-(Q8_0|Q6_K)\.gguf/);
        // Fidelity is within-ladder: no ranks; the rank column falls back to the default task.
        expect(await page.textContent("#leaderboard .rank-task")).toBe("niah-short");
        await page.click("#leaderboard th[data-key='task:fidelity-mini'] button");
        const worst = (await values()).filter(Boolean).map(Number);
        expect(worst).toEqual([...worst].sort((a, b) => b - a));
        expect((await values()).slice(-1)).toEqual([""]); // no score: last either way
        // Higher-is-better columns still start best-first (descending).
        await page.click("#leaderboard th[data-key='task:sts-mini'] button");
        expect(await page.getAttribute("#leaderboard th[data-key='task:sts-mini']", "aria-sort")).toBe("descending");
        expect(await page.textContent("#leaderboard .rank-task")).toBe("sts-mini");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("lists flips, their p-value, Δ lift with its paired CI and effective context per file on the ladder page", async () => {
        const ladderDir = pageDir("ladders", "synthetic-llama-2m");
        const ladder = html("ladders", ladderDir);
        const vs = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json").scores.vsReference;
        const table = ladder.slice(ladder.indexOf('class="niah-flips"'));
        const row = text(rowHtml(table, 'data-quant="Q4_K_M"'));
        for (const part of [
            "1,024", String(vs.pairedTrials), `${vs.flips.rightToWrong} ${vs.flips.wrongToRight} ${fmtP(vs.flips.p)}`,
            `${vs.liftFlips.rightToWrong} ${vs.liftFlips.wrongToRight} ${fmtP(vs.liftFlips.p)}`,
            fmtDelta(vs.deltaLift), fmtInterval(vs.deltaLiftCi, true)
        ]) expect(row, part).toContain(part);
        // The flip test runs over (length, trial) groups: its verdict follows its p-value.
        expect(vs.flips.test).toMatch(/sign-flip test over \(length, trial\) groups/);
        expect(row).toContain(vs.flips.p < 0.05 ? "worse than the reference" : "no clear change");
        const {page, w} = await open(`/ladders/${ladderDir}/`);
        const spec = JSON.parse((await page.locator("section[data-task='niah-short'] canvas[data-intervals]").getAttribute("data-chart"))!);
        expect(spec.series[0].points.find((pt: {x: string}) => pt.x === "Q4_K_M")).toMatchObject({y: vs.deltaLift, lo: vs.deltaLiftCi[0], hi: vs.deltaLiftCi[1]});
        expect(spec.series[0].points.map((pt: {x: string}) => pt.x)).toEqual(["Q8_0", "Q6_K", "Q4_K_M"]);
        expect(await paintedShare(page, "section[data-task='niah-short'] canvas[data-intervals]")).toBeGreaterThan(0.02);
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("shows effective context, flips and Δ lift beside the NIAH difference map", () => {
        const qwen = text(html("niah", pageDir("niah", "qwen-1m-q4-0")));
        const vs = docOf("synthetic-qwen-1m-Q4_0.gguf.niah-short.json").scores.vsReference;
        expect(qwen).toMatch(/Effective context\s*:\s*< 256 tokens \(measured from 256 tokens\)/);
        expect(qwen).toContain(`${vs.flips.rightToWrong} right→wrong, ${vs.flips.wrongToRight} wrong→right of ${vs.flips.pairs} paired trials`);
        expect(qwen).toContain(`${fmtDelta(vs.deltaLift)} nats`);
        expect(qwen).toContain(fmtInterval(vs.deltaLiftCi, true));
        const reference = html("niah", pageDir("niah", "llama-2m-f16"));
        expect(text(reference)).toMatch(/Effective context\s*:\s*1,024 tokens/);
        expect(reference).not.toContain('class="niah-compare"');
    });

    it("estimates memory at a context length for models that record it, and the context control moves the points", async () => {
        const q4 = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json").model;
        const f32 = docOf("synthetic-qwen-1m-F32.gguf.niah-short.json").model;
        expect(q4.memory).toEqual(SYNTHETIC_MEMORY);
        expect(f32.memory).toBeUndefined();
        const at = (context: number) => q4.bytes + SYNTHETIC_MEMORY.kvBytesPerToken * context + SYNTHETIC_MEMORY.overheadBytes;
        // Server-side: the estimate at the default context (2K), the fallback marked as such.
        const tradeoff = html("tradeoff");
        const niahTable = tradeoff.slice(tradeoff.indexOf('<section data-task="niah-short"'));
        const q4Row = text(rowHtml(niahTable, ">synthetic-llama-2m-Q4_K_M.gguf</a>"));
        expect(q4Row).toContain(fmtBytes(at(DEFAULT_CONTEXT)));
        expect(q4Row).toContain("estimate at 1K tokens");
        expect(text(rowHtml(niahTable, ">synthetic-qwen-1m-F32.gguf</a>"))).toContain(`${fmtBytes(f32.bytes)} file size (no estimate`);

        const {page, w} = await open("/tradeoff/?budget=8");
        const section = page.locator("section[data-task='niah-short']");
        const plotted = async () => JSON.parse((await section.locator("canvas[data-scatter]").getAttribute("data-plotted"))!);
        const xOf = (p: {points: {name: string; x: number}[]}, name: string) => p.points.find((pt) => pt.name === name)!.x;
        const before = await plotted();
        expect(before.context).toBe(DEFAULT_CONTEXT);
        expect(xOf(before, q4.fileName)).toBeCloseTo(at(DEFAULT_CONTEXT) / 2 ** 20, 6);
        const fitsBefore = await section.locator("tr.fits").count();
        // Only trained lengths are offered (the longest fixture model: 2,048 tokens), the one beyond the llama files' 1,024 marked.
        const options = await page.$$eval("#context option", (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent!.trim()]));
        expect(options.map(([v]) => Number(v))).toEqual([256, 512, 1024, 2048]);
        expect(options.at(-1)![1]).toContain("beyond the trained context of 4 models");
        await page.selectOption("#context", "2048");
        const after = await plotted();
        expect(after.context).toBe(2048);
        expect(xOf(after, q4.fileName)).toBeCloseTo(at(2048) / 2 ** 20, 6);
        expect(xOf(after, f32.fileName)).toBe(xOf(before, f32.fileName)); // no estimate: the same at every context
        expect(page.url()).toContain("context=2048");
        expect(page.url()).toContain("budget=8");
        // The table, the Pareto front and the budget follow the context.
        const row = section.locator("tr", {hasText: q4.fileName});
        expect((await row.locator("td.mem").textContent())!.trim()).toBe(fmtBytes(at(2048)));
        expect(await row.locator("td.mem-source").textContent()).toContain("2K");
        expect(await section.locator("tr.fits").count()).toBeLessThan(fitsBefore);
        const tableFront = await section.locator("tr[data-mem]").evaluateAll((rows) =>
            rows.filter((r) => r.querySelector(".front")!.textContent === "yes").map((r) => r.querySelector("a")!.textContent));
        expect([...tableFront].sort()).toEqual([...after.front].sort());
        expect(await paintedShare(page, "section[data-task='niah-short'] canvas[data-scatter]")).toBeGreaterThan(0.02);
        // Restored from the URL.
        await page.goto(`${server.origin}/tradeoff/?context=512`, {waitUntil: "load"});
        expect(await page.inputValue("#context")).toBe("512");
        expect(xOf(await plotted(), q4.fileName)).toBeCloseTo(at(512) / 2 ** 20, 6);
        // A length the page does not offer (a stale link) falls back to the default.
        await page.goto(`${server.origin}/tradeoff/?context=32768`, {waitUntil: "load"});
        expect(await page.inputValue("#context")).toBe(String(DEFAULT_CONTEXT));
        expect(w.problems).toEqual([]);
        await page.close();
    });
});

describe("which quant, of which model: frontiers, verdicts, honest marks, units, mobile", () => {
    const html = (...parts: string[]) => fs.readFileSync(path.join(build.outDir, ...parts, "index.html"), "utf8");
    const docOf = (suffix: string) => JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.includes("run-b") && f.endsWith(suffix))!, "utf8"));
    type Dataset = {label: string; data: {labels?: string[]; ref?: boolean; group?: string; name?: string; level?: string}[]};
    /** Every chart's datasets on the page, read through window.Chart. */
    const datasetsOf = (page: Page, selector: string) => page.$$eval(selector, (canvases) => canvases.map((c) => {
        const chart = (window as unknown as {Chart: {getChart(c: Element): {data: {datasets: unknown[]}} | undefined}}).Chart.getChart(c);
        return JSON.parse(JSON.stringify(chart?.data.datasets ?? null)) as unknown;
    })) as Promise<Dataset[][]>;

    it("draws a frontier per across-ladder task on the home page: a line per ladder, a label per point, the reference starred, same tensors as one point", async () => {
        const {page, w} = await open("/");
        const charts = await datasetsOf(page, "section.frontier canvas[data-frontier]");
        expect(await page.$$eval("section.frontier", (s) => s.map((x) => (x as HTMLElement).dataset.task))).toEqual(["gen-mini", "niah-short", "niah-xss", "sts-mini"]);
        const niah = charts[1]!;
        const ladders = niah.filter((d) => d.data.some((p) => p.labels));
        expect(ladders.map((d) => d.label).sort()).toEqual(["synthetic-llama-2m", "synthetic-qwen-1m"]);
        const llama = ladders.find((d) => d.label === "synthetic-llama-2m")!;
        // F16, Q8_0 = Q6_K (identical tensors: one point with both labels), Q4_K_M.
        expect(llama.data.map((p) => p.labels)).toEqual([["Q4_K_M"], ["Q8_0", "Q6_K"], ["F16"]]);
        expect(llama.data.filter((p) => p.ref).map((p) => p.labels)).toEqual([["F16"]]);
        // The hosted model is a labelled horizontal line.
        const level = niah.find((d) => d.data.some((p) => p.level))!;
        expect(level.label).toContain("synthetic-hosted");
        expect(new Set(level.data.map((p) => (p as {y?: number}).y)).size).toBe(1);
        // The x toggle redraws on bits per weight and keeps it in the URL.
        await page.check("#frontier-x input[value=bpw]");
        expect(page.url()).toContain("x=bpw");
        expect(await page.getAttribute("section.frontier canvas[data-frontier]", "data-x")).toBe("bpw");
        expect(await paintedShare(page, "section.frontier canvas[data-frontier]")).toBeGreaterThan(0.02);
        // Fidelity is within-ladder: a note and a link, no frontier.
        expect(await page.locator("section[data-task='fidelity-mini'] canvas").count()).toBe(0);
        expect(await page.locator("section[data-task='fidelity-mini'] a[href='/fidelity/']").count()).toBe(1);
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("never puts two ladders in one fidelity series or front (fidelity scoreboard, trade-off, ladder pages)", async () => {
        const {page, w} = await open("/fidelity/");
        const charts = await datasetsOf(page, "canvas[data-scatter]");
        expect(charts).toHaveLength(1);
        for (const dataset of charts[0]!) {
            expect(new Set(dataset.data.map((p) => p.group))).toEqual(new Set([dataset.label]));
        }
        expect(await paintedShare(page, "canvas[data-scatter]")).toBeGreaterThan(0.02);
        await page.close();
        const t = await open("/tradeoff/");
        expect(await t.page.locator("section[data-task='fidelity-mini'] canvas").count()).toBe(0);
        await t.page.close();
        expect([...w.problems, ...t.w.problems]).toEqual([]);
    });

    it("lists every ladder x level on the fidelity scoreboard with PPL ratio, KLD percentiles and same-top-p; the reference says so", () => {
        const page = html("fidelity");
        const q4 = docOf("synthetic-llama-2m-Q4_K_M.gguf.fidelity-mini.json").scores;
        const rowOf = (quant: string) => {
            const at = page.indexOf(`data-quant="${quant}"`);
            return page.slice(at, page.indexOf("</tr>", at));
        };
        const row = rowOf("Q4_K_M");
        for (const v of [fmt(q4.ppl / q4.pplReference), fmt(q4.meanKld), fmt(q4.kldP99), fmt(q4.kldP999), fmt(q4.maxKld), fmtPct(q4.top1Agreement), "top-32"]) expect(row, v).toContain(v);
        expect(rowOf("F16")).toContain("reference");
        expect([...page.matchAll(/data-quant="([^"]+)"/g)].map((m) => m[1])).toEqual(["F16", "Q8_0", "Q6_K", "Q4_K_M"]);
    });

    it("gives each level's change with its paired interval and the verdict, coloured only when the interval excludes zero", () => {
        const home = html();
        const table = home.slice(home.indexOf('<table class="verdicts" data-task="niah-short"'));
        const rowOf = (family: string, quant: string) => {
            const at = table.indexOf(`data-family="${family}" data-quant="${quant}"`);
            return table.slice(at, table.indexOf("</tr>", at));
        };
        const q4 = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json").scores.vsReference.mainDelta;
        expect(q4.ci[1]).toBeLessThan(0);
        expect(rowOf("synthetic-llama-2m", "Q4_K_M")).toContain(`class="num delta-neg"`);
        expect(rowOf("synthetic-llama-2m", "Q4_K_M")).toContain(fmtInterval(q4.ci, true));
        expect(rowOf("synthetic-llama-2m", "Q4_K_M")).toMatch(/verdict-worse">worse</);
        const q8 = docOf("synthetic-llama-2m-Q8_0.gguf.niah-short.json").scores.vsReference.mainDelta;
        expect(q8.ci[0]).toBeLessThan(0);
        expect(q8.ci[1]).toBeGreaterThan(0);
        expect(rowOf("synthetic-llama-2m", "Q8_0")).toContain(`class="num delta-none"`);
        expect(rowOf("synthetic-llama-2m", "Q8_0")).toContain("within noise");
        expect(rowOf("synthetic-llama-2m", "Q8_0")).toContain("clusters (length, trial)");
        expect(rowOf("synthetic-llama-2m", "F16")).toContain("reference");
        // The ladder page uses the same rule: STS's changes all include zero, so none is coloured.
        const ladder = html("ladders", pageDir("ladders", "synthetic-llama-2m"));
        const sts = ladder.slice(ladder.indexOf('<section data-task="sts-mini"'), ladder.indexOf("</section>", ladder.indexOf('<section data-task="sts-mini"')));
        expect(sts).not.toMatch(/delta-(pos|neg)/);
        expect(sts).toContain("within noise");
    });

    it("badges same-tensor files and labels that do not match the tensors; marks partial scores and leaves them unranked", async () => {
        const home = html();
        expect(home).toContain("same tensors as Q8_0");
        expect(home).toContain("same tensors as Q6_K");
        expect(home).toMatch(/label ≠ tensors \(Q8_0\)/);
        const ladder = html("ladders", pageDir("ladders", "synthetic-llama-2m"));
        expect(ladder).toContain("same tensors as Q8_0");
        // The ladder chart draws the two as one point with both labels.
        const spec = JSON.parse(ladder.match(/data-scatter data-chart="([^"]*)"/)![1]!.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
        expect(spec.series[0].points.map((p: {name: string}) => p.name)).toContain("Q8_0 = Q6_K");
        const partial = docOf("synthetic-qwen-1m-Q4_0.gguf.niah-xss.json");
        expect(partial.partial).toBe(true);
        const {page, w} = await open("/?sort=task:niah-xss&dir=desc");
        const row = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: /^synthetic-qwen-1m-Q4_0\.gguf$/})});
        const cell = row.locator("td[data-col='task:niah-xss']");
        expect(await cell.locator(".badge-partial").textContent()).toBe("partial");
        expect(await cell.getAttribute("data-rank")).toBe("");
        expect((await row.locator("td[data-col=rank]").textContent())!.trim()).toBe("—");
        expect(await page.textContent("#leaderboard .rank-task")).toBe("niah-xss");
        const other = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: /^synthetic-llama-2m-Q4_K_M\.gguf$/})});
        expect((await other.locator("td[data-col=rank]").textContent())!.trim()).toBe("1");
        // n under every score.
        expect(await other.locator("td[data-col='task:sts-mini'] .n").textContent()).toBe("n = 40 pairs");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("round-trips the column picker, search and sort through the URL, and fits 1280 px with the model column sticky", async () => {
        const {page, w} = await open("/");
        const wrap = () => page.$eval("#leaderboard-wrap", (el) => [el.scrollWidth, el.clientWidth]);
        // The fixtures show six column groups by default (five tasks, two of them test-only, and RULER's
        // headline): one more than 1280 px holds. The demo results with RULER fit; here, without RULER's column.
        await page.click("details.column-picker summary");
        await page.uncheck("input[name=col][value='ruler:avg:stringMatch']");
        const [scroll, client] = await wrap();
        expect(scroll).toBeLessThanOrEqual(client);
        await page.check("input[name=col][value='ruler:avg:stringMatch']");
        await page.click("details.column-picker summary");
        expect(await page.isVisible("#leaderboard th[data-col=family]")).toBe(false);
        await page.click("details.column-picker summary");
        await page.check("input[name=col][value=family]");
        await page.uncheck("input[name=col][value=bpw]");
        await page.fill("input[name=q]", "qwen");
        await page.click("#leaderboard th[data-key='size'] button");
        expect(await visibleModels(page)).toEqual(["synthetic-qwen-1m-F32.gguf", "synthetic-qwen-1m-Q4_0.gguf"]);
        const url = new URL(page.url());
        expect(url.searchParams.get("q")).toBe("qwen");
        expect(url.searchParams.get("sort")).toBe("size");
        expect(url.searchParams.get("cols")!.split(",")).toContain("family");
        expect(url.searchParams.get("cols")!.split(",")).not.toContain("bpw");
        const again = await browser.context.newPage();
        await again.goto(url.toString(), {waitUntil: "load"});
        expect(await again.inputValue("input[name=q]")).toBe("qwen");
        expect(await again.isVisible("#leaderboard th[data-col=family]")).toBe(true);
        expect(await again.isVisible("#leaderboard th[data-col=bpw]")).toBe(false);
        expect(await again.getAttribute("#leaderboard th[data-key=size]", "aria-sort")).toBe("descending");
        expect(await visibleModels(again)).toEqual(["synthetic-qwen-1m-F32.gguf", "synthetic-qwen-1m-Q4_0.gguf"]);
        // Scrolled sideways (narrow screen), the model column stays in view.
        await again.setViewportSize({width: 390, height: 800});
        await again.$eval("#leaderboard-wrap", (el) => el.scrollBy(400, 0));
        const left = await again.$eval("#leaderboard tbody tr:not([hidden]) td.sticky", (td) => td.getBoundingClientRect().left);
        const wrapLeft = await again.$eval("#leaderboard-wrap", (el) => el.getBoundingClientRect().left);
        expect(Math.abs(left - wrapLeft)).toBeLessThan(2);
        await again.close();
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("is no wider than the screen at 390 px on any kind of page, and says where a chart's numbers are without JavaScript", async () => {
        const kinds = new Map<string, string>();
        for (const p of htmlPages()) kinds.set(p.split("/")[1] ?? "", kinds.get(p.split("/")[1] ?? "") ?? p);
        const page = await browser.context.newPage();
        const w = watch(page);
        await page.setViewportSize({width: 390, height: 844});
        for (const urlPath of [...kinds.values(), "/404.html"]) {
            await page.goto(server.origin + urlPath, {waitUntil: "load"});
            const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
            expect(scroll, urlPath).toBeLessThanOrEqual(inner!);
        }
        expect(w.problems.filter((p) => !p.includes("404"))).toEqual([]);
        await page.close();
        for (const file of [html(), html("fidelity"), html("niah", pageDir("niah", "llama-2m-q8-0"))]) {
            const canvases = file.match(/<canvas\b/g)!.length;
            expect(file.match(/<canvas\b[^>]*><\/canvas>\s*<noscript><p class="nojs-note">[^<]*numbers are in the table below/g)).toHaveLength(canvases);
        }
    });

    it("links every glossary term to an entry that exists, and has a 404 page", () => {
        const glossary = html("glossary");
        const ids = new Set([...glossary.matchAll(/<dt id="([^"]+)"/g)].map((m) => m[1]));
        for (const term of ["lift", "kld", "same-top-p", "effective-context", "drift", "paired-interval"]) expect(ids.has(term), term).toBe(true);
        const linked = new Set<string>();
        for (const urlPath of htmlPages()) {
            const file = fs.readFileSync(path.join(build.outDir, ...urlPath.split("/").filter(Boolean), "index.html"), "utf8");
            for (const m of file.matchAll(/href="\/glossary\/#([^"]+)"/g)) linked.add(m[1]!);
        }
        expect([...linked].filter((id) => !ids.has(id))).toEqual([]);
        expect(linked.size).toBeGreaterThan(10);
        expect(fs.readFileSync(path.join(build.outDir, "404.html"), "utf8")).toContain("Page not found");
    });
});

describe("RULER: the table RULER papers print, per model and against the reference", () => {
    const html = (...parts: string[]) => fs.readFileSync(path.join(build.outDir, ...parts, "index.html"), "utf8");
    const rulerDoc = (run: string, fileName: string, task: string) =>
        JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.includes(run) && f.endsWith(`${fileName}.${task}.json`))!, "utf8"));
    const Q4 = "synthetic-qwen-1m-Q4_0.gguf";
    const F32 = "synthetic-qwen-1m-F32.gguf";
    const q4Page = () => `/ruler/${pageDir("ruler", "qwen-1m-q4-0")}/`;
    const f32Page = () => `/ruler/${pageDir("ruler", "qwen-1m-f32")}/`;
    /** RULER's order of the fixture's tasks (written out of order). */
    const ORDER = ["niah_single_1", "niah_multikey_2", "vt", "cwe"];
    const LENGTHS = [512, 1024, 2048];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    /** Text of the cells of a table row, for the live page. */
    const cellsOf = (page: Page, selector: string) => page.$$eval(selector, (cells) => cells.map((c) => ({
        text: (c as HTMLElement).innerText.trim(), v: (c as HTMLElement).dataset.v, cls: c.className, title: c.getAttribute("title") ?? ""
    })));

    it("renders tasks as rows in RULER's order, lengths as columns, the main score first, the average row and the missing tasks (no JS needed)", async () => {
        const source = html("ruler", pageDir("ruler", "qwen-1m-q4-0"));
        expect(source).toContain('class="ruler-table"');
        expect(source).toContain("niah_multikey_2");
        expect(source).toContain("3 of 4 tasks");
        expect(source).toContain("length 512 is too short for cwe");
        expect(RULER_FIXTURE_TASKS).not.toEqual(ORDER); // written out of order: the site sorts
        const {page, w} = await open(q4Page());
        const table = page.locator("table.ruler-table").first();
        expect(await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.task))).toEqual(ORDER);
        expect(await table.locator("thead th.length").allInnerTexts()).toEqual(["512", "1,024", "2,048"]);
        // The run's main score is string match: it comes first under every length.
        expect((await table.locator("thead tr").nth(1).locator("th").allInnerTexts()).slice(0, 2)).toEqual(["string match", "lift"]);
        for (const task of ORDER) {
            const doc = rulerDoc("run-b", Q4, task);
            const cells = await cellsOf(page, `table.ruler-table >> nth=0 >> tbody tr[data-task='${task}'] td`);
            expect(cells).toHaveLength(LENGTHS.length * 2);
            LENGTHS.forEach((length, i) => {
                const b = doc.scores.byLength.find((x: {length: number}) => x.length === length);
                if (b.trials === 0) {
                    expect(cells[2 * i]!.text, `${task} ${length}`).toBe("skipped");
                    expect(cells[2 * i]!.title).toBe(b.skipReason);
                } else {
                    expect(cells[2 * i]!.text, `${task} ${length}`).toBe(fmt(b.score));
                    expect(cells[2 * i + 1]!.text).toBe(fmt(b.lift));
                }
            });
        }
        // The average row: the mean of the tasks' scores per length; cwe is too short at 512, so 512 averages 3 of 4 tasks.
        const average = await cellsOf(page, "table.ruler-table >> nth=0 >> tfoot tr.average td");
        LENGTHS.forEach((length, i) => {
            const scores = ORDER.map((t) => rulerDoc("run-b", Q4, t).scores.byLength.find((x: {length: number}) => x.length === length))
                .filter((b) => b.trials > 0);
            expect(Number(average[2 * i]!.v)).toBeCloseTo(mean(scores.map((b) => b.score)), 9);
            expect(Number(average[2 * i + 1]!.v)).toBeCloseTo(mean(scores.map((b) => b.lift)), 9);
            expect(average[2 * i]!.text.includes("3 of 4 tasks"), String(length)).toBe(length === 512);
            expect(average[2 * i]!.cls.includes("incomplete")).toBe(length === 512);
        });
        const missing = await page.locator(".ruler-missing").first().innerText();
        expect(missing).toContain("niah_single_2"); // RULER tasks the run does not hold
        expect(missing).toContain("fwe");
        expect(missing).toMatch(/512 tokens: cwe \(length 512 is too short for cwe/);
        // The shortest length lacks a task: no effective length by RULER's rule, and the page says why.
        expect(await page.locator(".ruler-headline dd.effective[data-score='stringMatch'] strong").first().innerText()).toBe("n/a");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("colours a change only where its paired interval excludes zero, per task over all lengths; per-length changes stay plain", async () => {
        const {page, w} = await open(q4Page());
        let coloured = 0;
        let plain = 0;
        for (const task of ORDER) {
            const vs = rulerDoc("run-b", Q4, task).scores.vsReference;
            expect(vs.reference.fileName).toBe(F32);
            const overall = await cellsOf(page, `table.ruler-delta >> nth=0 >> tbody tr[data-task='${task}'] td.overall`);
            expect(overall.map((c) => Number(c.v))).toEqual([vs.deltaStringMatch.delta, vs.deltaLift.delta]);
            [vs.deltaStringMatch, vs.deltaLift].forEach((d, i) => {
                const excludes = d.ci[0] > 0 || d.ci[1] < 0;
                const cls = overall[i]!.cls;
                expect(cls, `${task} ${i}`).toContain(excludes ? (d.delta > 0 ? "delta-pos" : "delta-neg") : "delta-none");
                expect(overall[i]!.text).toContain(fmtInterval(d.ci, true));
                expect(overall[i]!.text.includes("within noise")).toBe(!excludes);
                if (excludes) coloured++;
                else plain++;
            });
            // Per length: the paired mean from the document, never coloured (no interval per length).
            const perLength = await cellsOf(page, `table.ruler-delta >> nth=0 >> tbody tr[data-task='${task}'] td[data-length]`);
            for (const cell of perLength) expect(cell.cls).toContain("delta-none");
            const at2048 = vs.byLength.find((b: {length: number}) => b.length === 2048);
            expect(perLength.find((c) => c.text === fmtDelta(at2048.deltaLift))).toBeDefined();
        }
        // The fixture holds both kinds: niah_multikey_2 loses clearly, niah_single_1 only by noise.
        expect(coloured).toBeGreaterThan(0);
        expect(plain).toBeGreaterThan(0);
        // The average row: the change of RULER's average over the tasks both files scored.
        const average = await cellsOf(page, "table.ruler-delta >> nth=0 >> tfoot tr.average td[data-length='512'][data-score='stringMatch']");
        const both = ORDER.filter((t) => rulerDoc("run-b", Q4, t).scores.byLength[0].trials > 0);
        const expected = mean(both.map((t) => rulerDoc("run-b", Q4, t).scores.byLength[0].score - rulerDoc("run-b", F32, t).scores.byLength[0].score));
        expect(Number(average[0]!.v)).toBeCloseTo(expected, 9);
        expect(average[0]!.cls).toContain("delta-none");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("never mixes runs: the reference's older run (another configuration) is its own table, and the quantized file pairs with the same run", async () => {
        const {page, w} = await open(f32Page());
        const tables = page.locator("table.ruler-table");
        expect(await tables.count()).toBe(2);
        expect(await tables.nth(0).locator("tbody tr").count()).toBe(4);
        const older = page.locator("details.ruler-older");
        expect(await older.locator("summary").innerText()).toContain("synthetic-run-a");
        expect(await tables.nth(1).locator("tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.task))).toEqual(["niah_single_1", "niah_multikey_2"]);
        // Its main score is lift: lift first; its effective length (lift > 1 nat) by RULER's rule from the two documents.
        await older.locator("summary").click();
        expect((await tables.nth(1).locator("thead tr").nth(1).locator("th").allInnerTexts()).slice(0, 2)).toEqual(["lift", "string match"]);
        const olderDocs = ["niah_single_1", "niah_multikey_2"].map((t) => rulerDoc("run-a", F32, t));
        let effective: number | null = null;
        for (const length of [512, 1024]) {
            const lift = mean(olderDocs.map((d) => d.scores.byLength.find((b: {length: number}) => b.length === length).lift));
            if (!(lift > 1)) break;
            effective = length;
        }
        const shown = await older.locator(".ruler-headline dd.effective[data-score='lift'] strong").innerText();
        expect(shown).toBe(effective === null ? "< 512" : effective.toLocaleString("en-US"));
        expect(await page.locator("section.ruler-run").first().innerText()).toContain("This file is the ladder's reference");
        // The Q4_0 file compares with the reference's run-b documents, not its newer-looking other run.
        const q4 = html("ruler", pageDir("ruler", "qwen-1m-q4-0"));
        expect(q4).toMatch(/minus the reference \(F32, run <code>synthetic-run-b<\/code>\)/);
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("shows the headline on the home page, the leaderboard and the ladder page, not a frontier per RULER task", async () => {
        const home = html();
        expect(home).toContain('id="suite-ruler"');
        for (const task of ORDER) expect(home).not.toContain(`<section class="frontier" id="task-${task}"`);
        const {page, w} = await open("/");
        const suite = page.locator("#suite-ruler table.ruler-suite");
        expect(await suite.locator("tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.quant))).toEqual(["F32", "Q4_0"]);
        // The leaderboard: RULER's average at the longest length where every task scored (2,048), once for all its tasks.
        const average = mean(ORDER.map((t) => rulerDoc("run-b", Q4, t).scores.byLength.find((b: {length: number}) => b.length === 2048).score));
        const row = page.locator("#leaderboard tbody tr", {has: page.locator("a.model-name", {hasText: new RegExp(`^${Q4.replace(/\./g, "\\.")}$`)})});
        const cell = row.locator("td[data-col='ruler:avg:stringMatch']");
        expect(Number(await cell.getAttribute("data-v"))).toBeCloseTo(average, 9);
        expect(await cell.innerText()).toContain("at 2,048 · eff. n/a");
        expect(await cell.locator("a").getAttribute("href")).toBe(q4Page());
        expect(await page.isVisible("#leaderboard th[data-col='ruler:avg:stringMatch']")).toBe(true);
        // The per-task columns are in the picker, off by default.
        expect(await page.isVisible("#leaderboard th[data-col='task:vt']")).toBe(false);
        expect(await page.locator("input[name=col][value='task:vt']").isChecked()).toBe(false);
        const ladder = html("ladders", pageDir("ladders", "synthetic-qwen-1m"));
        expect(ladder).toContain('<section data-suite="ruler"');
        expect(ladder.indexOf('data-suite="ruler"')).toBeLessThan(ladder.indexOf('<section data-task="niah_single_1"'));
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("fits the RULER pages in the screen at 390 and 1280 px, with no console error and no NaN/undefined/null text", async () => {
        const page = await browser.context.newPage();
        const w = watch(page);
        for (const width of [390, 1280]) {
            await page.setViewportSize({width, height: 844});
            for (const urlPath of [q4Page(), f32Page()]) {
                await page.goto(server.origin + urlPath, {waitUntil: "load"});
                const [scroll, inner, text] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth, document.body.innerText] as const);
                expect(scroll, `${urlPath} at ${width}`).toBeLessThanOrEqual(inner);
                expect(text.match(/\b(NaN|undefined|null)\b/g), urlPath).toBeNull();
            }
        }
        expect(w.problems).toEqual([]);
        await page.close();
    });
});
