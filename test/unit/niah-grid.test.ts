import {describe, expect, it} from "vitest";
import {niahConfigSchema} from "../../harness/tasks/niah/config.js";
import {contextLengths, depthPercents, planNiah} from "../../harness/tasks/niah/grid.js";
import type {ModelInfo} from "../../harness/results/schema.js";

const config = (extra: object) => niahConfigSchema.parse({lengths: [256], ...extra});
const model = (contextLength?: number) => ({contextLength} as ModelInfo);

describe("NIAH grid", () => {
    it("spaces depths linearly like np.round(np.linspace(0, 100, n))", () => {
        expect(depthPercents(config({depths: {count: 5}}))).toEqual([0, 25, 50, 75, 100]);
        expect(depthPercents(config({depths: {count: 15}}))[1]).toBeCloseTo(7.143, 3);
    });

    it("spaces depths with the original test's sigmoid (35 points: 0, 0.89, 1.19, 1.6 ... 98.39, 100)", () => {
        const depths = depthPercents(config({depths: {count: 35, spacing: "sigmoid"}}));
        expect(depths).toHaveLength(35);
        // 100 / (1 + e^(0.1 (50 - x))) at x = 100/34, 200/34, 300/34; the published list shows them cut to 2 decimals
        expect(depths.slice(0, 4)).toEqual([0, 0.896, 1.199, 1.602]);
        expect(depths.slice(-4)).toEqual([98.398, 98.801, 99.104, 100]); // symmetric about 50
    });

    it("expands a length range like linspace and rounds", () => {
        expect(contextLengths(config({lengths: {min: 1000, max: 16000, count: 4}}))).toEqual([1000, 6000, 11000, 16000]);
    });

    it("plans lengths x depths x trials with deterministic seeds shared by a (length, trial) group", () => {
        const cfg = config({lengths: [256, 512], depths: [0, 50, 100], trialsPerCell: 2});
        const trials = planNiah(cfg, model(2048));
        expect(trials).toHaveLength(2 * 3 * 2);
        expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
        const group = trials.filter((t) => t.spec.length === 256 && t.spec.trial === 1);
        expect(new Set(group.map((t) => t.seed)).size).toBe(1);
        const otherGroup = trials.find((t) => t.spec.length === 256 && t.spec.trial === 0)!;
        expect(otherGroup.seed).not.toBe(group[0]!.seed);
        expect(planNiah(cfg, model(2048))).toEqual(trials);
    });

    it("marks cells longer than the training context as skipped with the reason", () => {
        const trials = planNiah(config({lengths: [256, 1024], depths: [50]}), model(512));
        expect(trials.find((t) => t.spec.length === 256)!.skipReason).toBeUndefined();
        expect(trials.find((t) => t.spec.length === 1024)!.skipReason).toMatch(/1024 exceeds the model's training context \(512 tokens\)/);
    });
});

describe("NIAH config validation", () => {
    const issues = (raw: object) => {
        const result = niahConfigSchema.safeParse(raw);
        return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    it("rejects negative lengths, depths above 100 and unknown options, naming the field", () => {
        expect(issues({lengths: [-5]})).toEqual([expect.stringMatching(/^lengths\.0: /)]);
        expect(issues({lengths: [256], depths: [50, 101]})).toEqual([expect.stringMatching(/^depths\.1: depth must be at most 100/)]);
        expect(issues({lengths: [256], colour: "red"})[0]).toMatch(/colour/);
        expect(issues({lengths: {min: 900, max: 100, count: 2}})[0]).toMatch(/min must not exceed/);
    });

    it("accepts the judge as main score and effective-context score only with a judge configured", () => {
        expect(issues({lengths: [256], mainScore: "judge"})).toEqual([`mainScore: mainScore "judge" needs a judge: add judge: {model: "<hosted chat model URI>"}`]);
        expect(issues({lengths: [256], effectiveContext: {score: "judge"}})).toEqual([expect.stringMatching(/^effectiveContext\.score: effectiveContext\.score "judge" needs a judge/)]);
        expect(issues({lengths: [256], mainScore: "judge", judge: {model: "openai:http://127.0.0.1:1#j"}})).toEqual([]);
        expect(issues({lengths: [256], mainScore: "judged"})[0]).toMatch(/^mainScore: /);
    });
});
