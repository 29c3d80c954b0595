import {describe, expect, it} from "vitest";
import {parseSuite} from "../../harness/run/suite.js";
import {runSuite} from "../../harness/run/run-suite.js";
import {testAssetRoots, tinyStories} from "../helpers/assets.js";
import {tempDir} from "../helpers/cli.js";

describe("run options", () => {
    it("--tasks runs only the named task instances, --threads is recorded, and an unmatched filter is reported", async () => {
        const suite = await parseSuite({
            name: "options",
            models: [tinyStories("Q8_0")],
            tasks: [
                {type: "niah", id: "kv", lengths: [256], depths: [50], maxNewTokens: 4},
                {type: "niah", id: "classic", lengths: [256], depths: [50], maxNewTokens: 4, needle: {type: "classic"}}
            ]
        }, "options");
        const assetRoots = testAssetRoots(tempDir("cache"));
        const report = await runSuite(suite, {outDir: tempDir("out"), assetRoots, taskFilter: ["classic"], threads: 2, quiet: true});
        expect(report.complete).toBe(true);
        expect(report.documents.map((d) => d.task.id)).toEqual(["classic"]);
        expect(report.documents[0]!.env.threads).toBe(2);
        expect(report.documents[0]!.trials[0]!.input!.expected).toEqual(["sandwich", "Dolores Park"]);

        const none = await runSuite(suite, {outDir: tempDir("out"), assetRoots, taskFilter: ["nope"], quiet: true});
        expect(none.complete).toBe(false);
        expect(none.failures).toEqual([expect.stringMatching(/--tasks nope matches no task of the suite \(kv, classic\)/)]);
    });
});
