import {GgufInsights, readGgufFileInfo} from "node-llama-cpp";
import {describe, expect, it} from "vitest";
import {readGgufFacts} from "../../harness/models/gguf-info.js";
import {kvBytesPerTokenOf, OVERHEAD_CONTEXT} from "../../harness/models/memory.js";
import type {ResultDocument} from "../../harness/results/schema.js";
import {resultDocumentSchema} from "../../harness/results/schema.js";
import {formatRecommendation, marginOf, paretoFront, recommend} from "../../harness/run/recommend.js";
import {estimateMemoryBytes, parseSize} from "../../harness/util/units.js";
import {MODELS, stories260K, tinyStories} from "../helpers/assets.js";
import {makeDoc} from "../site/fixtures.js";

const MiB = 2 ** 20;

interface Spec {
    family: string;
    quant: string;
    /** File bytes. */
    bytes: number;
    score: number;
    ci?: [number, number];
    kv?: number;
    overhead?: number;
    reference?: boolean;
    taskId?: string;
    contextLength?: number;
    noMemory?: boolean;
    /** The paired change against the reference (scores.vsReference.mainDelta). */
    delta?: {delta: number; ci: [number, number]; units?: number};
    partial?: boolean;
    sameTensorsAs?: string[];
    configHash?: string;
}

/** A schema-valid document (the site's fixture generator) with the file size, memory facts and score this test wants. */
function doc(spec: Spec): ResultDocument {
    const referenceQuant = "F16";
    const base = makeDoc({
        model: {
            family: spec.family, fileName: `${spec.family}-${spec.quant}.gguf`, quant: spec.quant, bitsPerWeight: 8, parameters: 1000,
            quality: 0.8, isReference: spec.reference ?? spec.quant === referenceQuant, referenceFile: `${spec.family}-${referenceQuant}.gguf`,
            ladderSize: 3, contextLength: spec.contextLength ?? 32768
        },
        taskId: spec.taskId ?? "synthetic-generic", runId: "recommend-test", createdAt: "2026-01-01T00:00:00.000Z"
    });
    const model = {...base.model, bytes: spec.bytes};
    delete model.memory;
    if (!spec.noMemory) model.memory = {kvBytesPerToken: spec.kv ?? 1024, overheadBytes: spec.overhead ?? MiB};
    if (spec.sameTensorsAs) model.sameTensorsAs = spec.sameTensorsAs.map((quant) => `${spec.family}-${quant}.gguf`);
    const scores: Record<string, unknown> = {...base.scores, main: spec.score};
    delete scores.mainCi;
    delete scores.meanKldError;
    if (spec.ci) scores.mainCi = spec.ci;
    if (spec.delta) scores.vsReference = {
        reference: {id: "r", fileName: model.ladder.referenceFile, sha256: model.ladder.referenceSha256, quantLabel: "F16"},
        mainDelta: {units: 20, unit: "clusters (length, trial)", method: "test", ...spec.delta}
    };
    const task = spec.configHash ? {...base.task, configHash: spec.configHash} : base.task;
    const partial = spec.partial ? {partial: true, coverage: {ok: 3, skipped: 0, planned: 8}} : {coverage: {ok: 8, skipped: 0, planned: 8}};
    return resultDocumentSchema.parse({...base, task, model, scores, ...partial});
}

describe("parseSize", () => {
    it("reads binary and decimal units and raw bytes", () => {
        expect(parseSize("512MiB")).toBe(512 * MiB);
        expect(parseSize("8GiB")).toBe(8 * 2 ** 30);
        expect(parseSize("1.5GB")).toBe(1.5e9);
        expect(parseSize("123456")).toBe(123456);
        expect(parseSize("2 kib")).toBe(2048);
        expect(parseSize("100B")).toBe(100);
    });
    it("rejects anything else", () => {
        for (const bad of ["", "8 gigs", "-1GiB", "GiB", "0", "1.2.3MB", "8XB"]) expect(() => parseSize(bad), bad).toThrow(/bad size/);
    });
});

describe("paretoFront", () => {
    it("keeps exactly the points no other point dominates, by increasing memory", () => {
        const points = [
            {memory: 10, score: 50}, // 0: front (smallest)
            {memory: 20, score: 40}, // 1: dominated by 0
            {memory: 30, score: 70}, // 2: front
            {memory: 30, score: 60}, // 3: dominated by 2 (same memory, worse)
            {memory: 40, score: 70}, // 4: dominated by 2 (more memory, same score)
            {memory: 50, score: 90}, // 5: front
            {memory: 15, score: 55} // 6: front
        ];
        expect(paretoFront(points, true)).toEqual([0, 6, 2, 5]);
    });
    it("with lower-is-better scores", () => {
        const points = [{memory: 10, score: 0.5}, {memory: 20, score: 0.6}, {memory: 30, score: 0.1}, {memory: 40, score: 0}];
        expect(paretoFront(points, false)).toEqual([0, 2, 3]);
    });
});

describe("recommend", () => {
    const ladder = (family: string, scale: number, scores: [number, number, number]) => [
        doc({family, quant: "F16", bytes: 400 * MiB * scale, score: scores[0], ci: [scores[0] - 2, scores[0] + 2]}),
        doc({family, quant: "Q8_0", bytes: 200 * MiB * scale, score: scores[1], ci: [scores[1] - 2, scores[1] + 2]}),
        doc({family, quant: "Q4_0", bytes: 100 * MiB * scale, score: scores[2], ci: [scores[2] - 2, scores[2] + 2]})
    ];
    const docs = [...ladder("small", 1, [60, 59, 50]), ...ladder("big", 4, [80, 79, 75])];

    it("estimates memory as bytes + KV bytes per token x context + overhead, scaling with the context", () => {
        const model = docs[0]!.model;
        expect(estimateMemoryBytes(model, 1000)).toBe(400 * MiB + 1024 * 1000 + MiB);
        expect(estimateMemoryBytes(model, 8000)! - estimateMemoryBytes(model, 1000)!).toBe(1024 * 7000);
        expect(estimateMemoryBytes({...model, memory: undefined}, 1000)).toBeUndefined();
        // A longer context pushes a file over the budget: 8 KiB/token x 64k tokens = 512 MiB more.
        const kvHeavy = [doc({family: "kv", quant: "F16", bytes: 300 * MiB, score: 1, kv: 8192})];
        expect(recommend(kvHeavy, {budgetBytes: 512 * MiB, context: 4096}).tasks[0]!.best).toBeDefined();
        expect(recommend(kvHeavy, {budgetBytes: 512 * MiB, context: 65536}).tasks[0]!.best).toBeUndefined();
    });

    it("keeps the files that fit the budget and picks the best of them", () => {
        const context = 4096;
        const at = (d: ResultDocument) => estimateMemoryBytes(d.model, context)!;
        // big Q4_0 is 400 MiB + KV + overhead: over a 400 MiB budget; small F16 is just over too.
        const task = recommend(docs, {budgetBytes: 400 * MiB, context}).tasks[0]!;
        expect(task.candidates.filter((c) => c.fits).map((c) => c.model.quantLabel + "/" + c.model.ladder.id).sort()).toEqual(["Q4_0/small", "Q8_0/small"]);
        expect(task.best!.model.id).toBe("small/small-Q8_0.gguf");
        expect(task.best!.memoryBytes).toBe(at(docs[1]!));
        // More memory: the big ladder's F16 wins.
        const roomy = recommend(docs, {budgetBytes: 8 * 2 ** 30, context}).tasks[0]!;
        expect(roomy.best!.model.id).toBe("big/big-F16.gguf");
        // Nothing fits a tiny budget.
        expect(recommend(docs, {budgetBytes: MiB, context}).tasks[0]!.best).toBeUndefined();
    });

    it("builds the Pareto front over every ranked file and marks what fits", () => {
        const task = recommend(docs, {budgetBytes: 400 * MiB, context: 4096}).tasks[0]!;
        // small F16 (60) and big Q4_0 (75) need the same memory (400 MiB of weights): small F16 is dominated.
        expect(task.front.map((c) => c.model.id)).toEqual([
            "small/small-Q4_0.gguf", "small/small-Q8_0.gguf", "big/big-Q4_0.gguf", "big/big-Q8_0.gguf", "big/big-F16.gguf"
        ]);
        expect(task.front.map((c) => c.fits)).toEqual([true, true, false, false, false]);
        // A worse, bigger file leaves the front.
        const worse = doc({family: "worse", quant: "F16", bytes: 900 * MiB, score: 70});
        const withWorse = recommend([...docs, worse], {budgetBytes: 400 * MiB, context: 4096}).tasks[0]!;
        expect(withWorse.front.map((c) => c.model.id)).not.toContain("worse/worse-F16.gguf");
        expect(withWorse.candidates.map((c) => c.model.id)).toContain("worse/worse-F16.gguf");
    });

    it("judges each file against its reference from the paired change, never from overlapping unpaired intervals", () => {
        // Wide unpaired intervals overlap everywhere; the paired changes decide. Margin 1.
        const ladder = [
            doc({family: "p", quant: "F16", bytes: 400 * MiB, score: 1.44, ci: [-1, 4]}),
            doc({family: "p", quant: "Q8_0", bytes: 200 * MiB, score: 1.40, ci: [-1, 4], delta: {delta: -0.04, ci: [-0.2, 0.1]}}),
            doc({family: "p", quant: "Q4_0", bytes: 100 * MiB, score: -1.02, ci: [-3.5, 1.5], delta: {delta: -2.46, ci: [-3.4, -1.5]}}),
            doc({family: "p", quant: "Q5_0", bytes: 150 * MiB, score: 1.0, ci: [-1, 3], delta: {delta: -0.4, ci: [-2, 1.2], units: 20}})
        ];
        const options = {budgetBytes: 8 * 2 ** 30, context: 4096, margin: 1};
        const pick = recommend(ladder, options).tasks[0]!.ladders[0]!;
        expect(Object.fromEntries(pick.members.map((m) => [m.candidate.model.quantLabel, m.verdict!.verdict]))).toEqual({Q4_0: "worse", Q5_0: "inconclusive", Q8_0: "equivalent"});
        // Inconclusive: from the observed width, how many more units would decide it (20 x (1.6/0.6)^2 = 142.2 -> 143, 123 more).
        expect(pick.members.find((m) => m.candidate.model.quantLabel === "Q5_0")!.verdict!.moreUnitsNeeded).toBe(123);
        expect(pick.smallestEquivalent!.model.quantLabel).toBe("Q8_0");
        const text = formatRecommendation(recommend(ladder, options));
        expect(text).not.toMatch(/as good as/);
        expect(text).toMatch(/Q4_0 {2}pearson -1\.02, ~105 MiB {2}Δ -2\.46 \[-3\.40, -1\.50\] over 20 clusters \(length, trial\) {2}worse/);
        expect(text).toMatch(/Q5_0 .* inconclusive \(about 123 more clusters would decide it\)/);
        expect(text).toMatch(/smallest file equivalent to the reference \(or better\): Q8_0/);
        // A tighter margin: Q8_0's interval [-0.2, 0.1] no longer lies inside it and excludes no zero: inconclusive.
        expect(recommend(ladder, {...options, margin: 0.1}).tasks[0]!.ladders[0]!.smallestEquivalent).toBeUndefined();
        // Without a margin (no --margin and the task states none) there is no verdict.
        expect(recommend(ladder, {...options, margin: undefined}).tasks[0]!.ladders[0]!.members.every((m) => m.verdict === undefined)).toBe(true);
    });

    it("takes the margin from --margin (one number, or per task id or type), else the task's default", () => {
        const d = doc({family: "m", quant: "Q8_0", bytes: MiB, score: 1, taskId: "niah-x"});
        expect(marginOf(d, {margin: 2})).toBe(2);
        expect(marginOf(d, {margin: {"niah-x": 3}, defaultMargin: () => 7})).toBe(3);
        expect(marginOf(d, {margin: {[d.task.type]: 4}})).toBe(4);
        expect(marginOf(d, {margin: {other: 4}, defaultMargin: () => 7})).toBe(7);
    });

    it("never ranks partial results beside complete ones", () => {
        const ladder = [
            doc({family: "q", quant: "F16", bytes: 400 * MiB, score: 60}),
            doc({family: "q", quant: "Q4_0", bytes: 100 * MiB, score: 99, partial: true, delta: {delta: 0, ci: [-0.1, 0.1]}}),
            doc({family: "q", quant: "Q8_0", bytes: 200 * MiB, score: 59, delta: {delta: -0.2, ci: [-0.5, 0.1]}})
        ];
        const options = {budgetBytes: 8 * 2 ** 30, context: 4096, margin: 1};
        const task = recommend(ladder, options).tasks[0]!;
        expect(task.best!.model.quantLabel).toBe("F16");
        expect(task.front.map((c) => c.model.quantLabel)).toEqual(["Q8_0", "F16"]);
        expect(task.partial.map((c) => c.model.quantLabel)).toEqual(["Q4_0"]);
        // Its verdict is shown, marked, and it is never the smallest equivalent file.
        expect(task.ladders[0]!.smallestEquivalent!.model.quantLabel).toBe("Q8_0");
        const text = formatRecommendation(recommend(ladder, options));
        expect(text).toMatch(/Q4_0 .* equivalent {2}\(partial: 3 of 8 trials, not eligible\)/);
        expect(text).toMatch(/partial \(not every planned trial finished; not ranked\): q\/q-Q4_0\.gguf \(3 of 8 trials\)/);
    });

    it("keeps several configurations of one task id apart", () => {
        const a = [doc({family: "c", quant: "F16", bytes: 400 * MiB, score: 10, configHash: "aaaaaaaaaaaa"}), doc({family: "c", quant: "Q8_0", bytes: 200 * MiB, score: 9, configHash: "aaaaaaaaaaaa"})];
        const b = [doc({family: "c", quant: "F16", bytes: 400 * MiB, score: 90, configHash: "bbbbbbbbbbbb"})];
        const options = {budgetBytes: 8 * 2 ** 30, context: 4096};
        expect(recommend([...a, ...b], options).tasks.map((t) => [t.variant, t.candidates.map((c) => c.score)])).toEqual([["config aaaaaaaa", [9, 10]], ["config bbbbbbbb", [90]]]);
        expect(formatRecommendation(recommend([...a, ...b], options))).toMatch(/synthetic-generic \[config aaaaaaaa\]/);
    });

    it("presents files holding the same tensors as one data point", () => {
        const ladder = [
            doc({family: "t", quant: "F16", bytes: 400 * MiB, score: 60}),
            doc({family: "t", quant: "Q8_0", bytes: 200 * MiB, score: 59, sameTensorsAs: ["Q6_K"], delta: {delta: 0, ci: [-0.1, 0.1]}}),
            doc({family: "t", quant: "Q6_K", bytes: 200 * MiB + 10, score: 59, sameTensorsAs: ["Q8_0"], delta: {delta: 0, ci: [-0.1, 0.1]}})
        ];
        const options = {budgetBytes: 8 * 2 ** 30, context: 4096, margin: 1};
        const task = recommend(ladder, options).tasks[0]!;
        expect(task.front.map((c) => [c.model.quantLabel, c.sameAs])).toEqual([["Q8_0", ["Q6_K"]], ["F16", []]]);
        expect(task.ladders[0]!.members).toHaveLength(1);
        expect(formatRecommendation(recommend(ladder, options))).toMatch(/t\/t-Q8_0\.gguf \(Q8_0 = Q6_K\)/);
    });

    it("respects lower-is-better main scores, and never calls a ladder's reference the best file of a score measured against it (fidelity)", () => {
        const kld = (quant: string, bytes: number, score: number, ci?: [number, number], delta?: Spec["delta"]) =>
            doc({family: "f", quant, bytes, score, ci, taskId: "fidelity-test", delta});
        const fidelity = [kld("F16", 400 * MiB, 0, [0, 0]), kld("Q8_0", 200 * MiB, 0.001, [0, 0.002], {delta: 0.001, ci: [0.0008, 0.0012]}),
            kld("Q4_0", 100 * MiB, 0.2, [0.18, 0.22], {delta: 0.2, ci: [0.18, 0.22]})];
        expect(fidelity[0]!.task.mainScore.higherIsBetter).toBe(false);
        expect(typeof fidelity[0]!.scores.reference).toBe("string");
        const options = {budgetBytes: 8 * 2 ** 30, context: 512, margin: 0.01};
        const task = recommend(fidelity, options).tasks[0]!;
        // Lowest KLD among the compared files; F16, the reference (0 by definition), is not ranked.
        expect(task.best!.model.quantLabel).toBe("Q8_0");
        expect(task.front.map((c) => c.model.quantLabel)).toEqual(["Q4_0", "Q8_0"]);
        expect(task.ladders[0]!.members.map((m) => [m.candidate.model.quantLabel, m.verdict!.verdict])).toEqual([["Q4_0", "worse"], ["Q8_0", "equivalent"]]);
        const text = formatRecommendation(recommend(fidelity, options));
        expect(text).toMatch(/meanKld, lower is better/);
        expect(text).toMatch(/scores 0 by definition and is not ranked/);
        expect(text).not.toMatch(/best that fits: .*F16/);
        // Two ladders: each KLD is against its own reference, so nothing is ranked across them.
        const other = [doc({family: "g", quant: "F16", bytes: 40 * MiB, score: 0, ci: [0, 0], taskId: "fidelity-test"}),
            doc({family: "g", quant: "Q4_0", bytes: 10 * MiB, score: 0.0001, ci: [0, 0.0002], taskId: "fidelity-test", delta: {delta: 0.0001, ci: [0, 0.0002]}})];
        const both = recommend([...fidelity, ...other], options).tasks[0]!;
        expect(both.best).toBeUndefined();
        expect(both.front).toEqual([]);
        expect(both.ladders.map((l) => [l.ladder, l.bestThatFits!.model.quantLabel])).toEqual([["f", "Q8_0"], ["g", "Q4_0"]]);
        expect(formatRecommendation(recommend([...fidelity, ...other], options))).toMatch(/best that fits: per ladder, below/);
    });

    it("leaves out files without memory facts or local weights, and files whose trained context is too short, saying why", () => {
        const noMemory = doc({family: "old", quant: "F16", bytes: MiB, score: 99, noMemory: true});
        const hosted = {...doc({family: "hosted", quant: "F16", bytes: MiB, score: 99}), model: {...noMemory.model, id: "hf-inference:x", bytes: 0, sha256: "a".repeat(64)}};
        const shortContext = doc({family: "short", quant: "F16", bytes: MiB, score: 98, contextLength: 2048});
        const task = recommend([...docs, noMemory, hosted, shortContext], {budgetBytes: 8 * 2 ** 30, context: 4096}).tasks[0]!;
        expect(task.excluded).toEqual([
            {model: "old/old-F16.gguf", reason: expect.stringMatching(/no memory facts/)},
            {model: "hf-inference:x", reason: expect.stringMatching(/no local weights/)}
        ]);
        const short = task.candidates.find((c) => c.model.id === "short/short-F16.gguf")!;
        expect(short.fits).toBe(false);
        expect(short.reason).toMatch(/trained context 2048/);
        expect(task.best!.model.id).toBe("big/big-F16.gguf");
        const text = formatRecommendation(recommend([...docs, noMemory, hosted], {budgetBytes: 8 * 2 ** 30, context: 4096}));
        expect(text).toMatch(/not ranked, no memory facts.*old\/old-F16\.gguf/);
        expect(text).toMatch(/not ranked, no local weights.*hf-inference:x/);
    });

    it("filters tasks by id or type and rejects unknown ones", () => {
        const two = [...docs, doc({family: "small", quant: "F16", bytes: MiB, score: 1, taskId: "other-task"})];
        expect(recommend(two, {budgetBytes: 2 ** 30, context: 512}).tasks.map((t) => t.taskId)).toEqual(["other-task", "synthetic-generic"]);
        expect(recommend(two, {budgetBytes: 2 ** 30, context: 512, tasks: ["other-task"]}).tasks.map((t) => t.taskId)).toEqual(["other-task"]);
        expect(() => recommend(two, {budgetBytes: 2 ** 30, context: 512, tasks: ["nope"]})).toThrow(/unknown task "nope".*other-task, synthetic-generic/);
        expect(() => recommend([], {budgetBytes: 2 ** 30, context: 512})).toThrow(/no result documents/);
    });
});

describe("memory facts from real GGUF files", () => {
    it("KV bytes per token follow n_layer x (n_head_kv x head_dim_k + n_head_kv x head_dim_v) x 2 and match node-llama-cpp", async () => {
        // stories260K: 5 layers, 8 heads, 4 KV heads, embedding 64 -> head dim 8: 5 x (4x8 + 4x8) x 2 = 640.
        // TinyStories-656K: 2 layers, 8 heads, 4 KV heads, embedding 128 -> head dim 16: 2 x (4x16 + 4x16) x 2 = 512.
        // wnft-sif-256 (BERT): 1 layer, 8 heads (no KV-head count: all heads), embedding 256: 1 x (8x32 + 8x32) x 2 = 1024.
        const files = {[stories260K("F32")]: 640, [tinyStories("Q4_0")]: 512, [`${MODELS}/wnft-sif-256/wnft-sif-256-F16.gguf`]: 1024};
        for (const [file, expected] of Object.entries(files)) {
            const facts = await readGgufFacts(file);
            expect(facts.memory?.kvBytesPerToken, file).toBe(expected);
            // node-llama-cpp's own estimate without graph overhead grows by exactly the KV cache between two contexts.
            const info = await readGgufFileInfo(file, {readTensorInfo: true, logWarnings: false});
            expect(kvBytesPerTokenOf(info.architectureMetadata as never)).toBe(expected);
            const insights = await GgufInsights.from(info);
            const at = (contextSize: number) => insights.estimateContextResourceRequirements({
                contextSize, modelGpuLayers: 0, sequences: 1, includeGraphOverhead: false, isEmbeddingContext: facts.poolingType !== undefined && facts.poolingType > 0
            }).cpuRam;
            expect((at(2048) - at(1024)) / 1024, file).toBe(expected);
            // The overhead is the rest of node-llama-cpp's estimate at the overhead context.
            const full = insights.estimateContextResourceRequirements({
                contextSize: OVERHEAD_CONTEXT, modelGpuLayers: 0, sequences: 1, flashAttention: false, isEmbeddingContext: facts.poolingType !== undefined && facts.poolingType > 0
            }).cpuRam;
            expect(facts.memory!.overheadBytes).toBe(Math.round(full - expected * OVERHEAD_CONTEXT));
            expect(facts.memory!.overheadBytes).toBeGreaterThan(0);
        }
    });
});
