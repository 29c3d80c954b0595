import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import niah from "../../harness/tasks/niah/index.js";
import {testAssetRoots, tinyStories} from "../helpers/assets.js";

// In-process on purpose: the noise haystack and these prompts hold only characters TinyStories-656K's tokenizer accepts.
const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-cache-")));
let model: LlamaModel;

beforeAll(async () => {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    model = await llama.loadModel({modelPath: tinyStories("F32")});
});
afterAll(async () => {
    await model?.dispose();
});

async function runGrid(raw: object, sessionOptions = {}) {
    const config = niah.configSchema.parse(raw);
    const session = new LocalGgufSession(model, {contextSize: 512, threads: 1}, sessionOptions);
    const runner = await niah.createRunner(config, session, {assetRoots});
    const records: TrialRecord[] = [];
    const planned = niah.plan(config, {contextLength: 512} as never).filter((t) => !t.skipReason);
    for (const trial of runner.order!(planned))
        records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))});
    await session.dispose();
    return {records, counters: session.counters(), config};
}

describe("NIAH on TinyStories-656K F32 (real model, noise haystack)", () => {
    it("sizes prompts to the requested length in the model's own tokens", async () => {
        const {records} = await runGrid({lengths: [200, 300, 400, 512], depths: [0, 50, 100], maxNewTokens: 8, haystack: {type: "noise"}});
        for (const record of records) {
            const length = Number(record.cell.length);
            const target = record.input!.targetPromptTokens as number;
            // Room is kept for the 8 generated tokens, or for the teacher-forced answer when it is longer.
            const answerTokens = model.tokenize(record.input!.answer as string, false).length;
            expect(target).toBe(length - Math.max(8, answerTokens + 1));
            // Never over the target, and short of it by at most one noise sentence (<= 8 tokens) plus the sizing margin.
            expect(record.promptTokens!).toBeLessThanOrEqual(target);
            expect(record.promptTokens!).toBeGreaterThanOrEqual(target - 10);
        }
    });

    it("shows retrieval: the needle raises the answer's log-probability (positive mean lift)", async () => {
        const {records} = await runGrid({lengths: [256, 384, 512], depths: {count: 5}, trialsPerCell: 2, maxNewTokens: 8, mainScore: "lift"});
        const scores = niah.aggregate(niah.configSchema.parse({lengths: [256], mainScore: "lift"}), records);
        expect(records).toHaveLength(30);
        expect(scores.main).toBeGreaterThan(0);
        for (const record of records)
            expect(record.scores.lift).toBeCloseTo(record.scores.answerLogprob! - record.scores.baselineLogprob!, 9);
    });

    it("reuses the KV-cache prefix: same scores as evaluating every prompt from scratch, far fewer tokens evaluated", async () => {
        const grid = {lengths: [300, 500], depths: {count: 4}, maxNewTokens: 4};
        const reused = await runGrid(grid);
        const scratch = await runGrid(grid, {reusePrefix: false});
        expect(reused.counters.promptTokens).toBe(scratch.counters.promptTokens);
        // Generation (node-llama-cpp's context) and teacher-forced scoring (the direct path's own context) each reuse
        // their prefix; each evaluates the prompt once (measured: 0.74x of from-scratch; 0.6x when both shared one context).
        expect(reused.counters.evaluatedTokens).toBeLessThan(0.8 * scratch.counters.evaluatedTokens);
        reused.records.forEach((record, i) => {
            expect(record.output!.text).toBe(scratch.records[i]!.output!.text);
            // Batch splits differ, so float sums differ in the last digits only.
            expect(Math.abs(record.scores.answerLogprob! - scratch.records[i]!.scores.answerLogprob!)).toBeLessThan(0.05);
        });
    });
});
