// Shared by the site tests: build the site from a results dir, serve it on 127.0.0.1, drive
// Debian chromium with playwright-core, and watch every page for console errors and for
// requests that leave 127.0.0.1.
import {execFileSync, spawn} from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {chromium, type BrowserContext, type Page} from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `slmbench-site-${prefix}-`));
}

/**
 * A temp dir inside the repo for build output. Astro bundles the pages into outDir before
 * rendering them; for an outDir outside cwd it uses <cwd>/.astro instead, which concurrent
 * builds would share. Under node_modules/.cache each build gets its own.
 */
export function buildOutDir(): string {
    const parent = path.join(REPO, "node_modules", ".cache", "slmbench-site");
    fs.mkdirSync(parent, {recursive: true});
    return fs.mkdtempSync(path.join(parent, "out-"));
}

export interface BuildResult {
    code: number | null;
    output: string;
    outDir: string;
}

/** Runs `npx astro build` for `resultsDir` into `outDir` (default a fresh temp dir); never throws on build failure. */
export function buildSite(resultsDir: string, extraEnv: Record<string, string> = {}, timeoutMs = 110_000, outDir = buildOutDir()): Promise<BuildResult> {
    const cacheDir = tempDir("cache");
    // Without the variables vitest adds (NODE_ENV=test, BASE_URL ...): build as from a shell.
    const inherited = Object.fromEntries(Object.entries(process.env)
        .filter(([k]) => !/^(VITEST.*|VITE_.*|NODE_ENV|BASE_URL|MODE|DEV|PROD|SSR|TEST)$/.test(k)));
    const env = {
        ...inherited, ASTRO_TELEMETRY_DISABLED: "1", SLMBENCH_RESULTS_DIR: resultsDir, SLMBENCH_SITE_OUT: outDir,
        SLMBENCH_SITE_CACHE: cacheDir, SLMBENCH_SITE_BASE: "/", NO_COLOR: "1", ...extraEnv
    };
    return new Promise((resolve) => {
        // Own process group, so a timeout kills astro itself and not just npx.
        const child = spawn("npx", ["astro", "build"], {cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"], detached: true});
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        const timer = setTimeout(() => {
            output += `\n[test] astro build timed out after ${timeoutMs} ms`;
            if (child.pid) process.kill(-child.pid, "SIGKILL");
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            fs.rmSync(cacheDir, {recursive: true, force: true});
            resolve({code, output, outDir});
        });
    });
}

const TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml"
};

/** A minimal static server for the built site (directory URLs map to index.html). */
export async function serve(root: string): Promise<{origin: string; close: () => Promise<void>}> {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        let file = path.join(root, decodeURIComponent(url.pathname));
        if (!file.startsWith(root)) return void res.writeHead(403).end();
        if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
        if (!fs.existsSync(file)) return void res.writeHead(404).end("not found");
        res.writeHead(200, {"Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream"});
        fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const {port} = server.address() as AddressInfo;
    return {origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))};
}

/** Debian chromium, as CI installs it. Missing is a failure with instructions, never a skip. */
export function chromiumPath(): string {
    const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].filter((p): p is string => Boolean(p));
    try {
        candidates.push(execFileSync("sh", ["-c", "command -v chromium"], {encoding: "utf8"}).trim());
    } catch {
        // not on PATH; the candidates above may still exist
    }
    const found = candidates.find((p) => p && fs.existsSync(p));
    if (!found) {
        throw new Error("Chromium not found: the site browser tests need Debian's chromium. " +
            "Install it with `apt-get install -y --no-install-recommends chromium` (or set CHROMIUM_PATH).");
    }
    return found;
}

/**
 * A fresh chromium profile per launch. Playwright sets --user-data-dir itself (and rejects it in
 * args), hence a persistent context on a new temp dir.
 */
export async function launchBrowser(): Promise<{context: BrowserContext; close: () => Promise<void>}> {
    const profile = tempDir("chromium");
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath(),
        headless: true,
        viewport: {width: 1280, height: 900},
        args: [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
        ]
    });
    return {
        context,
        close: async () => {
            await context.close();
            // Best effort: a profile left in the temp dir must not fail a test.
            await fs.promises.rm(profile, {recursive: true, force: true, maxRetries: 5, retryDelay: 100}).catch(() => undefined);
        }
    };
}

/** Problems seen on a page: console errors, page errors, failed or off-host requests, dialogs. */
export interface PageWatch {
    problems: string[];
    dialogs: string[];
}

export function watch(page: Page): PageWatch {
    const w: PageWatch = {problems: [], dialogs: []};
    page.on("console", (msg) => {
        if (msg.type() === "error") w.problems.push(`console error: ${msg.text()}`);
    });
    page.on("pageerror", (error) => w.problems.push(`page error: ${error.message}`));
    page.on("request", (req) => {
        const url = new URL(req.url());
        if (!["data:", "blob:", "about:"].includes(url.protocol) && url.hostname !== "127.0.0.1") w.problems.push(`off-host request: ${req.url()}`);
    });
    page.on("requestfailed", (req) => w.problems.push(`failed request: ${req.url()} (${req.failure()?.errorText})`));
    page.on("response", (res) => {
        if (res.status() >= 400) w.problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    page.on("dialog", (dialog) => {
        w.dialogs.push(dialog.message());
        void dialog.dismiss();
    });
    return w;
}

/** Share of a canvas's pixels that are painted (non-transparent): 0 means the chart never drew. */
export function paintedShare(page: Page, selector: string): Promise<number> {
    return page.$eval(selector, (canvas) => {
        const c = canvas as HTMLCanvasElement;
        const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return painted / (data.length / 4);
    });
}
