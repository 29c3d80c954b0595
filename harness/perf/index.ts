/** `npm run perf`: every figure script in this folder, one after another (each prints its own figures). */
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {fileURLToPath} from "node:url";

const scripts = ["niah-perf.ts", "sts-perf.ts", "fidelity-perf.ts", "direct-perf.ts", "quantize-perf.ts", "hosted-perf.ts", "site-perf.ts"]
    .map((name) => fileURLToPath(new URL(`./${name}`, import.meta.url)))
    .filter(existsSync);
let failed = 0;
for (const script of scripts) {
    console.log(`\n=== ${script.split("/").pop()} ===`);
    const result = spawnSync(process.execPath, ["--import", "tsx", script], {stdio: "inherit"});
    if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
