import {createHash} from "node:crypto";
import {existsSync, readFileSync, statSync} from "node:fs";
import path from "node:path";
import type {AssetRoots} from "../../assets/roots.js";
import {findAsset} from "../../assets/roots.js";
import type {StsDatasetConfig} from "./config.js";
import {clipMessage, quote, quoteValue} from "../../util/clip.js";
import {CsvSyntaxError, DelimitedRecord, parseCsv, splitTabLines} from "./csv.js";

export interface StsPair {
    /** Unique within the dataset. */
    id: string;
    sentence1: string;
    sentence2: string;
    /** Gold similarity as given in the file. */
    score: number;
    /** Breakdown keys (STS-B: genre, source; SICK: entailment, split; user files: group). */
    groups: Record<string, string>;
}

export interface StsDatasetFile {
    /** As configured or relative to the asset root's datasets/ (machine-independent). */
    path: string;
    sha256: string;
    rows: number;
}

export interface StsDataset {
    name: string;
    /** Which pairs, in words (e.g. which SICK-R convention). */
    description: string;
    files: StsDatasetFile[];
    scoreRange: [number, number];
    groupKeys: string[];
    pairs: StsPair[];
}

/** A dataset file that is missing, empty or has rows that do not parse; lists every problem as file:line. */
export class DatasetError extends Error {
    constructor(readonly issues: string[]) {
        const shown = issues.slice(0, 10);
        super(shown.join("\n") + (issues.length > shown.length ? `\n... and ${issues.length - shown.length} more problems` : ""));
        this.name = "DatasetError";
    }
}

// Unambiguous (digits, then an optional fraction): a 10 MB run of digits is checked in linear time, without backtracking.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Collects row problems of one file; throws them all at the end. */
class RowChecker {
    readonly issues: string[] = [];
    constructor(readonly file: string, readonly scoreRange: [number, number]) {}

    problem(line: number, message: string) {
        // Messages quote input (ids, values): never more than a few hundred characters of it.
        this.issues.push(`${this.file}:${line}: ${clipMessage(message, 400)}`);
    }

    score(line: number, raw: unknown): number | undefined {
        if (raw === undefined || raw === null) {
            this.problem(line, "score is missing");
            return undefined;
        }
        const value = typeof raw === "number" ? raw : typeof raw === "string" && NUMBER.test(raw.trim()) ? Number(raw.trim()) : NaN;
        if (!Number.isFinite(value)) {
            this.problem(line, `score ${quoteValue(raw)} is not a number`);
            return undefined;
        }
        const [min, max] = this.scoreRange;
        if (value < min || value > max) {
            this.problem(line, `score ${value} is outside the declared range [${min}, ${max}]`);
            return undefined;
        }
        return value;
    }

    sentence(line: number, raw: unknown, name: string): string | undefined {
        if (typeof raw !== "string") {
            this.problem(line, `${name} is ${raw === undefined ? "missing" : `not a string (${quoteValue(raw)})`}`);
            return undefined;
        }
        if (raw.trim() === "") {
            this.problem(line, `${name} is empty`);
            return undefined;
        }
        return raw;
    }

    done() {
        if (this.issues.length > 0) throw new DatasetError(this.issues);
    }
}

interface ReadFile {
    absolute: string;
    shown: string;
    text: string;
    sha256: string;
}

function readDatasetFile(absolute: string, shown: string): ReadFile {
    if (!existsSync(absolute)) throw new DatasetError([`${shown}: dataset file not found (${absolute})`]);
    if (statSync(absolute).isDirectory()) throw new DatasetError([`${shown}: is a folder, not a dataset file`]);
    const bytes = readFileSync(absolute);
    let text = bytes.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === "") throw new DatasetError([`${absolute}: dataset file is empty`]);
    return {absolute, shown, text, sha256: createHash("sha256").update(bytes).digest("hex")};
}

function builtinFile(assetRoots: AssetRoots, relative: string): ReadFile {
    const found = findAsset(assetRoots, "datasets", relative);
    if (!found) throw new DatasetError([`datasets/${relative}: not found under any asset root (${assetRoots.roots.join(", ")}); ` +
        "set SLMBENCH_ASSETS to a folder holding datasets/" + relative]);
    return readDatasetFile(found, relative);
}

/**
 * STS-B, original distribution: TAB-separated, no header, 7 or 9 fields
 * (genre, filename, year, id, score, sentence1, sentence2[, license, attribution]).
 * Split on TAB only: quotes are literal text (50 test rows hold `"`).
 */
function loadStsb(split: "test" | "dev" | "train", assetRoots: AssetRoots): StsDataset {
    const file = builtinFile(assetRoots, `stsb/sts-${split}.csv`);
    const check = new RowChecker(file.absolute, [0, 5]);
    const pairs: StsPair[] = [];
    const ids = new Set<string>();
    for (const {line, fields} of splitTabLines(file.text)) {
        if (fields.length !== 7 && fields.length !== 9) {
            check.problem(line, `expected 7 or 9 TAB-separated fields, found ${fields.length}`);
            continue;
        }
        const [genre, source, year, pairId, rawScore, s1, s2] = fields as [string, string, string, string, string, string, string];
        const score = check.score(line, rawScore);
        const sentence1 = check.sentence(line, s1, "sentence1");
        const sentence2 = check.sentence(line, s2, "sentence2");
        const id = `${source}-${year}-${pairId}`;
        if (ids.has(id)) check.problem(line, `duplicate pair id ${id}`);
        ids.add(id);
        if (score === undefined || sentence1 === undefined || sentence2 === undefined) continue;
        pairs.push({id, sentence1, sentence2, score, groups: {genre, source}});
    }
    check.done();
    return {
        name: `STS-B ${split}`,
        description: `STS Benchmark ${split} split, ${pairs.length} pairs (original sts-${split}.csv)`,
        files: [{path: file.shown, sha256: file.sha256, rows: pairs.length}],
        scoreRange: [0, 5],
        groupKeys: ["genre", "source"],
        pairs
    };
}

const SICK_FILES = {train: "SICK_train.txt", trial: "SICK_trial.txt", test: "SICK_test_annotated.txt"} as const;

/** The asset-root relative files a built-in dataset reads (to download them first when no root has them). */
export function builtinDatasetFiles(config: StsDatasetConfig): string[] {
    if (config.type === "stsb") return [`stsb/sts-${config.split}.csv`];
    if (config.type === "sick") return (config.pairs === "all" ? (["train", "trial", "test"] as const) : (["test"] as const)).map((split) => `sick/${SICK_FILES[split]}`);
    return [];
}

/** SICK, SemEval-2014 files: TAB-separated, no header, 5 fields (pair_ID, sentence_A, sentence_B, relatedness, entailment). */
function loadSick(selection: "all" | "test", assetRoots: AssetRoots): StsDataset {
    const splits = selection === "all" ? (["train", "trial", "test"] as const) : (["test"] as const);
    const pairs: StsPair[] = [];
    const files: StsDatasetFile[] = [];
    const ids = new Set<string>();
    const issues: string[] = [];
    for (const split of splits) {
        const file = builtinFile(assetRoots, `sick/${SICK_FILES[split]}`);
        const check = new RowChecker(file.absolute, [1, 5]);
        let rows = 0;
        for (const {line, fields} of splitTabLines(file.text)) {
            if (fields.length !== 5) {
                check.problem(line, `expected 5 TAB-separated fields, found ${fields.length}`);
                continue;
            }
            const [pairId, a, b, rawScore, entailment] = fields as [string, string, string, string, string];
            if (!/^\d+$/.test(pairId)) check.problem(line, `pair_ID ${quote(pairId)} is not a number (a header line?)`);
            if (ids.has(pairId)) check.problem(line, `duplicate pair_ID ${pairId}`);
            ids.add(pairId);
            const score = check.score(line, rawScore);
            const sentence1 = check.sentence(line, a, "sentence_A");
            const sentence2 = check.sentence(line, b, "sentence_B");
            if (score === undefined || sentence1 === undefined || sentence2 === undefined) continue;
            pairs.push({id: pairId, sentence1, sentence2, score, groups: {entailment, split}});
            rows++;
        }
        issues.push(...check.issues);
        files.push({path: file.shown, sha256: file.sha256, rows});
    }
    if (issues.length > 0) throw new DatasetError(issues);
    return {
        name: selection === "all" ? "SICK-R" : "SICK-R test",
        description: selection === "all"
            ? `SICK relatedness, all ${pairs.length} SemEval-2014 pairs (train + trial + test), as MTEB's SICK-R scores them`
            : `SICK relatedness, the ${pairs.length} test pairs (SICK_test_annotated.txt), as SentEval / the SBERT paper score them`,
        files,
        scoreRange: [1, 5],
        groupKeys: selection === "all" ? ["entailment", "split"] : ["entailment"],
        pairs
    };
}

function formatOf(file: string, format: "tsv" | "csv" | "jsonl" | undefined): "tsv" | "csv" | "jsonl" {
    if (format) return format;
    const ext = path.extname(file).toLowerCase();
    if (ext === ".tsv" || ext === ".tab") return "tsv";
    if (ext === ".csv") return "csv";
    if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
    throw new DatasetError([`${file}: cannot tell the format from the extension "${ext}"; set dataset.format to tsv, csv or jsonl`]);
}

export function resolveUserFile(file: string, assetRoots: AssetRoots): string {
    if (existsSync(file)) return path.resolve(file);
    const found = findAsset(assetRoots, "datasets", file);
    if (!found) throw new DatasetError([`${file}: dataset file not found (looked at ${path.resolve(file)} and under datasets/ in ${assetRoots.roots.join(", ")})`]);
    return found;
}

type FileDataset = Extract<StsDatasetConfig, {type: "file"}>;
type Column = string | number;

/** A user file of (sentence1, sentence2, score) rows: TSV (split on TAB, quotes literal), CSV (RFC 4180) or JSONL. */
function loadUserFile(config: FileDataset, assetRoots: AssetRoots): StsDataset {
    const absolute = resolveUserFile(config.file, assetRoots);
    const file = readDatasetFile(absolute, config.file);
    const format = formatOf(absolute, config.format);
    const check = new RowChecker(absolute, config.scoreRange);
    const {columns} = config;
    const wanted: [string, Column | undefined][] = [
        ["sentence1", columns.sentence1], ["sentence2", columns.sentence2], ["score", columns.score],
        ["id", columns.id], ["group", columns.group]
    ];

    let rows: {line: number; get(column: Column): unknown}[];
    if (format === "jsonl") {
        rows = [];
        file.text.split("\n").forEach((raw, index) => {
            if (raw.trim() === "") return;
            const line = index + 1;
            let value: unknown;
            try {
                value = JSON.parse(raw);
            } catch (error) {
                check.problem(line, `not valid JSON (${(error as Error).message})`);
                return;
            }
            if (value === null || typeof value !== "object") {
                check.problem(line, "expected a JSON object or array");
                return;
            }
            rows.push({
                line,
                get: (col) => Array.isArray(value)
                    ? typeof col === "number" ? value[col] : undefined
                    : typeof col === "string" ? (value as Record<string, unknown>)[col] : undefined
            });
        });
    } else {
        let records: DelimitedRecord[];
        try {
            records = format === "tsv" ? splitTabLines(file.text) : parseCsv(file.text);
        } catch (error) {
            if (error instanceof CsvSyntaxError) throw new DatasetError([`${absolute}:${error.line}: ${error.message}`]);
            throw error;
        }
        let indexOf = (col: Column): number | undefined => (typeof col === "number" ? col : undefined);
        let width: number | undefined;
        if (config.header) {
            const header = records.shift();
            if (!header) throw new DatasetError([`${absolute}: has a header but no rows`]);
            const names = header.fields.map((name) => name.trim());
            width = names.length;
            indexOf = (col) => (typeof col === "number" ? col : names.indexOf(col) === -1 ? undefined : names.indexOf(col));
            const missing = wanted.filter(([, col]) => col !== undefined && indexOf(col) === undefined).map(([role, col]) => `${role} (${JSON.stringify(col)})`);
            if (missing.length > 0)
                throw new DatasetError([`${absolute}:${header.line}: header has no column ${missing.join(", ")} (columns: ${clipMessage(names.map((name) => clipMessage(name, 60)).join(", "), 400)})`]);
        } else {
            const named = wanted.filter(([, col]) => typeof col === "string");
            if (named.length > 0)
                throw new DatasetError([`${absolute}: columns ${named.map(([role, col]) => `${role}=${JSON.stringify(col)}`).join(", ")} are names but dataset.header is false; give 0-based indexes`]);
        }
        width ??= records[0]?.fields.length;
        rows = [];
        for (const record of records) {
            if (record.fields.length !== width) {
                check.problem(record.line, `expected ${width} ${format === "tsv" ? "TAB-separated " : ""}fields, found ${record.fields.length}`);
                continue;
            }
            rows.push({line: record.line, get: (col) => {
                const index = indexOf(col);
                return index === undefined ? undefined : record.fields[index];
            }});
        }
    }

    if (rows.length === 0 && check.issues.length === 0) throw new DatasetError([`${absolute}: holds no rows`]);
    const pairs: StsPair[] = [];
    const ids = new Set<string>();
    for (const row of rows) {
        const score = check.score(row.line, row.get(columns.score));
        const sentence1 = check.sentence(row.line, row.get(columns.sentence1), "sentence1");
        const sentence2 = check.sentence(row.line, row.get(columns.sentence2), "sentence2");
        let id = `L${row.line}`;
        if (columns.id !== undefined) {
            const raw = row.get(columns.id);
            if (raw === undefined || raw === null || String(raw).trim() === "") check.problem(row.line, "id is empty");
            else id = String(raw).trim();
        }
        if (ids.has(id)) check.problem(row.line, `duplicate pair id ${id}`);
        ids.add(id);
        const groups: Record<string, string> = {};
        if (columns.group !== undefined) {
            const raw = row.get(columns.group);
            groups.group = raw === undefined || raw === null ? "" : String(raw);
        }
        if (score === undefined || sentence1 === undefined || sentence2 === undefined) continue;
        pairs.push({id, sentence1, sentence2, score, groups});
    }
    check.done();
    return {
        name: config.name ?? path.basename(absolute),
        description: `${pairs.length} pairs from ${config.file} (${format})`,
        files: [{path: config.file, sha256: file.sha256, rows: pairs.length}],
        scoreRange: config.scoreRange,
        groupKeys: columns.group !== undefined ? ["group"] : [],
        pairs
    };
}

/** Reads a dataset from its files; throws a DatasetError naming file and line for anything that does not parse. */
export function loadDataset(config: StsDatasetConfig, assetRoots: AssetRoots): StsDataset {
    switch (config.type) {
        case "stsb":
            return loadStsb(config.split, assetRoots);
        case "sick":
            return loadSick(config.pairs, assetRoots);
        case "file":
            return loadUserFile(config, assetRoots);
    }
}
