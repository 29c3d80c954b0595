// Pure helpers behind the pages: Pareto front, CI lookup, slugs, and the fixtures' validity.
import {describe, expect, it} from "vitest";
import {resultDocumentSchema} from "../../harness/results/schema.ts";
import {ciOf, slugify} from "../../site/src/lib/data.ts";
import {paretoFront} from "../../site/src/lib/pareto.ts";
import {makeDoc} from "./fixtures.ts";

describe("site helpers", () => {
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
        for (const taskId of ["niah-a", "sts-a"]) {
            const doc = makeDoc({model, taskId, runId: "synthetic", createdAt: "2025-01-01T00:00:00.000Z"});
            expect(resultDocumentSchema.safeParse(doc).success).toBe(true);
        }
    });
});
