/**
 * RULER's variable tracking (scripts/data/synthetic/variable_tracking.py; vt in scripts/synthetic.yaml:
 * noise haystack, one chain, four hops): "VAR X = 12345", "VAR Y = VAR X ", ... hidden among noise
 * lines, and one in-context example before the question.
 */
import {SeededRandom} from "../../../util/random.js";
import {distinctStrings, sampleIndices, streams, UPPERCASE} from "./draws.js";
import type {RulerPrompt, RulerSample} from "./sample.js";
import {fill, NOISE_LINE, TEMPLATES} from "./templates.js";

export const VT_DEFAULTS = {chains: 1, hops: 4} as const;

/**
 * The in-context example's layout, which RULER fixes once per run: its noise lines are fitted to a
 * 500-token budget (VT_EXAMPLE_TOKENS) and its chain positions drawn once; each sample then gets
 * fresh names and a fresh value in that layout.
 */
export interface VtExampleLayout {
    /** Noise lines in the example (RULER fits them to 500 tokens, at least 5). */
    lines: number;
    /** Seeds the example's chain positions; RULER draws them once per run, so pass the run's seed. */
    seed: number;
}

/** RULER fits the example to this many tokens (tokens_to_generate 0, no chat wrapper). */
export const VT_EXAMPLE_TOKENS = 500;
/** RULER's smallest example: its search starts at 5 noise lines. */
export const VT_MIN_EXAMPLE_LINES = 5;

export interface VtOptions {
    seed: number;
    /** Noise lines in the haystack (RULER's num_noises). */
    size: number;
    chains?: number;
    hops?: number;
    /** The in-context example's layout; null leaves the example out (not RULER: only where it cannot fit). */
    example: VtExampleLayout | null;
}

export interface VtSample extends RulerSample {
    /** Chain 0's variable names, in chain order (the expected answer). */
    names: string[];
    /** The value chain 0 holds. */
    value: string;
}

/** RULER's incremental for the haystack search: 10 noise lines, 5 below 4,096 tokens. */
export function vtIncrement(maxSeqLength: number): number {
    return maxSeqLength < 4096 ? 5 : 10;
}

/** numpy's randint(10000, 99999): 5 digits, upper bound excluded. */
function drawValue(random: SeededRandom): string {
    return String(random.int(10_000, 99_998));
}

/** RULER's chain: "VAR {V0} = {value}" then "VAR {Vj} = VAR {Vj-1} " (hop lines end with a space). */
export function chainLines(names: readonly string[], value: string): string[] {
    return [`VAR ${names[0]} = ${value}`, ...names.slice(1).map((name, j) => `VAR ${name} = VAR ${names[j]} `)];
}

/**
 * Noise lines with the chains inserted: per chain, sorted distinct positions among the lines so far,
 * chain line j at position p_j + j (so the chain reads in order, each line followed by noise).
 */
function insertChains(lines: number, chains: readonly string[][], random: SeededRandom): string {
    const out = Array.from({length: lines}, () => NOISE_LINE);
    for (const chain of chains) {
        const positions = sampleIndices(random, out.length, chain.length).sort((a, b) => a - b);
        positions.forEach((position, j) => out.splice(position + j, 0, chain[j]!));
    }
    // RULER's clean-up of essay haystacks; it changes nothing in the noise haystack.
    return out.join("\n").replaceAll(". \n", ".\n");
}

interface Filled {
    prompt: RulerPrompt;
    names: string[][];
    value: string;
}

/** One filled vt task: chains of `nameLength`-letter names, the first chain holding `value`. */
function fillTask(lines: number, chains: number, hops: number, nameLength: number, value: string, names: SeededRandom, positions: SeededRandom, contextValue = value): Filled {
    const all = distinctStrings(names, UPPERCASE, nameLength, chains * (hops + 1));
    const groups = Array.from({length: chains}, (_, c) => all.slice(c * (hops + 1), (c + 1) * (hops + 1)));
    // Chains after the first hold their own values, drawn from the names stream.
    const chainValues = groups.map((_, c) => (c === 0 ? contextValue : drawValue(names)));
    const context = insertChains(lines, groups.map((group, c) => chainLines(group, chainValues[c]!)), positions);
    const fields = {query: value, num_v: hops + 1};
    return {
        prompt: {user: fill(TEMPLATES.vt.template, {...fields, context}), answerPrefix: fill(TEMPLATES.vt.answerPrefix, fields)},
        names: groups,
        value
    };
}

/**
 * RULER's in-context example text: its filled template and answer prefix, " ", its names joined by
 * spaces, "\n" (so "they are:  AAA BBB ..." with two spaces). Layout from `layout.seed`; names
 * (3 letters) and value (5 digits) fresh from `random` for every sample.
 */
export function vtExample(layout: VtExampleLayout, chains: number, hops: number, random: SeededRandom): string {
    if (!Number.isInteger(layout.lines) || layout.lines < VT_MIN_EXAMPLE_LINES) throw new Error(`the vt example needs at least ${VT_MIN_EXAMPLE_LINES} noise lines, got ${layout.lines}`);
    const exampleHops = Math.min(10, hops);
    const filled = fillTask(layout.lines, chains, exampleHops, 3, drawValue(random), random, new SeededRandom(layout.seed));
    return `${filled.prompt.user}${filled.prompt.answerPrefix} ${filled.names[0]!.join(" ")}\n`;
}

/**
 * One vt sample. The user turn is the example, "\n", then the task (a blank line between them, as in
 * RULER). `withoutPrompt` is the same prompt with chain 0 holding another value: the question still
 * asks for `value`, so nothing in the context links the expected names to it.
 */
export function generateVt(options: VtOptions): VtSample {
    const {seed, size, chains = VT_DEFAULTS.chains, hops = VT_DEFAULTS.hops} = options;
    if (!Number.isInteger(size) || size < chains * (hops + 1)) throw new Error(`a vt haystack needs at least ${chains * (hops + 1)} noise lines (one per chain line), got ${size}`);
    const draw = streams(seed, ["value", "example", "without"]);
    const value = drawValue(draw.value);
    let otherValue = drawValue(draw.without);
    while (otherValue === value) otherValue = drawValue(draw.without);

    const example = options.example ? `${vtExample(options.example, chains, hops, draw.example)}\n` : "";
    // Both prompts draw names and positions from fresh copies of the same streams, so they differ only in chain 0's value.
    const build = (contextValue: string) => {
        const {names, positions} = streams(seed, ["names", "positions"]);
        return fillTask(size, chains, hops, 5, value, names, positions, contextValue);
    };
    const task = build(value);
    const without = build(otherValue);
    const names = task.names[0]!;
    return {
        prompt: {user: example + task.prompt.user, answerPrefix: task.prompt.answerPrefix},
        expected: names,
        answer: ` ${names.join(" ")}`,
        withoutPrompt: {user: example + without.prompt.user, answerPrefix: without.prompt.answerPrefix},
        names,
        value
    };
}
