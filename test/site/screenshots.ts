// Screenshots of the home page for the README, at 1280 and 390 px wide (what a laptop and a phone
// show first), built from the committed demo results (or --results DIR). Regenerate after a
// change to the site:
//
//   npm run site:screenshots [-- --results DIR] [-- --out docs/images]
import fs from "node:fs";
import path from "node:path";
import {buildSite, launchBrowser, REPO, serve} from "./helpers.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const resultsDir = path.resolve(REPO, option("--results", "results/runs"));
const outDir = path.resolve(REPO, option("--out", "docs/images"));

const build = await buildSite(resultsDir, {}, 300_000);
if (build.code !== 0) {
    console.error(build.output);
    throw new Error(`astro build failed (exit ${build.code})`);
}
const server = await serve(build.outDir);
const browser = await launchBrowser();
try {
    fs.mkdirSync(outDir, {recursive: true});
    for (const [width, height] of [[1280, 900], [390, 844]] as const) {
        const page = await browser.context.newPage();
        await page.setViewportSize({width, height});
        await page.goto(`${server.origin}/`, {waitUntil: "load"});
        const file = path.join(outDir, `site-home-${width}.png`);
        await page.screenshot({path: file});
        console.log(`${path.relative(REPO, file)}: ${(fs.statSync(file).size / 1024).toFixed(0)} KiB`);
        await page.close();
    }
} finally {
    await browser.close();
    await server.close();
    fs.rmSync(build.outDir, {recursive: true, force: true});
}
