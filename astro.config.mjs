// Astro config for the slmbench leaderboard (static site built from results/runs/*.json).
import fs from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {defineConfig} from "astro/config";

const root = path.dirname(fileURLToPath(import.meta.url));

// Resolved once here and handed to page code through the environment: pages run from bundled
// chunks during the build, where neither cwd nor import.meta.url reliably point at the repo.
process.env.SLMBENCH_RESULTS_DIR = path.resolve(root, process.env.SLMBENCH_RESULTS_DIR || "results/runs");
// Same for the base path (not import.meta.env.BASE_URL: Astro lets a stray BASE_URL variable in
// the shell override that one).
const base = `/${(process.env.SLMBENCH_SITE_BASE || "").replace(/^\/+|\/+$/g, "")}/`.replace(/^\/\/$/, "/");
process.env.SLMBENCH_SITE_BASE = base;

// Astro 5 leaves empty content-layer stubs in a static outDir; they are not part of the site.
const dropContentStubs = {
    name: "slmbench-drop-content-stubs",
    hooks: {
        "astro:build:done": async ({dir}) => {
            for (const name of ["content-assets.mjs", "content-modules.mjs"]) await fs.rm(new URL(name, dir), {force: true});
        }
    }
};

export default defineConfig({
    root,
    srcDir: "./site/src",
    publicDir: "./site/public",
    outDir: path.resolve(root, process.env.SLMBENCH_SITE_OUT || "dist/site"),
    // A separate cache dir lets concurrent builds (tests, perf script) avoid sharing state.
    cacheDir: path.resolve(root, process.env.SLMBENCH_SITE_CACHE || "node_modules/.astro"),
    base,
    output: "static",
    trailingSlash: "ignore",
    build: {format: "directory"},
    devToolbar: {enabled: false},
    // Static pages only: no prefetch, no view transitions, nothing that phones home.
    prefetch: false,
    integrations: [dropContentStubs]
});
