import {appendFileSync, mkdtempSync, readFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {SuiteError} from "../../harness/config/suite.js";
import {parseSuite} from "../../harness/run/suite.js";
import {Journal} from "../../harness/results/journal.js";
import {resultDocumentSchema} from "../../harness/results/schema.js";
import {resultJsonSchema, SCHEMA_FILE} from "../../harness/results/export-schema.js";

const base = {name: "t", models: ["x.gguf"], tasks: [{type: "niah", lengths: [256]}]};
async function suiteIssues(raw: unknown): Promise<string[]> {
    try {
        await parseSuite(raw, "suite.json");
        return [];
    } catch (error) {
        expect(error).toBeInstanceOf(SuiteError);
        expect((error as Error).message).toContain("suite.json");
        return (error as SuiteError).issues;
    }
}

describe("suite validation", () => {
    it("accepts a minimal suite and fills task defaults", async () => {
        const suite = await parseSuite(base, "suite.json");
        expect(suite.tasks[0]).toMatchObject({id: "niah", type: "niah"});
        expect(suite.tasks[0]!.config).toMatchObject({trialsPerCell: 1, haystack: {type: "noise"}, maxNewTokens: 32});
        expect(suite.threads).toBe(1);
    });

    it("names the field of every problem", async () => {
        expect(await suiteIssues({...base, tasks: [{type: "niah", lengths: [-1]}]})).toEqual([expect.stringMatching(/^tasks\[0\]\.lengths\[0\]: /)]);
        expect(await suiteIssues({...base, tasks: [{type: "niah", lengths: [256], depths: [10, 150]}]}))
            .toEqual(["tasks[0].depths[1]: depth must be at most 100 (%)"]);
        expect(await suiteIssues({...base, tasks: [{type: "nope"}]})).toEqual([expect.stringMatching(/^tasks\[0\]\.type: unknown task "nope" \(known: .*niah/)]);
        expect(await suiteIssues({...base, models: []})).toEqual(["models: a suite needs at least one model"]);
        expect(await suiteIssues({...base, tasks: [{type: "niah", lengths: [256]}, {type: "niah", lengths: [512]}]}))
            .toEqual([expect.stringMatching(/tasks\[1\]\.id: duplicate task id "niah"/)]);
    });

    it("hashes config, not key order: reordered keys resume the same run, a changed value does not", async () => {
        const a = await parseSuite(base, "a");
        const b = await parseSuite({tasks: [{lengths: [256], type: "niah"}], models: ["x.gguf"], name: "t"}, "b");
        const c = await parseSuite({...base, tasks: [{type: "niah", lengths: [257]}]}, "c");
        expect(b.hash).toBe(a.hash);
        expect(c.hash).not.toBe(a.hash);
    });
});

describe("journal", () => {
    const key = (trialId: string) => ({instanceId: "niah", configHash: "h", modelSha256: "s", trialId});
    const record = (id: string, status: "ok" | "error" = "ok") => ({id, cell: {length: 1}, seed: 1, status, scores: {lift: 1}, timings: {}});

    it("survives a torn last line and keeps one record per trial", () => {
        const file = path.join(mkdtempSync(path.join(os.tmpdir(), "journal-")), "journal.jsonl");
        const journal = new Journal(file);
        journal.append(key("a"), record("a", "error"));
        journal.append(key("a"), record("a"));
        journal.append(key("b"), record("b", "error"));
        journal.close();
        appendFileSync(file, '{"key": {"instanceId": "niah", "trial'); // a kill mid-write
        const reopened = new Journal(file);
        expect(reopened.completed(key("a"))?.status).toBe("ok");
        expect(reopened.completed(key("b"))).toBeUndefined(); // errors run again
        expect(reopened.get(key("b"))?.status).toBe("error");
        reopened.close();
        expect(new Journal(file, {fresh: true}).completed(key("a"))).toBeUndefined();
    });
});

describe("result schema", () => {
    it("the committed JSON Schema matches the zod schema (run `npm run schema` after changing it)", () => {
        expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(resultJsonSchema());
    });
    it("rejects a document with a wrong version or a bad sha256, naming the field", () => {
        const result = resultDocumentSchema.safeParse({schemaVersion: 2});
        expect(result.success).toBe(false);
        expect(result.error!.issues.map((i) => i.path.join("."))).toContain("schemaVersion");
    });
});

describe("suite validation reports everything at once", () => {
    it("lists model and task problems together, with precise paths for list-or-range fields", async () => {
        const issues = await suiteIssues({name: "t", models: [""], tasks: [{type: "niah", lengths: [256.5]}, {type: "niah", id: "b", lengths: {min: 1, max: 2}}]});
        expect(issues).toEqual([
            "models[0]: model reference must not be empty",
            expect.stringMatching(/^tasks\[0\]\.lengths\[0\]: .*expected int/),
            expect.stringMatching(/^tasks\[1\]\.lengths\.count: /)
        ]);
    });
});
