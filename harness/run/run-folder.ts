import {pathInside, pathSegment} from "../util/paths.js";

/** A run's folder under the output folder: <out>/<run id>, the id encoded as one path segment (never outside <out>). */
export function runFolder(outDir: string, runId: string): string {
    return pathInside(outDir, pathSegment(runId));
}
