// The result documents themselves, copied byte for byte into the site under raw/<path>.
import fs from "node:fs";
import path from "node:path";
import type {APIRoute} from "astro";
import {siteData} from "../../lib/data.ts";
import {resultsDir} from "../../lib/load.ts";

export function getStaticPaths() {
    return siteData().docs.map((d) => ({params: {file: d.file}}));
}

export const GET: APIRoute = ({params}) =>
    new Response(fs.readFileSync(path.join(resultsDir(), params.file!)), {headers: {"Content-Type": "application/json"}});
