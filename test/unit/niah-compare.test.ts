import {describe, expect, it} from "vitest";
import type {ResultDocument, TrialRecord} from "../../harness/results/schema.js";
import {aggregateNiah} from "../../harness/tasks/niah/aggregate.js";
import {compareNiah} from "../../harness/tasks/niah/compare.js";
import {niahConfigSchema} from "../../harness/tasks/niah/config.js";
import {mcnemarExactP} from "../../harness/util/mcnemar.js";
import {clusterBootstrapMeanCi, signFlipTestP} from "../../harness/util/stats.js";

const trial = (id: string, length: number, stringMatch: number, lift: number, status: TrialRecord["status"] = "ok", group = Number(id.charCodeAt(0)), depth = 50): TrialRecord =>
    ({id, cell: {length, depth, trial: group}, seed: 1, status, scores: {stringMatch, lift}, timings: {}});
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
        // One trial per (length, trial) group here: the cluster test is McNemar's exact test.
        expect(comparison.flips).toMatchObject({pairs: 4, clusters: 4, rightToWrong: 2, wrongToRight: 1, p: mcnemarExactP(2, 1)});
        expect(comparison.liftFlips).toMatchObject({rightToWrong: 1, wrongToRight: 1}); // b: 1 -> -1, c: -1 -> 0.5
        expect(comparison.deltaLift).toBeCloseTo((-1 - 2 + 1.5 - 2) / 4, 12);
        const [low, high] = comparison.deltaLiftCi!;
        expect(low).toBeLessThanOrEqual(comparison.deltaLift!);
        expect(high).toBeGreaterThanOrEqual(comparison.deltaLift!);
    });

    it("effective context: the longest length such that it and every shorter one score above the threshold", () => {
        const config = niahConfigSchema.parse({lengths: [256], mainScore: "lift"});
        const records = [trial("1", 256, 0, 3), trial("2", 512, 0, 1.5), trial("3", 1024, 0, 0.2), trial("4", 2048, 0, 4)];
        expect(aggregateNiah(config, records).effectiveContext).toEqual({length: 512, measuredFrom: 256, score: "lift", threshold: 1});
        const strict = niahConfigSchema.parse({lengths: [256], effectiveContext: {score: "lift", threshold: 5}});
        expect(aggregateNiah(strict, records).effectiveContext).toEqual({length: null, measuredFrom: 256, score: "lift", threshold: 5});
        const ruler = niahConfigSchema.parse({lengths: [256]});
        expect(aggregateNiah(ruler, [trial("1", 256, 100, 0), trial("2", 512, 80, 0)]).effectiveContext)
            .toEqual({length: 256, measuredFrom: 256, score: "stringMatch", threshold: 85.6});
    });

    it("effective context starts at the shortest length that ran; a length beyond the training context still ends it", () => {
        const config = niahConfigSchema.parse({lengths: [256], mainScore: "lift"});
        const skipped = (id: string, length: number, skipReason: string): TrialRecord => ({...trial(id, length, 0, 0, "skipped"), scores: {}, skipReason});
        const records = [
            skipped("1", 256, "length 256 is too short: the prompt without haystack already takes 210 tokens (+53 for the answer)"),
            trial("2", 512, 0, 3), trial("3", 1024, 0, 2),
            skipped("4", 2048, "length 2048 exceeds the model's training context (1024 tokens)"), trial("5", 4096, 0, 5)
        ];
        expect(aggregateNiah(config, records).effectiveContext).toEqual({length: 1024, measuredFrom: 512, score: "lift", threshold: 1});
        // Nothing ran: no measurement at all.
        expect(aggregateNiah(config, [records[0]!]).effectiveContext).toMatchObject({length: null, measuredFrom: null});
        // The shortest length that ran fails: null, measured from it (the site says "below 512", not "< 256").
        expect(aggregateNiah(config, [records[0]!, trial("2", 512, 0, 0.5)]).effectiveContext).toMatchObject({length: null, measuredFrom: 512});
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

describe("dependent depths: intervals and tests over (length, trial) groups", () => {
    it("the sign-flip test equals McNemar's exact test with one trial per group, and counts a group once however many depths it has", () => {
        for (const [b, c] of [[10, 2], [6, 0], [3, 3], [0, 0], [1, 4]] as const)
            expect(signFlipTestP([...Array(b).fill(-1), ...Array(c).fill(1)])).toBeCloseTo(mcnemarExactP(b, c), 12);
        // 5 depths of one group all flipping is one unit, not five: McNemar on trials says p = 0.0625, the groups say 1.
        expect(signFlipTestP([-5])).toBe(1);
        expect(mcnemarExactP(5, 0)).toBeCloseTo(0.0625, 12);
        // Monte Carlo past 16 changed groups, seeded: 20 groups all one way, exact p = 2^-19.
        expect(signFlipTestP(Array(20).fill(-1))).toBeCloseTo(1 / 20_001, 6);
    });

    it("a group bootstrap is wider than a trial bootstrap when depths repeat their group's value", () => {
        // Four groups, each with five identical depths: 20 trials but 4 independent units.
        const groups = [[1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [0, 0, 0, 0, 0], [3, 3, 3, 3, 3]];
        const byGroup = clusterBootstrapMeanCi(groups)!;
        const byTrial = clusterBootstrapMeanCi(groups.flat().map((v) => [v]))!;
        expect(byGroup[1] - byGroup[0]).toBeGreaterThan(1.8 * (byTrial[1] - byTrial[0]));
        expect(clusterBootstrapMeanCi([[1, 2, 3]])).toBeNull();
    });

    it("compares over the trials both files completed, with the main score's change, its interval and units in groups", () => {
        // Two groups (trial 0 and 1) of three depths each; the quant loses one nat everywhere, one depth errored at the quant.
        const depthTrials = (lifts: number[][], statusOf: (g: number, d: number) => TrialRecord["status"] = () => "ok") =>
            lifts.flatMap((group, g) => group.map((lift, d) => trial(`L256-D${d * 50}-T${g}`, 256, 0, lift, statusOf(g, d), g, d * 50)));
        const reference = doc("F16", depthTrials([[2, 2, 2], [3, 3, 3]]));
        const quant = doc("Q4_0", depthTrials([[1, 1, 1], [2, 2, 2]], (g, d) => (g === 1 && d === 2 ? "error" : "ok")));
        (quant as {scores: object}).scores = {mainScore: "lift"};
        const comparison = compareNiah(reference, quant);
        expect(comparison.pairedTrials).toBe(5);
        expect(comparison.mainDelta).toMatchObject({delta: -1, units: 2, unit: "clusters (length, trial)"});
        expect(comparison.mainDelta!.ci).toEqual([-1, -1]);
        expect(comparison.liftFlips).toMatchObject({pairs: 5, clusters: 2, rightToWrong: 0, wrongToRight: 0, p: 1});
    });
});
