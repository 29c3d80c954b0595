import {describe, expect, it} from "vitest";
import type {ResultDocument, TrialRecord} from "../../harness/results/schema.js";
import {aggregateRuler} from "../../harness/tasks/ruler/aggregate.js";
import {compareRuler} from "../../harness/tasks/ruler/compare.js";
import {DEFAULT_ESSAY_FILES, generationBudget, rulerConfigSchema} from "../../harness/tasks/ruler/config.js";
import {RULER_TASK_ORDER, rulerScoresSchema, rulerSummaries, rulerSummary, rulerSummaryDelta} from "../../harness/tasks/ruler/contract.js";
import {planRuler} from "../../harness/tasks/ruler/plan.js";
import {sampleBuilder} from "../../harness/tasks/ruler/samples.js";
import {largestFittingSize} from "../../harness/tasks/shared/fit-size.js";
import {RULER_TASK_IDS} from "../../harness/tasks/shared/ruler/catalog.js";
import {SkipTrial} from "../../harness/tasks/skip.js";
import {SeededRandom} from "../../harness/util/random.js";
import ruler from "../../harness/tasks/ruler/index.js";
import {testAssetRoots} from "../helpers/assets.js";
import {mkdtempSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";

const parse = (raw: object) => rulerConfigSchema.parse(raw);
const model = (contextLength: number) => ({contextLength}) as never;

describe("largestFittingSize (sizing a prompt to a token budget)", () => {
    const fit = (tokens: (size: number) => number, budget: number, min = 1, probe?: number) =>
        largestFittingSize({min, budget, probe, measure: async (size) => ({tokens: tokens(size), value: `prompt of ${size}`})});

    it("lands on the exact size for a linear count in a few measurements", async () => {
        const result = await fit((size) => 100 + 7 * size, 1000, 5, 15);
        expect(result).toEqual({size: 128, tokens: 996, value: "prompt of 128", measurements: 4});
    });

    it("returns a size that fits whose next size does not, for uneven counts (brute force over many)", async () => {
        const random = new SeededRandom(3);
        for (let run = 0; run < 200; run++) {
            const perUnit = random.int(1, 40);
            const jitter = Array.from({length: 5000}, () => random.int(0, 30));
            // Uneven but non-decreasing, like tokens merging differently at each size.
            const tokens = (size: number) => 50 + perUnit * size + Math.max(...jitter.slice(0, size + 1));
            const budget = random.int(60, 20_000);
            const result = await fit(tokens, budget, 1, 1 + random.int(1, 50));
            if (tokens(1) > budget) {
                expect(result.size).toBeNull();
                continue;
            }
            expect(tokens(result.size!)).toBeLessThanOrEqual(budget);
            expect(tokens(result.size! + 1)).toBeGreaterThan(budget);
            expect(result.measurements).toBeLessThanOrEqual(20);
        }
    });

    it("says when even the smallest size is over the budget, and gives the same answer every time", async () => {
        expect(await fit((size) => 600 + size, 500)).toEqual({size: null, tokens: 601, measurements: 1});
        const tokens = (size: number) => 30 + 3 * size + (size % 7 === 0 ? 5 : 0);
        expect(await fit(tokens, 2000, 2, 9)).toEqual(await fit(tokens, 2000, 2, 9));
    });
});

describe("ruler config and plan", () => {
    it("fills the essay haystack (the Gutenberg books) for essay presets only, and RULER's generation budgets", () => {
        expect(parse({task: "niah_single_2", lengths: [4096]}).essay).toEqual({files: [...DEFAULT_ESSAY_FILES]});
        expect(parse({task: "niah_single_1", lengths: [4096]}).essay).toBeUndefined();
        expect(RULER_TASK_IDS.map((task) => generationBudget(parse({task, lengths: [4096]}))))
            .toEqual([128, 128, 128, 128, 128, 128, 128, 128, 30, 120, 50]);
        expect(generationBudget(parse({task: "vt", lengths: [4096], maxNewTokens: 64}))).toBe(64);
        // Parsing a parsed config changes nothing (the trial loop parses the suite's parsed config again).
        const parsed = parse({task: "niah_multiquery", lengths: [1024]});
        expect(parse(parsed)).toEqual(parsed);
    });

    it("rejects bad input by field", () => {
        const issues = (raw: object) => rulerConfigSchema.safeParse(raw).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
        expect(issues({task: "qa_1", lengths: [4096]})?.[0]).toMatch(/^task: /);
        expect(issues({task: "vt", lengths: []})?.[0]).toMatch(/^lengths: /);
        expect(issues({task: "vt", lengths: [4096], essay: {files: ["a.txt"]}})).toEqual(
            ["essay: vt has no essay haystack: essay applies to niah_single_2, niah_single_3, niah_multikey_1, niah_multivalue, niah_multiquery"]);
        expect(issues({task: "vt", lengths: [4096], depths: [50]})?.[0]).toMatch(/depths/);
    });

    it("checks the essay files before any model loads, naming a missing file or one without ascii-safe text", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "slmbench-essay-"));
        const context = {assetRoots: testAssetRoots(dir)};
        await expect(ruler.validate!(parse({task: "niah_single_2", lengths: [1024]}), context)).resolves.toBeUndefined();
        await expect(ruler.validate!(parse({task: "niah_single_2", lengths: [1024], essay: {files: ["nope.txt"]}}), context))
            .rejects.toThrow(/essay file not found: nope\.txt/);
        const unsafe = path.join(dir, "unsafe.txt");
        writeFileSync(unsafe, "\u201c\u2014\u201d [ ]\n");
        await expect(ruler.validate!(parse({task: "niah_single_2", lengths: [1024], essay: {files: [unsafe]}}), context))
            .rejects.toThrow(/no ascii-safe text/);
    });

    it("plans lengths x samples with independent seeds, skipping lengths beyond the training context", () => {
        const config = parse({task: "vt", lengths: [2048, 512, 4096], samples: 3});
        const trials = planRuler(config, model(2048));
        expect(trials.map((t) => t.id)).toEqual(["L512-S0", "L512-S1", "L512-S2", "L2048-S0", "L2048-S1", "L2048-S2", "L4096-S0", "L4096-S1", "L4096-S2"]);
        expect(new Set(trials.map((t) => t.seed)).size).toBe(9);
        expect(trials.filter((t) => t.skipReason).map((t) => t.id)).toEqual(["L4096-S0", "L4096-S1", "L4096-S2"]);
        expect(trials[6]!.skipReason).toBe("length 4096 exceeds the model's training context (2048 tokens)");
        // Another task draws other samples from the same base seed.
        const other = planRuler(parse({task: "cwe", lengths: [512], samples: 3}), model(2048));
        expect(other.map((t) => t.seed)).not.toEqual(trials.slice(0, 3).map((t) => t.seed));
        expect(planRuler(config, model(2048))).toEqual(trials);
    });

    it("builds every task's sample at its smallest size with RULER's length-dependent settings", () => {
        const essay = "It was a bright cold day in April. The clocks were striking thirteen. Winston slipped quickly through the doors.".split(" ");
        for (const task of RULER_TASK_IDS) {
            const builder = sampleBuilder({task, length: 2048, layoutSeed: 42, essay, vtExampleLines: 5});
            expect(builder.probe, task).toBeGreaterThan(builder.min);
            const sample = builder.build(7, builder.min);
            expect(sample.expected.length, task).toBeGreaterThan(0);
            expect(sample.prompt.user.length, task).toBeGreaterThan(0);
            // The same seed gives the same answer at every size, so a search compares like with like.
            expect(builder.build(7, builder.probe).expected, task).toEqual(sample.expected);
        }
        expect(sampleBuilder({task: "cwe", length: 2048, layoutSeed: 1}).build(1, 30).details.regime).toBe("short");
        expect(sampleBuilder({task: "cwe", length: 4096, layoutSeed: 1}).build(1, 30).details.regime).toBe("standard");
        expect(sampleBuilder({task: "fwe", length: 4096, layoutSeed: 1}).build(1, 100).details.vocabSize).toBe(80);
        expect(() => sampleBuilder({task: "fwe", length: 240, layoutSeed: 1})).toThrow(SkipTrial);
    });
});

const record = (id: string, length: number, stringMatch: number, lift: number | null, status: TrialRecord["status"] = "ok"): TrialRecord =>
    ({id, cell: {length, sample: Number(id.split("-S")[1] ?? 0)}, seed: 1, status, scores: status === "ok" ? {stringMatch, lift} : {}, timings: {}});

describe("ruler aggregate", () => {
    it("scores each length as RULER does (mean string match, rounded to 2 decimals) and finds the effective length", () => {
        const config = parse({task: "niah_single_1", lengths: [1024, 2048, 4096, 8192]});
        const records = [
            record("L1024-S0", 1024, 100, 2), record("L1024-S1", 1024, 100, 1), record("L1024-S2", 1024, 100, 0),
            record("L2048-S0", 2048, 100, 1), record("L2048-S1", 2048, 100, 1), record("L2048-S2", 2048, 50, 1),
            record("L4096-S0", 4096, 100, -1), record("L4096-S1", 4096, 0, -1), record("L4096-S2", 4096, 100, -1),
            {...record("L8192-S0", 8192, 0, 0, "skipped"), skipReason: "beyond the context"}
        ];
        const scores = rulerScoresSchema.parse(aggregateRuler(config, records));
        expect(scores.byLength.map((l) => [l.length, l.score, l.trials, l.skipped])).toEqual([[1024, 100, 3, 0], [2048, 83.33, 3, 0], [4096, 66.67, 3, 0], [8192, null, 0, 1]]);
        expect(scores.byLength[3]!.skipReason).toBe("beyond the context");
        expect(scores.main).toBeCloseTo(750 / 9, 12);
        expect(scores.mainScore).toBe("stringMatch");
        expect(scores.task).toBe("niah_single_1");
        expect(scores.effectiveContext).toEqual({length: 1024, score: "stringMatch", threshold: 85.6, measuredFrom: 1024});
        const byLift = aggregateRuler(parse({task: "niah_single_1", lengths: [1024], mainScore: "lift", effectiveContext: {threshold: 0.5}}), records);
        expect(byLift.main).toBeCloseTo(3 / 9, 12);
        expect(byLift.effectiveContext).toEqual({length: 2048, score: "lift", threshold: 0.5, measuredFrom: 1024});
    });
});

const doc = (fileName: string, trials: TrialRecord[], mainScore = "stringMatch") =>
    ({model: {id: `m/${fileName}`, fileName, sha256: fileName.padEnd(64, "0"), quantLabel: fileName}, scores: {mainScore}, trials} as unknown as ResultDocument);

describe("ruler against the reference", () => {
    it("pairs samples by id: changes with bootstrap intervals over samples, flips, and the change per length", () => {
        const reference = doc("F32", [record("L1-S0", 1, 100, 2), record("L1-S1", 1, 100, 1), record("L2-S0", 2, 0, -1), record("L2-S1", 2, 100, 3), record("L2-S2", 2, 0, 0, "error")]);
        const quant = doc("Q4_0", [record("L1-S0", 1, 0, 1), record("L1-S1", 1, 100, -1), record("L2-S0", 2, 100, 0.5), record("L2-S1", 2, 0, 1), record("L2-S2", 2, 100, 1)]);
        const comparison = compareRuler(reference, quant);
        expect(comparison.pairedTrials).toBe(4);
        expect(comparison.flips).toMatchObject({pairs: 4, rightToWrong: 2, wrongToRight: 1});
        expect(comparison.liftFlips).toMatchObject({rightToWrong: 1, wrongToRight: 1});
        expect(comparison.deltaStringMatch).toMatchObject({delta: -25, units: 4, unit: "samples (length, sample)"});
        expect(comparison.mainDelta).toEqual(comparison.deltaStringMatch);
        expect(comparison.deltaLift.delta).toBeCloseTo((-1 - 2 + 1.5 - 2) / 4, 12);
        const [low, high] = comparison.deltaLift.ci!;
        expect(low).toBeLessThanOrEqual(comparison.deltaLift.delta!);
        expect(high).toBeGreaterThanOrEqual(comparison.deltaLift.delta!);
        expect(comparison.byLength).toEqual([
            {length: 1, pairs: 2, deltaStringMatch: -50, deltaLift: -1.5},
            {length: 2, pairs: 2, deltaStringMatch: 0, deltaLift: -0.25}
        ]);
        expect(compareRuler(doc("F32", reference.trials, "lift"), doc("Q4_0", quant.trials, "lift")).mainDelta.delta).toBeCloseTo(-0.875, 12);
    });
});

describe("the RULER headline (rulerSummary)", () => {
    const scoresOf = (task: string, byLength: [number, number | null, number | null][]) => ({
        main: null, mainScore: "stringMatch", mainCi: null, task, trials: 1, skipped: 0, errors: 0, stringMatch: null, lift: null, answerLogprob: null,
        byLength: byLength.map(([length, score, lift]) => ({length, trials: score == null ? 0 : 1, skipped: score == null ? 1 : 0, errors: 0,
            stringMatch: score, lift, answerLogprob: null, score, liftCi: null})),
        effectiveContext: {length: null, score: "stringMatch", threshold: 85.6, measuredFrom: null}
    });
    const ruler = (modelId: string, id: string, byLength: [number, number | null, number | null][]) =>
        ({task: {type: "ruler", id}, model: {id: modelId}, scores: scoresOf(id, byLength)});

    it("lists RULER's task ids in its order, as the catalog has them", () => {
        expect([...RULER_TASK_ORDER]).toEqual(RULER_TASK_IDS);
    });

    it("averages the tasks per length and takes the effective length over lengths where every task has a score", () => {
        const documents = [
            ruler("m", "vt", [[4096, 90, 1], [8192, 80, 2], [16384, 95, null]]),
            ruler("m", "niah_single_1", [[4096, 100, 3], [8192, 100, 2], [16384, 100, null]]),
            ruler("m", "cwe", [[4096, 80, null], [8192, 99.99, 1], [16384, null, null]]),
            {task: {type: "niah", id: "niah-x"}, model: {id: "m"}, scores: {main: 1}}
        ];
        const summary = rulerSummary(documents);
        expect(summary.tasks).toEqual(["niah_single_1", "vt", "cwe"]);
        expect(summary.table.vt!.byLength[8192]).toEqual({score: 80, lift: 2});
        expect(summary.byLength.map((l) => [l.length, l.average, l.averageLift, l.missing])).toEqual([
            [4096, 90, 2, []],
            [8192, (80 + 100 + 99.99) / 3, 5 / 3, []],
            [16384, 97.5, null, ["cwe"]]
        ]);
        // 4096 and 8192 average above 85.6; 16384 lacks cwe, so it does not count (RULER averages every task).
        expect(summary.effectiveLength).toEqual({length: 8192, score: "stringMatch", threshold: 85.6, basis: "complete lengths"});
        expect(rulerSummary(documents, {threshold: 92}).effectiveLength.length).toBeNull();
        expect(rulerSummary(documents, {score: "lift"}).effectiveLength).toMatchObject({length: 8192, threshold: 1});

        const quant = [ruler("q", "vt", [[4096, 70, 0], [8192, 80, 1]]), ruler("q", "niah_single_1", [[4096, 100, 1], [8192, 90, 2]])];
        const [reference, candidate] = rulerSummaries([...documents, ...quant]);
        expect(reference!.model).toBe("m");
        expect(() => rulerSummary([...documents, ...quant])).toThrow(/one model's documents/);
        expect(rulerSummaryDelta(reference!, candidate!)).toEqual([
            {length: 4096, tasks: ["niah_single_1", "vt"], deltaAverage: -10, deltaLift: -1.5},
            {length: 8192, tasks: ["niah_single_1", "vt"], deltaAverage: -5, deltaLift: -0.5}
        ]);
    });
});
