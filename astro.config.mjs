// Astro config for the slmbench leaderboard (static site built from results/runs/*.json).
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {defineConfig} from "astro/config";
// The site's own reader (Astro loads this config through Vite, so a TypeScript import works).
import {loadResults} from "./site/src/lib/load.ts";

const root = path.dirname(fileURLToPath(import.meta.url));

// Resolved once here and handed to page code through the environment: pages run from bundled
// chunks during the build, where neither cwd nor import.meta.url reliably point at the repo.
process.env.SLMBENCH_RESULTS_DIR = path.resolve(root, process.env.SLMBENCH_RESULTS_DIR || "results/runs");
// Same for the base path (not import.meta.env.BASE_URL: Astro lets a stray BASE_URL variable in
// the shell override that one).
const base = `/${(process.env.SLMBENCH_SITE_BASE || "").replace(/^\/+|\/+$/g, "")}/`.replace(/^\/\/$/, "/");
process.env.SLMBENCH_SITE_BASE = base;
const outDir = path.resolve(root, process.env.SLMBENCH_SITE_OUT || "dist/site");

// Astro 5 leaves empty content-layer stubs in a static outDir; they are not part of the site.
const dropContentStubs = {
    name: "slmbench-drop-content-stubs",
    hooks: {
        "astro:build:done": async ({dir}) => {
            for (const name of ["content-assets.mjs", "content-modules.mjs"]) await fs.promises.rm(new URL(name, dir), {force: true});
        }
    }
};

/**
 * A build never leaves a broken or half-written site: every result document is validated before
 * anything is written (a bad one fails the build, naming the file and field, unless
 * SLMBENCH_SITE_SKIP_INVALID=1 leaves it out with a warning), the site is built into a temporary
 * folder beside the output, and that folder replaces the output only when the build succeeds.
 */
const safeBuild = {
    name: "slmbench-safe-build",
    hooks: {
        "astro:config:setup": async ({command, updateConfig}) => {
            if (command !== "build") return;
            // Its parse is cached for the pages (globalThis), so the documents are read once.
            loadResults(process.env.SLMBENCH_RESULTS_DIR, false);
            const building = `${outDir}.building-${process.pid}`;
            fs.rmSync(building, {recursive: true, force: true});
            // A failed build leaves the previous site as it was, and no temporary folder behind.
            process.once("exit", () => fs.rmSync(building, {recursive: true, force: true}));
            updateConfig({outDir: pathToFileURL(`${building}/`)});
        },
        "astro:build:done": async ({dir}) => {
            const building = fileURLToPath(dir).replace(/\/$/, "");
            const old = `${outDir}.old-${process.pid}`;
            if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
            fs.renameSync(building, outDir);
            fs.rmSync(old, {recursive: true, force: true});
        }
    }
};

export default defineConfig({
    root,
    srcDir: "./site/src",
    publicDir: "./site/public",
    outDir,
    // A separate cache dir lets concurrent builds (tests, perf script) avoid sharing state.
    cacheDir: path.resolve(root, process.env.SLMBENCH_SITE_CACHE || "node_modules/.astro"),
    base,
    output: "static",
    trailingSlash: "ignore",
    build: {format: "directory"},
    devToolbar: {enabled: false},
    // Static pages only: no prefetch, no view transitions, nothing that phones home.
    prefetch: false,
    integrations: [dropContentStubs, safeBuild]
});
