// Site build figures: generates synthetic result documents (1,000 by default; never real data,
// the site shows a "synthetic data" banner for them), times `astro build`, and prints the HTML
// and JS bytes per page (raw and gzipped). Prints figures only; targets are shown, not enforced.
//
//   npx tsx harness/perf/site-perf.ts [--docs N] [--pages] [--keep]
import fs from "node:fs";
import path from "node:path";
import {gzipSync} from "node:zlib";
import {writeSyntheticDocs} from "../../test/site/fixtures.ts";
import {buildSite, tempDir} from "../../test/site/helpers.ts";

const args = process.argv.slice(2);
const docCount = Number(args[args.indexOf("--docs") + 1]) || 1000;
const listPages = args.includes("--pages");
const keep = args.includes("--keep");

const TARGET_BUILD_S = 60;
const TARGET_JS_GZ_KB = 150;

interface PageFigures {
    page: string;
    html: number;
    htmlGz: number;
    js: number;
    jsGz: number;
}

const gz = (text: string | Buffer) => gzipSync(text).length;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** JS a page loads: inline module scripts plus every file reachable through static imports. */
function pageJs(outDir: string, htmlFile: string, html: string): {js: number; jsGz: number} {
    const inline = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).filter(Boolean);
    const seen = new Set<string>();
    const queue = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => path.join(outDir, m[1]!.replace(/^\/+/, "")));
    for (const code of inline) queue.push(...imports(code, path.dirname(htmlFile), outDir));
    while (queue.length) {
        const file = queue.pop()!;
        if (seen.has(file) || !fs.existsSync(file)) continue;
        seen.add(file);
        queue.push(...imports(fs.readFileSync(file, "utf8"), path.dirname(file), outDir));
    }
    const files = [...seen].map((f) => fs.readFileSync(f));
    return {
        js: inline.reduce((s, c) => s + Buffer.byteLength(c), 0) + files.reduce((s, f) => s + f.length, 0),
        jsGz: inline.reduce((s, c) => s + gz(c), 0) + files.reduce((s, f) => s + gz(f), 0)
    };
}

function imports(code: string, dir: string, outDir: string): string[] {
    return [...code.matchAll(/(?:import|from)\s*\(?\s*["']([^"']+\.js)["']/g)]
        .map((m) => (m[1]!.startsWith("/") ? path.join(outDir, m[1]!) : path.resolve(dir, m[1]!)));
}

function measure(outDir: string): PageFigures[] {
    return (fs.readdirSync(outDir, {recursive: true}) as string[])
        .filter((f) => f.endsWith(".html"))
        .map((rel) => {
            const file = path.join(outDir, rel);
            const html = fs.readFileSync(file, "utf8");
            return {page: `/${rel.split(path.sep).join("/").replace(/index\.html$/, "")}`, html: Buffer.byteLength(html), htmlGz: gz(html), ...pageJs(outDir, file, html)};
        })
        .sort((a, b) => a.page.localeCompare(b.page));
}

const resultsDir = tempDir("perf-results");
const written = writeSyntheticDocs(resultsDir, docCount);
console.log(`Generated ${written} synthetic result documents in ${resultsDir}`);

const started = performance.now();
const build = await buildSite(resultsDir, {}, 600_000);
const seconds = (performance.now() - started) / 1000;
if (build.code !== 0) {
    console.error(build.output);
    throw new Error(`astro build failed (exit ${build.code})`);
}

const pages = measure(build.outDir);
const kinds = new Map<string, PageFigures[]>();
for (const p of pages) {
    const kind = p.page.split("/").filter(Boolean)[0] ?? "(home)";
    kinds.set(kind, [...(kinds.get(kind) ?? []), p]);
}

console.log(`\nBuild: ${seconds.toFixed(1)} s for ${written} documents, ${pages.length} HTML pages (target < ${TARGET_BUILD_S} s)`);
console.log("\nPer page kind (KB; mean and max over the kind's pages):");
console.log("kind          pages   HTML mean   HTML max  HTML gz max     JS max  JS gz max");
for (const [kind, list] of kinds) {
    const max = (key: keyof Omit<PageFigures, "page">) => Math.max(...list.map((p) => p[key]));
    const mean = list.reduce((s, p) => s + p.html, 0) / list.length;
    console.log(`${kind.padEnd(12)} ${String(list.length).padStart(6)} ${kb(mean).padStart(11)} ${kb(max("html")).padStart(10)} ${kb(max("htmlGz")).padStart(12)} ${kb(max("js")).padStart(10)} ${kb(max("jsGz")).padStart(10)}`);
}
if (listPages) {
    console.log("\npage\tHTML\tHTML gz\tJS\tJS gz (bytes)");
    for (const p of pages) console.log(`${p.page}\t${p.html}\t${p.htmlGz}\t${p.js}\t${p.jsGz}`);
}
const worstJs = pages.reduce((a, b) => (b.jsGz > a.jsGz ? b : a));
console.log(`\nHeaviest JS: ${worstJs.page} with ${kb(worstJs.jsGz)} KB gzipped (target < ${TARGET_JS_GZ_KB} KB)`);
console.log(`Build ${seconds < TARGET_BUILD_S ? "meets" : "MISSES"} its target; JS ${worstJs.jsGz / 1024 < TARGET_JS_GZ_KB ? "meets" : "MISSES"} its target.`);

if (keep) console.log(`\nKept: results ${resultsDir}, site ${build.outDir}`);
else for (const dir of [resultsDir, build.outDir]) fs.rmSync(dir, {recursive: true, force: true});
