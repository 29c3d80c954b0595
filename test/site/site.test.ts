// Builds the site once from synthetic fixtures, serves it on 127.0.0.1 and checks it in
// Debian chromium: pages load cleanly and offline, charts draw, the leaderboard sorts and
// filters (state in the URL), and hostile model output stays text.
import fs from "node:fs";
import path from "node:path";
import type {Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {pairErrors, worstPairs} from "../../site/src/lib/sts.ts";
import {fmtBytes, fmtDelta, fmtNum} from "../../site/src/lib/format.ts";
import {DEFAULT_CONTEXT} from "../../site/src/lib/memory.ts";
import {NIAH_EFFECTIVE_THRESHOLD, STS_XSS_PAIR, SYNTHETIC_MEMORY, writeSiteFixtures, XSS_TEXT} from "./fixtures.ts";
import {buildSite, chromiumPath, launchBrowser, paintedShare, serve, tempDir, watch, type BuildResult, type PageWatch} from "./helpers.ts";

let build: BuildResult;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let fixtures: ReturnType<typeof writeSiteFixtures>;
const resultsDir = tempDir("results");

beforeAll(async () => {
    chromiumPath(); // fail fast, before the build, when chromium is missing
    fixtures = writeSiteFixtures(resultsDir);
    build = await buildSite(resultsDir);
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
    page.$$eval("#leaderboard tbody tr:not([hidden]) td:first-child", (cells) => cells.map((c) => c.textContent!.trim()));

describe("site build from synthetic fixtures", () => {
    it("builds every kind of page", () => {
        const pages = htmlPages();
        for (const section of ["/", "/tradeoff/", "/ladders/", "/models/", "/niah/", "/runs/", "/sts/"]) {
            expect(pages.some((p) => p.startsWith(section)), section).toBe(true);
        }
        expect(pages.filter((p) => p.startsWith("/runs/"))).toHaveLength(fixtures.files.length);
    });

    it("loads every page with no console error and no request leaving 127.0.0.1", async () => {
        const page = await browser.context.newPage();
        const w = watch(page);
        for (const urlPath of htmlPages()) {
            w.problems.length = 0;
            const response = await page.goto(server.origin + urlPath, {waitUntil: "load"});
            expect(response?.status(), urlPath).toBe(200);
            expect(w.problems, urlPath).toEqual([]);
        }
        await page.close();
    });

    it("renders the tables server-side (no JS needed)", () => {
        const home = fs.readFileSync(path.join(build.outDir, "index.html"), "utf8");
        expect(home.match(/<tr data-family=/g)).toHaveLength(7);
        expect(home).toContain("tiny test models");
        expect(home).toContain("Synthetic data.");
        const tradeoff = fs.readFileSync(path.join(build.outDir, "tradeoff/index.html"), "utf8");
        expect(tradeoff).toContain("tradeoff-table");
        expect(tradeoff).toContain("file size"); // the F32 model has no RSS record
    });

    it("shows the newest run of a model and task on the leaderboard", async () => {
        const newest = JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.includes("run-b") && f.includes("llama-2m-F16.gguf.niah-short"))!, "utf8"));
        const {page} = await open("/");
        const row = page.locator("#leaderboard tbody tr", {has: page.locator("td:first-child", {hasText: /^synthetic-llama-2m-F16\.gguf$/})});
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
        const sizes = () => page.$$eval("#leaderboard tbody tr td:nth-child(6)", (cells) => cells.map((c) => (c as HTMLElement).dataset.v!));
        await page.click("#leaderboard th[data-key='size'] button");
        const bySizeDesc = await visibleModels(page);
        const desc = await sizes();
        expect(desc.slice(-2)).toEqual(["", ""]);
        const known = desc.filter(Boolean).map(Number);
        expect(known).toEqual([...known].sort((a, b) => b - a));
        await page.click("#leaderboard th[data-key='size'] button");
        const bySizeAsc = await visibleModels(page);
        expect(bySizeAsc.slice(0, 5)).toEqual(bySizeDesc.slice(0, 5).reverse());
        expect((await sizes()).slice(-2)).toEqual(["", ""]);
        expect(bySizeAsc).not.toEqual(before);
        expect(await page.getAttribute("#leaderboard th[data-key='size']", "aria-sort")).toBe("ascending");
        expect(page.url()).toContain("sort=size");
        await page.click("#leaderboard th[data-key='model'] button");
        expect(await visibleModels(page)).toEqual([...before].sort((a, b) => a.localeCompare(b)));
        await page.close();
    });

    it("filters by family, provider, task and size, writing the filter into the URL", async () => {
        const {page, w} = await open("/");
        expect(await visibleModels(page)).toHaveLength(7);
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
        await page.fill("input[name=maxMB]", "2");
        expect(await visibleModels(page)).toHaveLength(2); // the two Q4 files, 0.6 and 1.2 MB; models without weights have no size
        expect(page.url()).toContain("maxMB=2");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("restores filter and sort state from the URL", async () => {
        const {page} = await open("/?family=synthetic-llama-2m&sort=bpw&dir=asc&quant=");
        expect(await page.inputValue("select[name=family]")).toBe("synthetic-llama-2m");
        expect(await visibleModels(page)).toEqual(["synthetic-llama-2m-Q4_K_M.gguf", "synthetic-llama-2m-Q8_0.gguf", "synthetic-llama-2m-F16.gguf"]);
        expect(await page.textContent("#row-count")).toBe("3 of 7 models shown");
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
        // At the default context the llama files' estimates are 6.4, 7.3 and 9.2 MB.
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
        expect(page).toContain(`<strong>${fmtNum(doc.scores.main, 2)}</strong>`);
        expect(page).toContain(`95% CI [${fmtNum(doc.scores.mainCi[0], 2)}, ${fmtNum(doc.scores.mainCi[1], 2)}]`);
        expect(page).toContain(`<strong>${fmtDelta(vs.deltaSpearman, 3)}</strong>`);
        expect(page).toContain(`[${fmtDelta(vs.deltaCi[0], 3)}, ${fmtDelta(vs.deltaCi[1], 3)}]`);
        expect(page).toContain(fmtNum(vs.drift.meanCosine, 6));
        expect(page).toContain(fmtNum(vs.drift.minCosine, 6));
        expect(page).toContain("rank percentiles"); // the worst-pairs definition is on the page
        // One table row per ladder file plus the built-in baseline.
        const ladderTable = page.slice(page.indexOf('<table class="sts-ladder"'), page.indexOf("</table>", page.indexOf('<table class="sts-ladder"')));
        expect(ladderTable.match(/<tr\b/g)).toHaveLength(1 + 3 + 1); // header, F16 Q8_0 Q4_K_M, jaccard
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
        expect(await page.locator("table.sts-delta tbody tr").count()).toBe(2);
        expect(await page.locator("table.sts-drift tbody tr").count()).toBe(2);
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
        expect((await row.locator("td:nth-child(8)").textContent())!.trim()).toBe(fmtDelta(error, 1));
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
            const row = page.locator("#leaderboard tbody tr", {has: page.locator("td:first-child", {hasText: new RegExp(`^${name}$`)})});
            for (const col of ["size", "bpw"]) {
                const index = await page.$$eval("#leaderboard thead th", (ths, key) => ths.findIndex((th) => (th as HTMLElement).dataset.key === key), col);
                const cell = row.locator(`td:nth-child(${index + 1})`);
                expect((await cell.textContent())!.trim(), `${name} ${col}`).toBe("—");
                expect(await cell.getAttribute("data-v")).toBe("");
            }
        }
        expect(await page.locator("#leaderboard tbody tr", {hasText: "jaccard"}).locator("td:nth-child(4)").textContent()).toBe("built-in");
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
        const sts = specs[await t.page.$$eval("section h2", (hs) => hs.findIndex((h) => h.textContent!.startsWith("sts-mini")))];
        expect(sts.series.some((s: {label: string; dashed?: boolean}) => s.label.startsWith("jaccard") && s.dashed)).toBe(true);
        expect(await t.page.locator("tr.unsized", {hasText: "jaccard"}).first().textContent()).toContain("no local weights");
        expect([...w.problems, ...t.w.problems]).toEqual([]);
        await t.page.close();
    });

    it("adds the paired change, drift, KLD and top-1 agreement to the ladder page", () => {
        const ladder = html("ladders", pageDir("ladders", "synthetic-llama-2m"));
        const doc = stsDoc("synthetic-llama-2m-Q8_0.gguf");
        expect(ladder).toContain(fmtDelta(doc.scores.vsReference.deltaSpearman, 3));
        expect(ladder).toContain(fmtNum(doc.scores.vsReference.drift.meanCosine, 6));
        expect(ladder).toContain('class="fidelity-table"');
        const fidelity = JSON.parse(fs.readFileSync(fixtures.files.find((f) => f.endsWith("synthetic-llama-2m-Q4_K_M.gguf.fidelity-mini.json"))!, "utf8"));
        expect(ladder).toContain(`${fmtNum(100 * fidelity.scores.top1Agreement, 2)} %`);
        expect(ladder).toContain(String(Number(fidelity.scores.kldP99.toPrecision(3))));
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
            const row = rowHtml(home, `>${file}</a>`);
            const at = row.indexOf(`class="num effective" data-task="${task}"`);
            return row.slice(at, row.indexOf("</td>", at));
        };
        const q4 = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json");
        expect(q4.scores.effectiveContext.length).toBe(512);
        expect(text(cell("synthetic-llama-2m-Q4_K_M.gguf", "niah-short"))).toContain("512");
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
        const [lo, hi] = legendOf(delta);
        expect(Number(lo)).toBeLessThan(0);
        expect(Number(hi)).toBe(-Number(lo));
        const spec = JSON.parse(delta.match(/data-chart="([^"]*)"/)![1]!.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"));
        const largest = Math.max(...spec.cells.filter((c: {v: number | null}) => c.v !== null).map((c: {v: number}) => Math.abs(c.v)));
        expect(Number(hi)).toBeCloseTo(largest, 1);
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

    it("ranks fidelity's mean KLD lower-is-better, server-side and on click", async () => {
        const home = html();
        // fidelity-mini is the first task: the server-side order is by it, smallest divergence first.
        const order = [...home.matchAll(/<td class="num" data-v="([^"]*)" data-task="fidelity-mini"/g)].map((m) => m[1]!);
        const known = order.filter(Boolean).map(Number);
        expect(known).toHaveLength(3);
        expect(known).toEqual([...known].sort((a, b) => a - b));
        expect(order.slice(0, 3).every(Boolean)).toBe(true);
        expect(home).toMatch(/meanKld ↓/);
        const {page, w} = await open("/");
        const values = () => page.$$eval("#leaderboard tbody tr:not([hidden]) td[data-task='fidelity-mini'].num", (cells) => cells.map((c) => (c as HTMLElement).dataset.v!));
        await page.click("#leaderboard th[data-key='task:fidelity-mini'] button");
        expect(await page.getAttribute("#leaderboard th[data-key='task:fidelity-mini']", "aria-sort")).toBe("ascending");
        const best = (await values()).filter(Boolean).map(Number);
        expect(best).toEqual([...best].sort((a, b) => a - b));
        expect((await visibleModels(page))[0]).toBe("synthetic-llama-2m-F16.gguf");
        await page.click("#leaderboard th[data-key='task:fidelity-mini'] button");
        const worst = (await values()).filter(Boolean).map(Number);
        expect(worst).toEqual([...worst].sort((a, b) => b - a));
        expect((await values()).slice(-1)).toEqual([""]); // no score: last either way
        // Higher-is-better columns still start best-first (descending).
        await page.click("#leaderboard th[data-key='task:niah-short'] button");
        expect(await page.getAttribute("#leaderboard th[data-key='task:niah-short']", "aria-sort")).toBe("descending");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("lists flips, their p-value, Δ lift with its paired CI and effective context per file on the ladder page", async () => {
        const ladderDir = pageDir("ladders", "synthetic-llama-2m");
        const ladder = html("ladders", ladderDir);
        const vs = docOf("synthetic-llama-2m-Q4_K_M.gguf.niah-short.json").scores.vsReference;
        const table = ladder.slice(ladder.indexOf('class="niah-flips"'));
        const row = text(rowHtml(table, 'data-quant="Q4_K_M"'));
        const p = (v: number) => (v < 0.001 ? "< 0.001" : String(Number(v.toPrecision(2))));
        for (const part of [
            "512", String(vs.pairedTrials), `${vs.flips.rightToWrong} ${vs.flips.wrongToRight} ${p(vs.flips.p)}`,
            `${vs.liftFlips.rightToWrong} ${vs.liftFlips.wrongToRight} ${p(vs.liftFlips.p)}`,
            fmtDelta(vs.deltaLift, 3), `[${fmtDelta(vs.deltaLiftCi[0], 3)}, ${fmtDelta(vs.deltaLiftCi[1], 3)}]`
        ]) expect(row, part).toContain(part);
        // The flip test runs over (length, trial) groups: its verdict follows its p-value.
        expect(vs.flips.test).toMatch(/sign-flip test over \(length, trial\) groups/);
        expect(row).toContain(vs.flips.p < 0.05 ? "worse than the reference" : "no clear change");
        const {page, w} = await open(`/ladders/${ladderDir}/`);
        const spec = JSON.parse((await page.locator("section[data-task='niah-short'] canvas[data-intervals]").getAttribute("data-chart"))!);
        expect(spec.series[0].points.find((pt: {x: string}) => pt.x === "Q4_K_M")).toMatchObject({y: vs.deltaLift, lo: vs.deltaLiftCi[0], hi: vs.deltaLiftCi[1]});
        expect(spec.series[0].points.map((pt: {x: string}) => pt.x)).toEqual(["Q8_0", "Q4_K_M"]);
        expect(await paintedShare(page, "section[data-task='niah-short'] canvas[data-intervals]")).toBeGreaterThan(0.02);
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("shows effective context, flips and Δ lift beside the NIAH difference map", () => {
        const qwen = text(html("niah", pageDir("niah", "qwen-1m-q4-0")));
        const vs = docOf("synthetic-qwen-1m-Q4_0.gguf.niah-short.json").scores.vsReference;
        expect(qwen).toContain("Effective context: < 256 tokens");
        expect(qwen).toContain(`${vs.flips.rightToWrong} right→wrong, ${vs.flips.wrongToRight} wrong→right of ${vs.flips.pairs} paired trials`);
        expect(qwen).toContain(`${fmtDelta(vs.deltaLift, 3)} nats`);
        expect(qwen).toContain(`[${fmtDelta(vs.deltaLiftCi[0], 3)}, ${fmtDelta(vs.deltaLiftCi[1], 3)}]`);
        const reference = html("niah", pageDir("niah", "llama-2m-f16"));
        expect(text(reference)).toContain("Effective context: 1,024 tokens");
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
        expect(q4Row).toContain("estimate at 2K tokens");
        expect(text(rowHtml(niahTable, ">synthetic-qwen-1m-F32.gguf</a>"))).toContain(`${fmtBytes(f32.bytes)} file size (no estimate`);

        const {page, w} = await open("/tradeoff/?budget=10");
        const section = page.locator("section[data-task='niah-short']");
        const plotted = async () => JSON.parse((await section.locator("canvas[data-scatter]").getAttribute("data-plotted"))!);
        const xOf = (p: {points: {name: string; x: number}[]}, name: string) => p.points.find((pt) => pt.name === name)!.x;
        const before = await plotted();
        expect(before.context).toBe(DEFAULT_CONTEXT);
        expect(xOf(before, q4.fileName)).toBeCloseTo(at(DEFAULT_CONTEXT) / 1e6, 6);
        const fitsBefore = await section.locator("tr.fits").count();
        await page.selectOption("#context", "32768");
        const after = await plotted();
        expect(after.context).toBe(32768);
        expect(xOf(after, q4.fileName)).toBeCloseTo(at(32768) / 1e6, 6);
        expect(xOf(after, f32.fileName)).toBe(xOf(before, f32.fileName)); // no estimate: the same at every context
        expect(page.url()).toContain("context=32768");
        expect(page.url()).toContain("budget=10");
        // The table, the Pareto front and the budget follow the context.
        const row = section.locator("tr", {hasText: q4.fileName});
        expect((await row.locator("td.mem").textContent())!.trim()).toBe(fmtBytes(at(32768)));
        expect(await row.locator("td.mem-source").textContent()).toContain("32K");
        expect(await section.locator("tr.fits").count()).toBeLessThan(fitsBefore);
        const tableFront = await section.locator("tr[data-mem]").evaluateAll((rows) =>
            rows.filter((r) => r.querySelector(".front")!.textContent === "yes").map((r) => r.querySelector("a")!.textContent));
        expect([...tableFront].sort()).toEqual([...after.front].sort());
        expect(await paintedShare(page, "section[data-task='niah-short'] canvas[data-scatter]")).toBeGreaterThan(0.02);
        // Restored from the URL.
        await page.goto(`${server.origin}/tradeoff/?context=8192`, {waitUntil: "load"});
        expect(await page.inputValue("#context")).toBe("8192");
        expect(xOf(await plotted(), q4.fileName)).toBeCloseTo(at(8192) / 1e6, 6);
        expect(w.problems).toEqual([]);
        await page.close();
    });
});
