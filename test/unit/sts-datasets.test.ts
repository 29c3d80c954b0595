// STS datasets read from their original files, and every way a file can be wrong (errors name file:line).
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import type {AssetRoots} from "../../harness/assets/roots.js";
import {stsConfigSchema} from "../../harness/tasks/sts/config.js";
import {parseCsv} from "../../harness/tasks/sts/csv.js";
import {DatasetError, loadDataset} from "../../harness/tasks/sts/datasets.js";
import {SHARED_ASSETS, testAssetRoots} from "../helpers/assets.js";

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "slmbench-sts-data-"));
const assetRoots = testAssetRoots(tempDir());
const dataset = (raw: object, roots: AssetRoots = assetRoots) => loadDataset(stsConfigSchema.parse({dataset: raw}).dataset, roots);

function userFile(name: string, content: string): string {
    const file = path.join(tempDir(), name);
    writeFileSync(file, content);
    return file;
}

function errorOf(run: () => unknown): string {
    try {
        run();
    } catch (error) {
        expect(error).toBeInstanceOf(DatasetError);
        return (error as Error).message;
    }
    throw new Error("expected a DatasetError");
}

const count = (values: string[]) => Object.fromEntries([...new Set(values)].map((v) => [v, values.filter((x) => x === v).length]));

describe("built-in STS datasets (original files)", () => {
    it("reads STS-B test and dev: 1,379 and 1,500 pairs, quotes kept literally, genres and sources as documented", () => {
        const test = dataset({type: "stsb", split: "test"});
        expect(test.pairs).toHaveLength(1379);
        expect(dataset({type: "stsb", split: "dev"}).pairs).toHaveLength(1500);
        // 50 test rows hold '"': split on TAB only, so the quotes stay in the sentences.
        expect(test.pairs.filter((p) => p.sentence1.includes('"') || p.sentence2.includes('"'))).toHaveLength(50);
        const quoted = test.pairs.find((p) => p.sentence1 === 'A young boy jumping into a pool that says "no diving".');
        expect(quoted?.sentence2).toBe("A boy jumps into a pool while lifeguards watch.");
        expect(quoted?.score).toBe(3.2);
        expect(count(test.pairs.map((p) => p.groups.genre!))).toEqual({"main-captions": 625, "main-news": 500, "main-forums": 254});
        expect(count(test.pairs.map((p) => p.groups.source!))).toEqual(
            {MSRpar: 250, MSRvid: 250, headlines: 250, images: 250, "track5.en-en": 125, "answer-answer": 254});
        expect(new Set(test.pairs.map((p) => p.id)).size).toBe(1379);
        expect(test.files[0]!.sha256).toBe("affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a");
    });

    it("reads SICK-R as MTEB (all 9,927 pairs) or SentEval (4,927 test pairs), and says which", () => {
        const all = dataset({type: "sick"});
        const test = dataset({type: "sick", pairs: "test"});
        expect(all.pairs).toHaveLength(9927);
        expect(test.pairs).toHaveLength(4927);
        expect(all.description).toMatch(/all 9927 .*MTEB/);
        expect(test.description).toMatch(/4927 test pairs .*SentEval/);
        expect(count(test.pairs.map((p) => p.groups.entailment!))).toEqual({NEUTRAL: 2793, ENTAILMENT: 1414, CONTRADICTION: 720});
        expect(Math.min(...all.pairs.map((p) => p.score))).toBe(1);
        expect(Math.max(...all.pairs.map((p) => p.score))).toBe(5);
    });

    it("rejects an STS-B row with the wrong field count, naming file and line (never skips it)", () => {
        const root = tempDir();
        mkdirSync(path.join(root, "datasets", "stsb"), {recursive: true});
        const lines = readFileSync(path.join(SHARED_ASSETS, "datasets", "stsb", "sts-test.csv"), "utf8").split("\n");
        lines[2] = lines[2]!.replace("\t", " "); // line 3 now has 6 fields
        lines[4] = lines[4]!.split("\t").map((field, i) => (i === 4 ? "five" : field)).join("\t"); // line 5: score is not a number
        const file = path.join(root, "datasets", "stsb", "sts-test.csv");
        writeFileSync(file, lines.join("\n"));
        const message = errorOf(() => dataset({type: "stsb", split: "test"}, {roots: [root], cacheDir: tempDir()}));
        expect(message).toContain(`${file}:3: expected 7 or 9 TAB-separated fields, found 6`);
        expect(message).toContain(`${file}:5: score "five" is not a number`);
    });

    it("says where it looked when a built-in file is missing", () => {
        const message = errorOf(() => dataset({type: "stsb", split: "test"}, {roots: [tempDir()], cacheDir: tempDir()}));
        expect(message).toMatch(/datasets\/stsb\/sts-test\.csv: not found under any asset root .*SLMBENCH_ASSETS/);
    });
});

describe("user pair files", () => {
    it("reads TSV with a header, quotes literal, columns by name; ids default to the line", () => {
        const file = userFile("pairs.tsv", 's1\ts2\tgold\n"Quoted" start\tplain\t4.5\nA\tB\t0\n');
        const data = dataset({type: "file", file, columns: {sentence1: "s1", sentence2: "s2", score: "gold"}, scoreRange: [0, 5]});
        expect(data.pairs.map((p) => [p.id, p.sentence1, p.sentence2, p.score])).toEqual([["L2", '"Quoted" start', "plain", 4.5], ["L3", "A", "B", 0]]);
        expect(data.name).toBe("pairs.tsv");
    });

    it("reads RFC 4180 CSV: quoted commas, doubled quotes, line breaks inside quotes; columns by index without a header", () => {
        const file = userFile("pairs.csv", 'id,a,b,s\n7,"x, y","say ""hi""",1\r\n8,"two\nlines",z,2\n');
        const byName = dataset({type: "file", file, columns: {id: "id", sentence1: "a", sentence2: "b", score: "s"}, scoreRange: [0, 2]});
        expect(byName.pairs.map((p) => [p.id, p.sentence1, p.sentence2, p.score])).toEqual([["7", "x, y", 'say "hi"', 1], ["8", "two\nlines", "z", 2]]);
        const noHeader = userFile("nohead.csv", '"a b",c,3\nd,e,4\n');
        const byIndex = dataset({type: "file", file: noHeader, header: false, columns: {sentence1: 0, sentence2: 1, score: 2}, scoreRange: [0, 5]});
        expect(byIndex.pairs.map((p) => [p.sentence1, p.score])).toEqual([["a b", 3], ["d", 4]]);
    });

    it("reads JSONL by key (numeric scores or numeric strings) and a group column for breakdowns", () => {
        const file = userFile("pairs.jsonl", '{"sentence1":"a","sentence2":"b","score":0.5,"g":"x"}\n\n{"sentence1":"c","sentence2":"d","score":"1","g":"y"}\n');
        const data = dataset({type: "file", file, columns: {group: "g"}, scoreRange: [0, 1]});
        expect(data.pairs.map((p) => [p.id, p.score, p.groups.group])).toEqual([["L1", 0.5, "x"], ["L3", 1, "y"]]);
        expect(data.groupKeys).toEqual(["group"]);
    });

    it("names file and line for malformed rows, scores outside the range and empty sentences", () => {
        const file = userFile("bad.tsv", "sentence1\tsentence2\tscore\nok\tfine\t3\ntoo\tmany\t1\textra\nhigh\tscore\t7\n \tempty\t1\nnan\tscore\tabc\nx\t\t2\n");
        const message = errorOf(() => dataset({type: "file", file, scoreRange: [0, 5]}));
        expect(message.split("\n")).toEqual([
            `${file}:3: expected 3 TAB-separated fields, found 4`,
            `${file}:4: score 7 is outside the declared range [0, 5]`,
            `${file}:5: sentence1 is empty`,
            `${file}:6: score "abc" is not a number`,
            `${file}:7: sentence2 is empty`
        ]);
        const json = userFile("bad.jsonl", '{"sentence1":"a","sentence2":"b","score":1}\n{"sentence1":"a",\n[1,2]\n');
        expect(errorOf(() => dataset({type: "file", file: json, scoreRange: [0, 5]})).split("\n")).toEqual([
            expect.stringMatching(new RegExp(`^${json.replace(/[.\\/]/g, "\\$&")}:2: not valid JSON \\(`)),
            `${json}:3: score is missing`,
            `${json}:3: sentence1 is missing`,
            `${json}:3: sentence2 is missing`
        ]);
        const csv = userFile("bad.csv", 'sentence1,sentence2,score\n"never closed,b,1\n');
        expect(errorOf(() => dataset({type: "file", file: csv, scoreRange: [0, 5]}))).toBe(`${csv}:2: quoted field is never closed`);
    });

    it("rejects missing, empty and header-only files, and header names that are not there", () => {
        expect(errorOf(() => dataset({type: "file", file: "/no/such/pairs.tsv", scoreRange: [0, 5]}))).toMatch(/\/no\/such\/pairs\.tsv: dataset file not found/);
        const empty = userFile("empty.tsv", "\n  \n");
        expect(errorOf(() => dataset({type: "file", file: empty, scoreRange: [0, 5]}))).toBe(`${empty}: dataset file is empty`);
        const headerOnly = userFile("header.tsv", "sentence1\tsentence2\tscore\n");
        expect(errorOf(() => dataset({type: "file", file: headerOnly, scoreRange: [0, 5]}))).toBe(`${headerOnly}: holds no rows`);
        const wrongHeader = userFile("wrong.tsv", "a\tb\tscore\nx\ty\t1\n");
        expect(errorOf(() => dataset({type: "file", file: wrongHeader, scoreRange: [0, 5]})))
            .toBe(`${wrongHeader}:1: header has no column sentence1 ("sentence1"), sentence2 ("sentence2") (columns: a, b, score)`);
        const unknownExt = userFile("pairs.txt", "a\tb\t1\n");
        expect(errorOf(() => dataset({type: "file", file: unknownExt, scoreRange: [0, 5]}))).toMatch(/set dataset.format/);
    });

    it("validates the config: score range order, known dataset types", () => {
        expect(stsConfigSchema.safeParse({dataset: {type: "file", file: "x.tsv", scoreRange: [5, 0]}}).success).toBe(false);
        expect(stsConfigSchema.safeParse({dataset: {type: "stsb", split: "validation"}}).success).toBe(false);
        expect(stsConfigSchema.parse({dataset: {type: "sick"}}).dataset).toEqual({type: "sick", pairs: "all"});
    });
});

describe("CSV parser", () => {
    it("reports the line of a stray quote and of text after a closing quote", () => {
        expect(() => parseCsv('a,b\nc,d"e\n')).toThrow(/quote inside an unquoted field/);
        try {
            parseCsv('a,b\n"c"x,d\n');
        } catch (error) {
            expect((error as {line: number}).line).toBe(2);
        }
        expect(parseCsv('a,""\n\n"",b')).toEqual([{line: 1, fields: ["a", ""]}, {line: 3, fields: ["", "b"]}]);
    });
});
