import {mkdtempSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {getLlama, LlamaLogLevel, LlamaModel, Token} from "node-llama-cpp";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {resolveHostedModel} from "../../harness/providers/hosted/models.js";
import {HostedSession} from "../../harness/providers/hosted/session.js";
import {LocalGgufSession} from "../../harness/providers/local-gguf/session.js";
import {openAiProtocol} from "../../harness/providers/openai/index.js";
import type {TrialRecord} from "../../harness/results/schema.js";
import type {Session} from "../../harness/session/types.js";
import {compareNiah} from "../../harness/tasks/niah/compare.js";
import type {NiahScores} from "../../harness/tasks/niah/contract.js";
import {buildNeedleSet} from "../../harness/tasks/niah/needles.js";
import niah from "../../harness/tasks/niah/index.js";
import {SkipTrial} from "../../harness/tasks/skip.js";
import {stories260K, testAssetRoots} from "../helpers/assets.js";
import {startFakeServer} from "../helpers/fake-server.js";

// In-process on purpose: the noise haystack and these prompts hold only characters stories260K's tokenizer accepts.
const assetRoots = testAssetRoots(mkdtempSync(path.join(os.tmpdir(), "slmbench-cache-")));
let model: LlamaModel;

beforeAll(async () => {
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
    model = await llama.loadModel({modelPath: stories260K("F32")});
});
afterAll(async () => {
    await model?.dispose();
});

/** Runs a grid as the trial loop does (skips recorded as skipped), on stories260K (training context 2048). */
async function runGrid(raw: object, session: Session = new LocalGgufSession(model, {contextSize: 1024, threads: 1})) {
    const config = niah.configSchema.parse(raw);
    const runner = await niah.createRunner(config, session, {assetRoots});
    const records: TrialRecord[] = [];
    for (const trial of runner.order!(niah.plan(config, {contextLength: 2048} as never))) {
        try {
            records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "ok", ...(await runner.run(trial))} as TrialRecord);
        } catch (error) {
            if (!(error instanceof SkipTrial)) throw error;
            records.push({id: trial.id, cell: trial.cell, seed: trial.seed, status: "skipped", skipReason: error.reason, scores: {}, timings: {}});
        }
    }
    return {records, config, scores: niah.aggregate(config, records) as NiahScores, warnings: niah.warnings?.(config, records) ?? []};
}

describe("NIAH numbers that do not mislead (stories260K F32, real runs)", () => {
    // The default suite's niah-classic-noise: length 256 cannot hold the classic prompt, 512 can.
    const classic = {lengths: [256, 512], depths: {count: 3}, needle: {type: "classic"}, maxNewTokens: 24, mainScore: "lift"};
    // niah-kv-noise at 256 tokens: the haystack is one noise sentence, so depths 0-75 put the needle at one boundary.
    const kv = {lengths: [256], depths: {count: 5}, trialsPerCell: 2, maxNewTokens: 16, mainScore: "lift"};

    it("effective context is measured from the shortest length that ran, not ended by a length too short for the prompt", async () => {
        const {scores, records} = await runGrid(classic);
        expect(records.filter((r) => Number(r.cell.length) === 256).every((r) => r.status === "skipped" && /too short/.test(r.skipReason!))).toBe(true);
        // Lift at 512 is above the 1-nat threshold (1.44 nats through the sampler path, the committed demo's F32 figure; 1.61 through the direct path).
        expect(scores.byLength.find((b) => b.length === 512)!.lift).toBeGreaterThan(1.4);
        expect(scores.byLength.find((b) => b.length === 512)!.lift).toBeLessThan(1.7);
        expect(scores.effectiveContext).toEqual({length: 512, measuredFrom: 512, score: "lift", threshold: 1});
        // Lift per token: the same lift over the classic answer's 51 tokens, and selectable as the main score.
        for (const r of records.filter((t) => t.status === "ok")) {
            expect(r.scores.answerTokens).toBe(51);
            expect(r.scores.liftPerToken).toBeCloseTo(r.scores.lift! / 51, 12);
        }
        const perToken = niah.aggregate(niah.configSchema.parse({...classic, mainScore: "liftPerToken"}), records);
        expect(perToken.main).toBeCloseTo(scores.main! / 51, 12);
        expect(perToken.effectiveContext).toMatchObject({length: null, measuredFrom: 512, score: "liftPerToken", threshold: 0.1});
        expect(niah.mainScore(niah.configSchema.parse({...classic, mainScore: "liftPerToken"})).description).toMatch(/divided by the answer's token count/);
    });

    it("depths whose prompts are identical run once, are recorded as the same prompt as the first such depth, and count once", async () => {
        const {records, scores, warnings} = await runGrid(kv);
        const status = Object.fromEntries(records.map((r) => [r.id, r.status === "skipped" ? r.skipReason : "ok"]));
        for (const t of [0, 1]) {
            expect(status[`L256-D0-T${t}`]).toBe("ok");
            expect(status[`L256-D100-T${t}`]).toBe("ok");
            for (const depth of [25, 50, 75]) expect(status[`L256-D${depth}-T${t}`]).toBe("same prompt as depth 0");
        }
        // Where the needle really landed: before the one haystack sentence, or after it.
        const placement = (id: string) => records.find((r) => r.id === id)!.input!.placement as {tokenOffset: number; percent: number};
        expect(placement("L256-D0-T0").percent).toBe(0);
        expect(placement("L256-D100-T0").percent).toBe(100);
        expect(placement("L256-D100-T0").tokenOffset).toBeGreaterThan(placement("L256-D0-T0").tokenOffset);
        expect(scores.cells.map((c) => [c.depth, c.trials, c.sameAsDepth])).toEqual([[0, 2, undefined], [25, 0, 0], [50, 0, 0], [75, 0, 0], [100, 2, undefined]]);
        expect(scores.trials).toBe(4);
        // Two (length, trial) groups: the interval rests on two units.
        expect(scores.mainCiUnits).toBe(2);
        expect(warnings).toEqual([expect.stringMatching(/^6 trials in 2 \(length, trial\) groups put the needle where another depth/)]);
    });

    it("local generations keep their first space", async () => {
        const {records} = await runGrid({...kv, depths: [0]});
        // stories260K continues "... is" with " a good idea." (the first token carries the space).
        expect(records[0]!.output!.text).toMatch(/^ a good idea\./);
        expect(records[0]!.input!.promptForm).toBe("base");
    });

    it("an OpenAI-style server in text-completion mode sees the local prompt: the same model generates the same text", async () => {
        // A llama-server stand-in on the same model: BOS + the prompt's tokens, greedy, detokenized with the prompt as context.
        const context = await model.createContext({contextSize: 1024, threads: 1});
        const sequence = context.getSequence();
        const server = await startFakeServer({
            async complete(prompt, maxTokens) {
                const tokens = [model.tokens.bos!, ...model.tokenize(prompt, false)] as Token[];
                await sequence.clearHistory();
                const generated: Token[] = [];
                for await (const token of sequence.evaluate(tokens, {temperature: 0})) {
                    generated.push(token);
                    if (generated.length >= maxTokens) break;
                }
                return model.detokenize(generated, false, tokens);
            }
        });
        try {
            const hosted = resolveHostedModel(openAiProtocol, {hosted: `openai:${server.url}#stories260K`, promptForm: "completion", concurrency: 1});
            const remote = new HostedSession(openAiProtocol, hosted.settings);
            const local = new LocalGgufSession(model, {contextSize: 1024, threads: 1});
            expect([remote.promptStyle, local.promptStyle]).toEqual(["completion", "base"]);
            // NIAH prompts (RULER's kv needle in noise, answer prefix included) and the classic one with its system prompt.
            const haystack = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
            const prompts = [1, 2, 3].map((seed) => buildNeedleSet({type: "kv", keys: "words", values: "numbers", distractors: 0, valuesPerKey: 1}, seed))
                .map((needles, i) => needles.prompt(`${haystack.repeat(i + 1)} ${needles.needles[0]!.text} ${haystack}`));
            prompts.push(buildNeedleSet({type: "classic"}, 1).prompt(haystack));
            for (const prompt of prompts) {
                const [a, b] = [await remote.generate(prompt, {maxTokens: 12}), await local.generate(prompt, {maxTokens: 12})];
                expect(a.text, prompt.user).toBe(b.text);
            }
            expect(server.requests.filter((r) => r.path === "/v1/completions")).toHaveLength(prompts.length);
            await local.dispose();
            // Through the NIAH runner: the trials and the document record the form.
            const {records, scores} = await runGrid({lengths: [256], depths: [50], maxNewTokens: 8}, remote);
            expect(records[0]!.input!.promptForm).toBe("completion");
            expect(scores.promptForm).toBe("completion");
            // The completion form is part of the model's identity: its trials are not the chat form's.
            expect(hosted.info.sha256).not.toBe(resolveHostedModel(openAiProtocol, `openai:${server.url}#stories260K`).info.sha256);
            // A comparison across prompt forms says so; base and completion are one rendered text.
            const base = await runGrid({lengths: [256], depths: [50], maxNewTokens: 8});
            const doc = (scores: object, trials: TrialRecord[], provider: string) =>
                ({model: {id: provider, fileName: provider, sha256: "0".repeat(64), quantLabel: "x", provider}, scores, trials}) as never;
            expect(compareNiah(doc(scores, records, "openai"), doc(base.scores, base.records, "local-gguf")).note).toBeUndefined();
            expect(compareNiah(doc({...scores, promptForm: "chat-template"}, records, "openai"), doc(base.scores, base.records, "local-gguf")).note)
                .toMatch(/different prompt forms \(reference: chat-template, this file: base\)/);
        } finally {
            await server.close();
            await context.dispose();
        }
    });
});
