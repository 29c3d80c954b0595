// Builds the site once from synthetic fixtures, serves it on 127.0.0.1 and checks it in
// Debian chromium: pages load cleanly and offline, charts draw, the leaderboard sorts and
// filters (state in the URL), and hostile model output stays text.
import fs from "node:fs";
import path from "node:path";
import type {Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {writeSiteFixtures, XSS_TEXT} from "./fixtures.ts";
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
        for (const section of ["/", "/tradeoff/", "/ladders/", "/models/", "/niah/", "/runs/"]) {
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
        expect(home.match(/<tr data-family=/g)).toHaveLength(6);
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
        const value = await row.locator("td[data-task='niah-short']").getAttribute("data-v");
        expect(Number(value)).toBeCloseTo(newest.scores.main);
        await page.close();
    });

    it("draws the charts (non-blank canvases)", async () => {
        const targets = [
            "/tradeoff/",
            `/ladders/${pageDir("ladders", "synthetic-llama-2m")}/`,
            `/niah/${pageDir("niah", "llama-2m-q8-0")}/`
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
        await page.click("#leaderboard th[data-key='size'] button");
        const bySizeDesc = await visibleModels(page);
        const sizes = await page.$$eval("#leaderboard tbody tr td:nth-child(6)", (cells) => cells.map((c) => Number((c as HTMLElement).dataset.v)));
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        await page.click("#leaderboard th[data-key='size'] button");
        const bySizeAsc = await visibleModels(page);
        expect(bySizeAsc).toEqual([...bySizeDesc].reverse());
        expect(bySizeAsc).not.toEqual(before);
        expect(await page.getAttribute("#leaderboard th[data-key='size']", "aria-sort")).toBe("ascending");
        expect(page.url()).toContain("sort=size");
        await page.click("#leaderboard th[data-key='model'] button");
        expect(await visibleModels(page)).toEqual([...before].sort((a, b) => a.localeCompare(b)));
        await page.close();
    });

    it("filters by family, provider, task and size, writing the filter into the URL", async () => {
        const {page, w} = await open("/");
        expect(await visibleModels(page)).toHaveLength(6);
        await page.selectOption("select[name=family]", "synthetic-qwen-1m");
        expect((await visibleModels(page)).sort()).toEqual(["synthetic-qwen-1m-F32.gguf", "synthetic-qwen-1m-Q4_0.gguf"]);
        expect(page.url()).toContain("family=synthetic-qwen-1m");
        await page.selectOption("select[name=family]", "");
        await page.selectOption("select[name=provider]", "hosted");
        expect(await visibleModels(page)).toEqual(["synthetic-hosted"]);
        await page.selectOption("select[name=provider]", "");
        await page.selectOption("select[name=task]", "niah-xss");
        expect(await visibleModels(page)).toHaveLength(2);
        expect(await page.locator("#leaderboard th[data-task='sts-mini']").isHidden()).toBe(true);
        await page.selectOption("select[name=task]", "");
        await page.fill("input[name=maxMB]", "2");
        expect(await visibleModels(page)).toHaveLength(2); // the two Q4 files, 0.6 and 1.2 MB
        expect(page.url()).toContain("maxMB=2");
        expect(w.problems).toEqual([]);
        await page.close();
    });

    it("restores filter and sort state from the URL", async () => {
        const {page} = await open("/?family=synthetic-llama-2m&sort=bpw&dir=asc&quant=");
        expect(await page.inputValue("select[name=family]")).toBe("synthetic-llama-2m");
        expect(await visibleModels(page)).toEqual(["synthetic-llama-2m-Q4_K_M.gguf", "synthetic-llama-2m-Q8_0.gguf", "synthetic-llama-2m-F16.gguf"]);
        expect(await page.textContent("#row-count")).toBe("3 of 6 models shown");
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
        const {page, w} = await open("/tradeoff/?budget=52");
        expect(await page.inputValue("#budget")).toBe("52");
        const fits = await page.locator("table.tradeoff-table").first().locator("tr.fits").count();
        expect(fits).toBeGreaterThan(0);
        await page.fill("#budget", "100000");
        expect(await page.locator("table.tradeoff-table").first().locator("tr.fits").count()).toBeGreaterThan(fits);
        expect(await paintedShare(page, "canvas")).toBeGreaterThan(0.02);
        expect(w.problems).toEqual([]);
        await page.close();
    });
});
