import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {RULER_TASK_IDS, RULER_TASKS} from "../../harness/tasks/shared/ruler/catalog.js";
import {DEPTHS} from "../../harness/tasks/shared/ruler/essay.js";
import {NIAH_PRESETS} from "../../harness/tasks/shared/ruler/niah.js";
import {fill, GENERATION_BUDGETS, NIAH_NEEDLE, NOISE_LINE, singularise, TEMPLATES} from "../../harness/tasks/shared/ruler/templates.js";
import {SHARED_ASSETS} from "../helpers/assets.js";

// RULER's strings as recorded in the shared reference notes (shared/reference beside the assets).
const REFERENCE = path.join(SHARED_ASSETS, "..", "reference");
function reference(file: string): string {
    const full = path.join(REFERENCE, file);
    if (!existsSync(full)) throw new Error(`the RULER template tests need ${full} (shared/reference beside SLMBENCH_ASSETS)`);
    return readFileSync(full, "utf8");
}
const niahReference = JSON.parse(reference("niah-templates.json")).ruler_niah;
/** The notes quote every template as a JSON string literal on its own indented line. */
const quotedInNotes = reference("ruler-vt-cwe-fwe-notes.md").split("\n")
    .filter((line) => /^\s+".*"$/.test(line))
    .map((line) => JSON.parse(line.trim()) as string);

describe("RULER templates", () => {
    it("match niah-templates.json for the NIAH family: template, answer prefix, needle, noise line, budget", () => {
        expect(TEMPLATES.niah.template).toBe(niahReference.template);
        expect(TEMPLATES.niah.answerPrefix).toBe(niahReference.answer_prefix);
        expect(NIAH_NEEDLE).toBe(niahReference.needle);
        expect(NOISE_LINE).toBe(niahReference.noise_haystack_sentence);
        expect(GENERATION_BUDGETS.niah).toBe(niahReference.tokens_to_generate);
    });

    it("singularise with RULER's replacement list, in its order", () => {
        const replacements = (niahReference.singularize_if_num_q_times_num_v_eq_1 as [string, string][]).filter(([from]) => from !== "type_needle_v");
        const byList = (text: string) => replacements.reduce((out, [from, to]) => out.replaceAll(from, to), text);
        expect(singularise(TEMPLATES.niah.template)).toBe(byList(TEMPLATES.niah.template));
        expect(singularise(TEMPLATES.niah.answerPrefix)).toBe(byList(TEMPLATES.niah.answerPrefix));
        // The singular question as the notes print it (section 5).
        const singular = quotedInNotes.filter((line) => line.startsWith("A special magic") || line.endsWith("provided text is"));
        expect(singular).toEqual([singularise(TEMPLATES.niah.template), singularise(TEMPLATES.niah.answerPrefix)]);
    });

    it("match the vt, cwe and fwe templates and answer prefixes quoted in the notes, string for string", () => {
        for (const task of ["vt", "cwe", "fwe"] as const) {
            expect(quotedInNotes, task).toContain(TEMPLATES[task].template);
            expect(quotedInNotes, task).toContain(TEMPLATES[task].answerPrefix);
        }
        expect(TEMPLATES.vt.answerPrefix.endsWith("they are: ")).toBe(true);
        expect(GENERATION_BUDGETS).toEqual({niah: 128, vt: 30, cwe: 120, fwe: 50});
    });

    it("fill like str.format: every placeholder, one pass, an error naming a missing one", () => {
        expect(fill("{a} and {a} then {b}", {a: "{b}", b: 2})).toBe("{b} and {b} then 2");
        expect(() => fill("{context} {query}", {context: "x"})).toThrow(/\{query\}/);
    });
});

describe("RULER task catalog", () => {
    it("has the eight NIAH presets of synthetic.yaml with their key, value, count and haystack settings", () => {
        const tasks = niahReference.tasks as Record<string, Record<string, string | number>>;
        expect(Object.keys(NIAH_PRESETS)).toEqual(Object.keys(tasks));
        for (const [name, task] of Object.entries(tasks)) {
            const preset = NIAH_PRESETS[name as keyof typeof NIAH_PRESETS];
            expect({haystack: preset.haystack, keys: preset.keys, values: preset.values, k: preset.numKeys, v: preset.numValues, q: preset.numQueries}, name)
                .toEqual({haystack: task.type_haystack, keys: task.type_needle_k, values: task.type_needle_v, k: task.num_needle_k, v: task.num_needle_v, q: task.num_needle_q});
        }
        expect(NIAH_PRESETS.niah_single_2.note).toMatch(/Paul Graham.*Gutenberg/);
    });

    it("lists RULER's 11 non-QA task ids with their budgets, one metric and RULER's search steps", () => {
        expect(RULER_TASK_IDS).toEqual([...Object.keys(niahReference.tasks), "vt", "cwe", "fwe"]);
        expect(RULER_TASK_IDS.map((id) => RULER_TASKS[id].maxNewTokens)).toEqual([...Array(8).fill(128), 30, 120, 50]);
        expect(new Set(RULER_TASK_IDS.map((id) => RULER_TASKS[id].metric))).toEqual(new Set(["string_match_all"]));
        expect([4096, 2048].map((length) => RULER_TASKS.niah_single_1.increment(length))).toEqual([25, 5]);
        expect(RULER_TASKS.niah_single_2.increment(2048)).toBe(500);
        expect([4096, 2048].map((length) => RULER_TASKS.vt.increment(length))).toEqual([10, 5]);
        expect(RULER_TASKS.fwe.increment(4096)).toBe(126);
    });

    it("places essay needles at RULER's 40 depths, round(linspace(0, 100, 40))", () => {
        expect(DEPTHS).toEqual([0, 3, 5, 8, 10, 13, 15, 18, 21, 23, 26, 28, 31, 33, 36, 38, 41, 44, 46, 49, 51, 54, 56, 59, 62, 64, 67, 69, 72, 74, 77, 79, 82, 85, 87, 90, 92, 95, 97, 100]);
    });
});
