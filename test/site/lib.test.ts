// Pure helpers behind the pages: Pareto front, CI lookup, slugs, and the fixtures' validity.
import {describe, expect, it} from "vitest";
import {resultDocumentSchema} from "../../harness/results/schema.ts";
import {fidelityScoresSchema} from "../../harness/tasks/fidelity/contract.ts";
import {stsScoresSchema} from "../../harness/tasks/sts/contract.ts";
import {ciOf, hasWeights, modelKind, slugify} from "../../site/src/lib/data.ts";
import {fmt, fmtDate, fmtDelta, fmtDrift, fmtInterval} from "../../site/src/lib/format.ts";
import {changedPairs, deltaVerdict, parsePairRecords, rankPercentiles, worstPairs, type PairRecords} from "../../site/src/tasks/sts/lib.ts";
import {averageRanks} from "../../harness/util/correlation.ts";
import {paretoFront} from "../../site/src/lib/pareto.ts";
import {contextLabel, memoryAt} from "../../site/src/lib/memory.ts";
import {effectiveContextText, fmtP} from "../../site/src/tasks/niah/lib.ts";
import type {NiahScores} from "../../harness/tasks/niah/contract.ts";
import fs from "node:fs";
import path from "node:path";
import {VIEWS, viewOf} from "../../site/src/tasks/registry.ts";
import {contextChoices} from "../../site/src/lib/context.ts";
import {isPartial, tensorGroups} from "../../site/src/lib/honest.ts";
import {ranks} from "../../site/src/lib/leaderboard.ts";
import type {DocEntry, Family, ModelEntry, TaskInfo} from "../../site/src/lib/types.ts";
import {JACCARD, makeDoc, RULER_FIXTURE, type ModelSpec} from "./fixtures.ts";
import {rulerScoresSchema} from "../../harness/tasks/ruler/contract.ts";
import {effectiveText, headline, headlineDelta, referencePairing, rulerRuns, taskDeltas} from "../../site/src/tasks/ruler/lib.ts";
import {REPO} from "./helpers.ts";

describe("site helpers", () => {
    it("estimates memory at a context: weights + KV per token x context + overhead, fixed without an estimate", () => {
        expect(memoryAt({bytes: 1000, memory: {kvBytesPerToken: 10, overheadBytes: 5}, source: "estimate"}, 512)).toBe(1000 + 5120 + 5);
        expect(memoryAt({bytes: 1000, source: "file size"}, 32768)).toBe(1000);
        expect([512, 2048, 32768].map(contextLabel)).toEqual(["512", "2K", "32K"]);
    });

    it("writes the effective context as a length or \"< shortest\", and p-values readably", () => {
        const scores = (length: number | null) => ({byLength: [{length: 512}, {length: 256}], cells: [], effectiveContext: {length, score: "lift", threshold: 1}}) as unknown as NiahScores;
        expect(effectiveContextText(scores(4096))).toBe("4,096");
        expect(effectiveContextText(scores(null))).toBe("< 256");
        expect(effectiveContextText({...scores(null), effectiveContext: undefined})).toBeNull();
        expect([1, 0.6251, 0.0224, 0.0004].map(fmtP)).toEqual(["1", "0.625", "0.0224", "< 0.001"]);
    });

    it("keeps only non-dominated points on the Pareto front", () => {
        const points = [{m: 1, s: 10}, {m: 2, s: 5}, {m: 3, s: 30}, {m: 3, s: 20}, {m: 4, s: 25}, {m: 5, s: 40}];
        const front = paretoFront(points, (p) => p.m, (p) => p.s, true);
        expect(front).toEqual([{m: 1, s: 10}, {m: 3, s: 30}, {m: 5, s: 40}]);
        expect(paretoFront(points, (p) => p.m, (p) => p.s, false)).toEqual([{m: 1, s: 10}, {m: 2, s: 5}]);
    });

    it("reads {name}Ci only when it is a finite pair", () => {
        expect(ciOf({main: 1, mainCi: [0.5, 1.5]}, "main")).toEqual([0.5, 1.5]);
        expect(ciOf({main: 1, mainCi: [0.5]}, "main")).toBeNull();
        expect(ciOf({main: 1}, "main")).toBeNull();
        expect(ciOf(undefined, "main")).toBeNull();
    });

    it("makes readable slugs that differ when the text differs", () => {
        expect(slugify("My Model Q4_K_M.gguf")).toMatch(/^my-model-q4-k-m-gguf-[0-9a-f]{8}$/);
        expect(slugify("a_b")).not.toBe(slugify("a-b"));
    });

    it("generates schema-valid fixtures", () => {
        const model = {family: "synthetic-x", fileName: "synthetic-x-F16.gguf", quant: "F16", bitsPerWeight: 16, parameters: 1000, quality: 0.9,
            isReference: true, referenceFile: "synthetic-x-F16.gguf", ladderSize: 1};
        for (const taskId of ["niah-a", "sts-a", "fidelity-a", "other-a"]) {
            const doc = makeDoc({model, taskId, runId: "synthetic", createdAt: "2025-01-01T00:00:00.000Z"});
            expect(resultDocumentSchema.safeParse(doc).success).toBe(true);
        }
        const at = "2025-01-01T00:00:00.000Z";
        const reference = makeDoc({model, taskId: "sts-a", runId: "synthetic", createdAt: at});
        const quant = {...model, fileName: "synthetic-x-Q4_0.gguf", quant: "Q4_0", bitsPerWeight: 4.5, quality: 0.7, isReference: false, ladderSize: 2};
        const sts = stsScoresSchema.parse(makeDoc({model: quant, taskId: "sts-a", runId: "synthetic", createdAt: at}, reference).scores);
        expect(sts.vsReference?.drift?.meanCosine).toBeLessThan(1);
        expect(sts.vsReference?.deltaCi).toHaveLength(2);
        expect(fidelityScoresSchema.safeParse(makeDoc({model: quant, taskId: "fidelity-a", runId: "synthetic", createdAt: at}).scores).success).toBe(true);
        const jaccard = makeDoc({model: JACCARD, taskId: "sts-a", runId: "synthetic", createdAt: at});
        expect(jaccard.model).toMatchObject({id: "builtin:jaccard", provider: "lexical", bytes: 0, bitsPerWeight: 0});
        expect(modelKind(jaccard.model)).toBe("builtin");
        expect(hasWeights(jaccard.model)).toBe(false);
        expect(hasWeights(reference.model)).toBe(true);
    });

    it("ranks ties by their average rank, as percentiles 0..100", () => {
        expect([...averageRanks([10, 20, 20, 5])]).toEqual([2, 3.5, 3.5, 1]);
        expect(rankPercentiles([10, 20, 20, 5])).toEqual([100 / 3, 250 / 3, 250 / 3, 0]);
        expect(rankPercentiles([7])).toEqual([50]);
    });

    it("finds the pairs ranked furthest from gold, and those quantization made worse", () => {
        const records: PairRecords = {
            pairIds: ["a", "b", "c", "d", "e"], gold: [0, 1, 2, 3, 4], similarity: [0.1, 0.2, 0.9, 0.4, 0.3],
            groups: {genre: ["x", "x", "y", "y", "y"]}, texts: [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"], ["e1", "e2"]]
        };
        // Percentiles 0,25,50,75,100 for gold; c has the top similarity (100), e the third (50).
        const worst = worstPairs(records, 2);
        expect(worst.map((p) => [p.id, p.error])).toEqual([["c", 50], ["e", -50]]);
        expect(worst[0]).toMatchObject({groups: {genre: "y"}, texts: ["c1", "c2"], goldPct: 50, similarityPct: 100});
        const reference: PairRecords = {...records, similarity: [0.1, 0.2, 0.3, 0.4, 0.5], texts: undefined};
        const changed = changedPairs(records, reference, 10);
        expect(changed.map((c) => [c.mine.id, c.change])).toEqual([["c", 50], ["e", 50]]);
        expect(changed[0]!.mine.texts).toEqual(["c1", "c2"]);
        // Pairs the reference lacks are left out; ranks are over the shared pairs (a, b, c).
        const partial = changedPairs({...records, similarity: [0.1, 0.95, 0.9, 0.4, 0.3]}, {...reference, pairIds: ["a", "b", "c", "zz", "yy"]}, 10);
        expect(partial.map((c) => [c.mine.id, c.change])).toEqual([["b", 50], ["c", 50]]);
        expect(partial[1]!.mine.similarityPct).toBe(50);
    });

    it("validates per-pair records, naming the trial and field", () => {
        const output = {pairIds: ["a", "b"], gold: [1, 2], similarity: [0.5, "x"], groups: {}};
        const trial = {id: "t", cell: {}, seed: 0, status: "ok" as const, scores: {}, timings: {}};
        const bad = parsePairRecords([{...trial, status: "error"}, {...trial, output}]);
        expect(bad.ok).toBe(false);
        expect(!bad.ok && bad.error).toMatch(/at trials\.1\.output\.similarity\.1:/);
        const short = parsePairRecords([{...trial, output: {...output, similarity: [0.5]}}]);
        expect(!short.ok && short.error).toMatch(/at trials\.0\.output\.similarity: 1 entries, but pairIds has 2/);
        expect(parsePairRecords([{...trial, status: "skipped"}])).toEqual({ok: true, records: null});
    });

    it("words a paired change by whether its interval excludes zero", () => {
        const vs = (deltaCi: [number, number]) => ({deltaSpearman: 0, deltaCi}) as Parameters<typeof deltaVerdict>[0];
        expect(deltaVerdict(vs([-1, 1]))).toMatch(/within noise/);
        expect(deltaVerdict(vs([-2, -0.1]))).toMatch(/^lower/);
        expect(deltaVerdict(vs([0.1, 2]))).toMatch(/^higher/);
        expect(deltaVerdict(undefined)).toBe("not compared");
    });

    it("writes every number one way: 3 significant digits, scientific only below 1e-4, human dates", () => {
        expect(fmt(0.001234)).toBe("0.00123");
        expect(fmt(62.297)).toBe("62.3");
        expect(fmt(0)).toBe("0");
        expect(fmt(0.0001)).toBe("0.0001");
        expect(fmt(0.0000123)).toBe("1.23e−5");
        expect(fmt(-0.00005)).toBe("−5e−5");
        expect(fmt(999.7)).toBe("1,000");
        expect(fmt(12345.6)).toBe("12,346");
        expect(fmt(-3.14159)).toBe("−3.14");
        expect(fmt(null)).toBe("—");
        expect(fmt(Number.NaN)).toBe("—");
        expect(fmtDelta(-0.0042)).toBe("−0.0042");
        expect(fmtDelta(2.5)).toBe("+2.5");
        expect(fmtDelta(0.00000001)).toBe("+1e−8");
        expect(fmtDelta(0)).toBe("±0");
        expect(fmtInterval([-1.25, 3], true)).toBe("[−1.25, +3]");
        expect(fmtDrift(0.999987)).toBe("1.3e−5");
        expect(fmtDate("2025-01-02T14:05:00.000Z")).toBe("2 Jan 2025, 14:05 UTC");
        expect(fmtDate("not a date")).toBe("not a date");
    });

    it("registers each task view once, with the components it declares and no stray view folder", () => {
        const dir = path.join(REPO, "site/src/tasks");
        const folders = fs.readdirSync(dir, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name).sort();
        expect(folders).toEqual(VIEWS.map((v) => v.type).sort());
        for (const view of VIEWS) {
            const has = (file: string) => fs.existsSync(path.join(dir, view.type, file));
            expect(has("view.ts"), view.type).toBe(true);
            expect(has("Page.astro"), `${view.type}/Page.astro`).toBe(Boolean(view.modelPage));
            expect(has("Overview.astro"), `${view.type}/Overview.astro`).toBe(Boolean(view.overview));
            expect(has("Suite.astro"), `${view.type}/Suite.astro`).toBe(Boolean(view.suite));
            expect(viewOf(view.type)).toBe(view);
        }
        // A task type without a view gets the generic pages.
        expect(viewOf("synthetic-generic")).toBeUndefined();
        const reading = viewOf("niah")!.parse(makeDoc({model: JACCARD, taskId: "niah-a", runId: "synthetic", createdAt: "2025-01-01T00:00:00.000Z"}));
        expect(reading.ok).toBe(true);
        // RULER's view reads the scores with the contract's schema and names a bad field.
        const ruler = makeDoc({model: JACCARD, taskId: "vt", runId: "synthetic", createdAt: "2025-01-01T00:00:00.000Z", ruler: RULER_FIXTURE});
        expect(viewOf("ruler")!.parse(ruler).ok).toBe(true);
        const broken = {...ruler, scores: {...ruler.scores, byLength: [{...(ruler.scores.byLength as object[])[0], score: "high"}]}};
        const bad = viewOf("ruler")!.parse(broken);
        expect(!bad.ok && bad.error).toMatch(/invalid RULER scores block\n {2}at scores\.byLength\.0\.score:/);
    });

    it("ranks as LMArena: 1 + the models whose interval is entirely better; overlaps tie; partial scores unranked", () => {
        const task: TaskInfo = {id: "t", type: "synthetic-generic", mainScore: {name: "pearson", higherIsBetter: true, description: ""}};
        const model = (name: string, main: number, ci: [number, number] | null, partial = false) => ({
            model: {fileName: name},
            latest: new Map([["t", {doc: {scores: {main, mainCi: ci}, counts: {ok: 1, error: 0, skipped: 0, planned: 1}, ...(partial ? {partial: true} : {})}} as unknown as DocEntry]])
        }) as unknown as ModelEntry;
        const [a, b, c, d, e] = [model("a", 90, [85, 95]), model("b", 84, [80, 88]), model("c", 70, [65, 75]), model("d", 95, [60, 99], true), model("e", 60, null)];
        const r = ranks([a, b, c, d, e], task);
        expect([a, b, c, e].map((m) => r.get(m))).toEqual([1, 1, 3, 4]);
        expect(r.has(d)).toBe(false);
        // Lower is better: the order turns around.
        const low = ranks([a, b, c, e], {...task, mainScore: {...task.mainScore, higherIsBetter: false}});
        expect([a, b, c, e].map((m) => low.get(m))).toEqual([3, 3, 2, 1]);
        expect(isPartial({counts: {}, coverage: {ok: 3, skipped: 1, planned: 5}} as never)).toBe(true);
        expect(isPartial({counts: {}, coverage: {ok: 4, skipped: 1, planned: 5}} as never)).toBe(false);
    });

    it("offers context lengths up to the longest trained one, marks those beyond some models, defaults to the longest all were trained for", () => {
        const model = (contextLength: number | undefined, weights = true) => ({weights, model: {contextLength}}) as unknown as ModelEntry;
        const c = contextChoices([model(1024), model(2048), model(1024), model(undefined, false), model(8192, false)]);
        expect(c.choices).toEqual([{tokens: 256, beyond: 0}, {tokens: 512, beyond: 0}, {tokens: 1024, beyond: 0}, {tokens: 2048, beyond: 2}]);
        expect(c.defaultTokens).toBe(1024);
        expect(contextChoices([model(undefined)]).defaultTokens).toBe(2048);
        expect(contextChoices([model(768)]).choices.map((x) => x.tokens)).toEqual([256, 512, 768]);
    });

    it("groups a ladder's files that hold the same tensors, the one whose label matches first", () => {
        const file = (fileName: string, same: string[] = [], matches = true) =>
            ({model: {fileName, sameTensorsAs: same, labelMatchesTensors: matches}}) as unknown as ModelEntry;
        const [f16, q6, q8, q4] = [file("F16"), file("Q6_K", ["Q8_0"], false), file("Q8_0", ["Q6_K"]), file("Q4_0")];
        const family = {id: "x", slug: "x", models: [f16, q6, q8, q4]} as Family;
        expect(tensorGroups(family).map((g) => g.map((m) => m.model.fileName))).toEqual([["F16"], ["Q8_0", "Q6_K"], ["Q4_0"]]);
    });

    it("groups a model's RULER documents by run, pairs a quantized run with the reference's same run, and reads RULER's headline", () => {
        const spec = (fileName: string, quant: string, quality: number, isReference: boolean): ModelSpec => ({
            family: "synthetic-r", fileName, quant, bitsPerWeight: isReference ? 32 : 4.5, parameters: 1000, quality, isReference,
            referenceFile: "synthetic-r-F32.gguf", ladderSize: 2
        });
        const [f32, q4] = [spec("synthetic-r-F32.gguf", "F32", 0.9, true), spec("synthetic-r-Q4_0.gguf", "Q4_0", 0.6, false)];
        const entries: DocEntry[] = [];
        const add = (model: ModelSpec, taskId: string, runId: string, createdAt: string, ruler = RULER_FIXTURE, reference?: DocEntry) => {
            const doc = makeDoc({model, taskId, runId, createdAt, ruler}, reference?.doc);
            const entry = {doc, file: `${runId}/${model.fileName}.${taskId}.json`, slug: `${model.fileName}-${taskId}-${runId}`, modelKey: model.fileName,
                view: {type: "ruler", data: rulerScoresSchema.parse(doc.scores)}} as DocEntry;
            entries.push(entry);
            return entry;
        };
        const early = "2025-01-01T00:00:00.000Z";
        const late = "2025-02-01T00:00:00.000Z";
        for (const task of ["fwe", "niah_single_1"]) {
            const ref = add(f32, task, "run-b", early, {...RULER_FIXTURE, tooShort: task === "fwe" ? [512] : []});
            add(q4, task, "run-b", early, {...RULER_FIXTURE, tooShort: task === "fwe" ? [512] : []}, ref);
        }
        // A newer run of the reference alone, with another configuration: the quantized file must not pair with it.
        add(f32, "niah_single_1", "run-c", late, {...RULER_FIXTURE, samples: 2});
        const model = (spec: ModelSpec) => ({
            model: {fileName: spec.fileName, ladder: {referenceSha256: entries.find((e) => e.doc.model.fileName === f32.fileName)!.doc.model.sha256}},
            docs: entries.filter((e) => e.doc.model.fileName === spec.fileName).sort((a, b) => b.doc.createdAt.localeCompare(a.doc.createdAt))
        }) as unknown as ModelEntry;
        const [reference, quantized] = [model(f32), model(q4)];
        const family = {id: "synthetic-r", slug: "r", models: [reference, quantized], reference} as Family;
        const refRuns = rulerRuns(reference);
        expect(refRuns.map((r) => [r.runId, r.docs.length])).toEqual([["run-c", 1], ["run-b", 2]]);
        const [run] = rulerRuns(quantized);
        // RULER's order (niah before fwe), whatever order the documents came in.
        expect(run!.docs.map((d) => d.entry.doc.task.id)).toEqual(["niah_single_1", "fwe"]);
        const pairing = referencePairing(run!, family)!;
        expect(pairing.run.runId).toBe("run-b");
        expect([...pairing.comparable].sort()).toEqual(["fwe", "niah_single_1"]);
        expect(referencePairing(refRuns[0]!, family)).toBeUndefined();
        // fwe is too short at 512: the headline is at the longest complete length; no effective length (512 lacks fwe).
        const h = headline(run!, "stringMatch")!;
        expect(h).toMatchObject({length: 2048, complete: true, tasks: 2, of: 2});
        const at = (task: string, length: number) => run!.byTask.get(task)!.scores.byLength.find((b) => b.length === length)!;
        expect(h.value).toBeCloseTo((at("fwe", 2048).score! + at("niah_single_1", 2048).score!) / 2, 9);
        expect(effectiveText(run!, "stringMatch")).toMatchObject({text: "n/a", value: ""});
        expect(effectiveText(refRuns[0]!, "lift").text).toMatch(/^(< 512|2,048|1,024|512)$/);
        // The difference: paired per task from vsReference, the average's change over the tasks both have.
        const deltas = taskDeltas(run!, pairing);
        const vs = run!.byTask.get("niah_single_1")!.scores.vsReference!;
        expect(deltas[0]!.overall.lift).toEqual({delta: vs.deltaLift.delta, ci: vs.deltaLift.ci, paired: true});
        expect(deltas[0]!.byLength.get(1024)!.lift.delta).toBe(vs.byLength.find((b) => b.length === 1024)!.deltaLift);
        const refAt = (task: string, length: number) => pairing.run.byTask.get(task)!.scores.byLength.find((b) => b.length === length)!;
        expect(headlineDelta(run!, pairing).get(512)).toMatchObject({tasks: ["niah_single_1"], stringMatch: at("niah_single_1", 512).score! - refAt("niah_single_1", 512).score!});
    });
});
