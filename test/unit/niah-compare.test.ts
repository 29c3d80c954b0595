import {describe, expect, it} from "vitest";
import type {ResultDocument, TrialRecord} from "../../harness/results/schema.js";
import {aggregateNiah} from "../../harness/tasks/niah/aggregate.js";
import {compareNiah} from "../../harness/tasks/niah/compare.js";
import {niahConfigSchema} from "../../harness/tasks/niah/config.js";
import {mcnemarExactP} from "../../harness/util/mcnemar.js";

const trial = (id: string, length: number, stringMatch: number, lift: number, status: TrialRecord["status"] = "ok"): TrialRecord =>
    ({id, cell: {length, depth: 50, trial: 0}, seed: 1, status, scores: {stringMatch, lift}, timings: {}});
const doc = (fileName: string, trials: TrialRecord[]) =>
    ({model: {id: `m/${fileName}`, fileName, sha256: fileName.padEnd(64, "0"), quantLabel: fileName}, trials} as unknown as ResultDocument);

describe("McNemar's exact test", () => {
    it("matches hand-computed binomial tails", () => {
        expect(mcnemarExactP(0, 0)).toBe(1);
        // 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * 79 / 4096
        expect(mcnemarExactP(10, 2)).toBeCloseTo(158 / 4096, 12);
        expect(mcnemarExactP(2, 10)).toBe(mcnemarExactP(10, 2));
        expect(mcnemarExactP(5, 5)).toBe(1);
        // 2 * 1/2^6
        expect(mcnemarExactP(6, 0)).toBeCloseTo(2 / 64, 12);
        expect(mcnemarExactP(2000, 1900)).toBeGreaterThan(0.1); // large n stays finite
    });
});

describe("NIAH against the reference", () => {
    it("counts flips both ways on paired trials and bootstraps the change in lift", () => {
        const reference = doc("F16", [trial("a", 256, 100, 2), trial("b", 256, 100, 1), trial("c", 256, 0, -1), trial("d", 256, 100, 3), trial("e", 256, 0, 0.5, "error")]);
        const quant = doc("Q4_0", [trial("a", 256, 0, 1), trial("b", 256, 100, -1), trial("c", 256, 100, 0.5), trial("d", 256, 0, 1), trial("e", 256, 100, 1)]);
        const comparison = compareNiah(reference, quant);
        expect(comparison.pairedTrials).toBe(4); // e errored at the reference
        expect(comparison.flips).toEqual({pairs: 4, rightToWrong: 2, wrongToRight: 1, mcnemarP: 1});
        expect(comparison.liftFlips).toMatchObject({rightToWrong: 1, wrongToRight: 1}); // b: 1 -> -1, c: -1 -> 0.5
        expect(comparison.deltaLift).toBeCloseTo((-1 - 2 + 1.5 - 2) / 4, 12);
        const [low, high] = comparison.deltaLiftCi!;
        expect(low).toBeLessThanOrEqual(comparison.deltaLift!);
        expect(high).toBeGreaterThanOrEqual(comparison.deltaLift!);
    });

    it("effective context: the longest length such that it and every shorter one score above the threshold", () => {
        const config = niahConfigSchema.parse({lengths: [256], mainScore: "lift"});
        const records = [trial("1", 256, 0, 3), trial("2", 512, 0, 1.5), trial("3", 1024, 0, 0.2), trial("4", 2048, 0, 4)];
        expect(aggregateNiah(config, records).effectiveContext).toEqual({length: 512, score: "lift", threshold: 1});
        const strict = niahConfigSchema.parse({lengths: [256], effectiveContext: {score: "lift", threshold: 5}});
        expect(aggregateNiah(strict, records).effectiveContext).toEqual({length: null, score: "lift", threshold: 5});
        const ruler = niahConfigSchema.parse({lengths: [256]});
        expect(aggregateNiah(ruler, [trial("1", 256, 100, 0), trial("2", 512, 80, 0)]).effectiveContext)
            .toEqual({length: 256, score: "stringMatch", threshold: 85.6});
    });

    it("averages LLM-judge scores per cell, length, depth and overall when the task has a judge, and only then", () => {
        const config = niahConfigSchema.parse({lengths: [256]});
        const judged = (id: string, length: number, judge: number | null) => ({...trial(id, length, 0, 0), scores: {stringMatch: 0, lift: 0, judge}});
        const scores = aggregateNiah(config, [judged("1", 256, 10), judged("2", 256, 7), judged("3", 512, 1), judged("4", 512, null)]);
        expect(scores.judge).toBe(6);
        expect(scores.byLength.map((l) => l.judge)).toEqual([8.5, 1]);
        expect("judge" in aggregateNiah(config, [trial("1", 256, 100, 1)])).toBe(false);
    });
});
