import {createHash} from "node:crypto";
import {mkdir, rename, writeFile} from "node:fs/promises";
import path from "node:path";
import type {AssetRoots} from "./roots.js";
import {findAsset} from "./roots.js";

/**
 * Built-in dataset files slmbench can fetch when no asset root has them: public copies pinned at a
 * commit, with the sha256 of the original distribution files (STS-B from Stsbenchmark.tar.gz,
 * SICK from the SemEval-2014 release), so a download is byte-checked before it is used.
 */
export const KNOWN_DATASET_FILES: Record<string, {url: string; sha256: string; bytes: number}> = {
    "stsb/sts-test.csv": {
        url: "https://raw.githubusercontent.com/amao0o0/SynWMD/59042a92e862db58bd01e47914345d2f52d2a4a3/data/downstream/STS/STSBenchmark/stsbenchmark/sts-test.csv",
        sha256: "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a", bytes: 282419
    },
    "stsb/sts-dev.csv": {
        url: "https://raw.githubusercontent.com/amao0o0/SynWMD/59042a92e862db58bd01e47914345d2f52d2a4a3/data/downstream/STS/STSBenchmark/stsbenchmark/sts-dev.csv",
        sha256: "5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234", bytes: 255680
    },
    "stsb/sts-train.csv": {
        url: "https://raw.githubusercontent.com/amao0o0/SynWMD/59042a92e862db58bd01e47914345d2f52d2a4a3/data/downstream/STS/STSBenchmark/stsbenchmark/sts-train.csv",
        sha256: "0f71910b59aa1ad973c5897f0791f3b0965a92b8f82b1a95f3eea9f4162fda82", bytes: 901177
    },
    "sick/SICK_test_annotated.txt": {
        url: "https://raw.githubusercontent.com/a389965626/Sick-/1c9d2289d3b36ec71592e51828257e7a81b48028/SICK_test_annotated.txt",
        sha256: "a7b22f10009c0094f213d7ad721152c5d0b63225c9e440fe1d754dbc61b0f21b", bytes: 554983
    },
    "sick/SICK_train.txt": {
        url: "https://raw.githubusercontent.com/a389965626/Sick-/1c9d2289d3b36ec71592e51828257e7a81b48028/SICK_train.txt",
        sha256: "f4d128aad59deb5f3d539a97fb8bf23ee111df99c904387b5025c69b7fc31b81", bytes: 506175
    },
    "sick/SICK_trial.txt": {
        url: "https://raw.githubusercontent.com/a389965626/Sick-/1c9d2289d3b36ec71592e51828257e7a81b48028/SICK_trial.txt",
        sha256: "5e24b7fb1639e20a9c39f34dd2868e0cd05abbddce749063224a822109b9038c", bytes: 57157
    }
};

/**
 * Where a known file is fetched from. `SLMBENCH_DATASET_MIRROR` replaces the origin (scheme, host
 * and port) of every URL, for a local mirror, or a fake server in tests.
 */
function downloadUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
    const mirror = env.SLMBENCH_DATASET_MIRROR;
    if (!mirror) return url;
    const original = new URL(url);
    return new URL(original.pathname, mirror.endsWith("/") ? mirror : `${mirror}/`).href.replace(/([^:]\/)\/+/g, "$1");
}

/**
 * Makes sure each built-in dataset file is in some asset root: when none has it, downloads it into
 * the cache root (`<cache>/datasets/<relative>`), checks its sha256 and only then moves it in place.
 * Files that are not built-in are left to the caller's "not found" error.
 */
export async function ensureDatasetFiles(assetRoots: AssetRoots, relatives: string[], options: {log?: (line: string) => void} = {}): Promise<void> {
    for (const relative of relatives) {
        const known = KNOWN_DATASET_FILES[relative];
        if (!known || findAsset(assetRoots, "datasets", relative)) continue;
        const url = downloadUrl(known.url);
        options.log?.(`downloading datasets/${relative} from ${url}`);
        let bytes: Buffer;
        try {
            const response = await fetch(url, {signal: AbortSignal.timeout(120_000)});
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            bytes = Buffer.from(await response.arrayBuffer());
        } catch (error) {
            throw new Error(`datasets/${relative} is in no asset root and its download from ${url} failed: ${(error as Error).message}`);
        }
        const digest = createHash("sha256").update(bytes).digest("hex");
        if (digest !== known.sha256)
            throw new Error(`datasets/${relative}: the download from ${url} has sha256 ${digest}, expected ${known.sha256}; not used`);
        const target = path.join(assetRoots.cacheDir, "datasets", relative);
        await mkdir(path.dirname(target), {recursive: true});
        const partial = `${target}.partial-${process.pid}`;
        await writeFile(partial, bytes);
        await rename(partial, target);
    }
}
