/**
 * The harness's layers, enforced in `npm test` (test/unit/layers.test.ts). Each layer imports only
 * from those below it:
 *
 *   cli -> run -> tasks -> session <- providers ; models ; config, assets, results ; util
 *   (task folders share code only through harness/tasks/shared/, below them)
 *   quantize and perf sit above what they use (perf also above test fixtures); benchmarks/ suites import only harness/config;
 *   the site imports only harness/results/schema.ts, each task's contract.ts and harness/util.
 *
 * Type-only imports and import() count (tsPreCompilationDeps: true; dynamic imports are followed).
 */
const HARNESS_ABOVE_RUN = "^harness/(cli\\.ts|quantize|perf)";
const layer = (name, mayNotImport, comment) => ({
    name, comment, severity: "error",
    from: {path: `^harness/${name}/`},
    to: {path: mayNotImport}
});

module.exports = {
    forbidden: [
        {name: "no-circular", severity: "error", comment: "modules never import each other in a cycle", from: {}, to: {circular: true}},
        layer("util", "^harness/(?!util/)", "util is the bottom layer: pure helpers that import nothing of the harness"),
        layer("results", "^harness/(?!(util|results)/)", "results (schema, journal, writer) import only util"),
        layer("config", "^harness/(?!(util|config)/)", "config (the suite file schema) imports only util"),
        layer("assets", "^harness/(?!(util|assets)/)", "assets (roots, dataset downloads) import only util"),
        layer("session", "^harness/(?!(util|session)/)", "session is the capability contract: it imports only util"),
        layer("models", "^harness/(?!(util|results|config|assets|models)/)", "models (GGUF facts, ladders) import only the layers below"),
        layer("providers", "^harness/(tasks|run)/|" + HARNESS_ABOVE_RUN, "providers implement sessions: they never import tasks or the run layer"),
        layer("tasks", "^harness/(providers|run)/|" + HARNESS_ABOVE_RUN, "tasks see sessions, never a provider: another model is opened through TaskContext.openModel"),
        layer("run", HARNESS_ABOVE_RUN, "run orchestrates tasks and providers; nothing below imports it"),
        {
            name: "quantize-below-cli", severity: "error", comment: "quantize sits above what it uses, beside run",
            from: {path: "^harness/quantize/"}, to: {path: "^harness/(cli\\.ts|perf|run)/?"}
        },
        {
            name: "no-sibling-tasks", severity: "error",
            comment: "a task folder imports no other task folder; code several tasks use lives in harness/tasks/shared/ (or harness/util)",
            from: {path: "^harness/tasks/([^/]+)/"}, to: {path: "^harness/tasks/[^/]+/", pathNot: ["^harness/tasks/$1/", "^harness/tasks/shared/"]}
        },
        {
            name: "shared-below-tasks", severity: "error", comment: "harness/tasks/shared/ is below the task folders: it imports none of them",
            from: {path: "^harness/tasks/shared/"}, to: {path: "^harness/tasks/(?!shared/)[^/]+/"}
        },
        {
            name: "no-sibling-providers", severity: "error",
            comment: "a provider folder imports no other provider folder, except the shared hosted machinery (which imports none)",
            from: {path: "^harness/providers/([^/]+)/"}, to: {path: "^harness/providers/[^/]+/", pathNot: ["^harness/providers/$1/", "^harness/providers/hosted/"]}
        },
        {
            name: "contract-imports-zod-and-util", severity: "error",
            comment: "a task's contract.ts is shared with the site: it imports only zod and harness/util",
            from: {path: "^harness/tasks/[^/]+/contract\\.ts$"}, to: {pathNot: ["^harness/util/", "^node_modules/zod/"]}
        },
        {
            name: "only-perf-uses-test-code", severity: "error",
            comment: "the harness never imports test code; perf scripts sit above the test fixtures they reuse (fake server, synthetic documents)",
            from: {path: "^harness/(?!perf/)"}, to: {path: "^test/"}
        },
        {
            name: "tests-do-not-import-perf", severity: "error", comment: "tests import the harness, never the perf scripts above them",
            from: {path: "^test/"}, to: {path: "^harness/perf/"}
        },
        {
            name: "suites-import-config", severity: "error", comment: "benchmark suites import only harness/config (defineSuite)",
            from: {path: "^benchmarks/"}, to: {path: "^harness/", pathNot: "^harness/config/"}
        },
        {
            name: "site-imports-contracts", severity: "error",
            comment: "the site reads documents through the result schema and each task's contract module, and pure helpers in harness/util",
            from: {path: "^site/"}, to: {path: "^harness/", pathNot: ["^harness/results/schema\\.ts$", "^harness/tasks/[^/]+/contract\\.ts$", "^harness/util/"]}
        }
    ],
    options: {
        doNotFollow: {path: "node_modules"},
        tsPreCompilationDeps: true,
        tsConfig: {fileName: "tsconfig.json"},
        enhancedResolveOptions: {extensions: [".ts", ".mts", ".js", ".mjs", ".json"]},
        exclude: {path: "^(node_modules|dist|\\.astro)/"}
    }
};
