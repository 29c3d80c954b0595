import type {ChatPrompt, Session} from "../../session/types.js";
import {SeededRandom} from "../../util/random.js";
import {ApproximateSizing, calibrateSizing, FALLBACK_CHARS_PER_TOKEN, promptChars, promptSizing} from "../shared/approximate-sizing.js";
import {largestFittingSize} from "../shared/fit-size.js";
import {RULER_TASKS} from "../shared/ruler/catalog.js";
import {VT_DEFAULTS, VT_EXAMPLE_TOKENS, VT_MIN_EXAMPLE_LINES, vtExample} from "../shared/ruler/vt.js";
import {stringMatchAll} from "../shared/string-match.js";
import {SkipTrial} from "../skip.js";
import type {PlannedTrial, TaskContext, TaskRunner} from "../types.js";
import {generationBudget, RulerConfig, usesEssay} from "./config.js";
import {loadEssayWords} from "./essay.js";
import {rulerLengths, type RulerTrialSpec} from "./plan.js";
import {type BuiltSample, sampleBuilder, type SampleBuilder} from "./samples.js";

/** The calibration probe's prompt (hosted models), in fallback-approximation tokens: this share of the longest length, at most PROBE_MAX_TOKENS. */
const PROBE_SHARE = 0.6;
const PROBE_MAX_TOKENS = 4096;

interface Sized {
    sample: BuiltSample;
    size: number;
    promptTokens: number;
    /** Tokens of the lift's "without" prompt, where it was measured. */
    withoutTokens?: number;
    budget: number;
    measurements: number;
}

/**
 * Runs RULER trials on a session. Each trial is one sample: sized to its length in the model's own
 * tokens (the largest haystack whose prompt leaves room for the generation budget), generated
 * greedily and scored with RULER's string_match_all; where the session has log-probabilities,
 * the teacher-forced answer is scored after the prompt and after the sample's fair "without"
 * prompt (RulerSample.withoutPrompt), and their difference is the lift. Trials run by length,
 * then sample, so each evaluation shares a prefix with the one before it (the without prompt the
 * prompt's up to its first change; noise and essay haystacks up to the first needle).
 */
export async function createRulerRunner(config: RulerConfig, session: Session, context: TaskContext): Promise<TaskRunner<RulerTrialSpec>> {
    const {generate} = session;
    if (!generate) throw new Error("RULER needs a session that generates");
    const continuationLogprob = session.capabilities.has("logprobs") ? session.continuationLogprob : undefined;
    const maxNewTokens = generationBudget(config);
    const essay = usesEssay(config.task) ? loadEssayWords(config.essay!.files, context.assetRoots) : undefined;

    /** Text the model's tokenizer would abort on is never sent to it: the trial is skipped, saying why. */
    const guard = (texts: string[]) => {
        const unsupported = session.unsupportedCharacters?.(texts.join("\n")) ?? [];
        if (unsupported.length > 0)
            throw new SkipTrial(`the model's tokenizer cannot encode ${unsupported.map((c) => JSON.stringify(c)).join(" ")} (llama.cpp would abort the process), which RULER's ${config.task} prompt holds`);
    };
    const promptTexts = (prompt: ChatPrompt) => [prompt.system ?? "", prompt.user, prompt.answerPrefix ?? ""];

    const sizing = promptSizing(session, () => calibrate());
    /** Hosted models: two probes of the task's own prompts, at its smallest size and at a size of about PROBE_SHARE of the longest length. */
    async function calibrate(): Promise<ApproximateSizing> {
        const longest = Math.max(...rulerLengths(config));
        const builder = await builderFor(longest);
        const seed = 0;
        const empty = builder.build(seed, builder.min).prompt;
        const targetChars = Math.min(longest, PROBE_MAX_TOKENS) * PROBE_SHARE * FALLBACK_CHARS_PER_TOKEN;
        let size = builder.probe;
        while (promptChars(builder.build(seed, size).prompt) < targetChars) size *= 2;
        return calibrateSizing(session, {empty, filled: builder.build(seed, size).prompt});
    }

    /** RULER's vt example: the most noise lines (at least 5) whose text stays within 500 tokens, fitted once per model. */
    let vtExampleLines: Promise<number> | undefined;
    const fitVtExample = async (): Promise<number> => {
        const {countTextTokens} = await sizing();
        const fitted = await largestFittingSize({
            min: VT_MIN_EXAMPLE_LINES,
            budget: VT_EXAMPLE_TOKENS,
            measure: async (lines) => {
                const text = vtExample({lines, seed: config.seed}, VT_DEFAULTS.chains, VT_DEFAULTS.hops, new SeededRandom(config.seed));
                guard([text]);
                return {tokens: (await countTextTokens([text]))[0]!, value: lines};
            }
        });
        // RULER's search cannot go below 5 lines: a tokenizer that needs more than 500 tokens for them gets 5.
        return fitted.size ?? VT_MIN_EXAMPLE_LINES;
    };

    const builders = new Map<number, Promise<SampleBuilder>>();
    function builderFor(length: number): Promise<SampleBuilder> {
        let builder = builders.get(length);
        if (!builder) {
            builders.set(length, builder = (async () => {
                const lines = RULER_TASKS[config.task].family === "vt" ? await (vtExampleLines ??= fitVtExample()) : undefined;
                return sampleBuilder({task: config.task, length, layoutSeed: config.seed, essay, vtExampleLines: lines});
            })());
        }
        return builder;
    }

    async function sizeSample(trial: PlannedTrial<RulerTrialSpec>): Promise<Sized> {
        const {length} = trial.spec;
        const {countPromptTokens, countTextTokens} = await sizing();
        const builder = await builderFor(length);
        const smallest = builder.build(trial.seed, builder.min);
        guard([smallest.answer]);
        // Room for the generation budget, or for the teacher-forced answer when it is longer (RULER: prompt + tokens_to_generate <= length).
        const answerTokens = Math.ceil((await countTextTokens([smallest.answer]))[0]!);
        const budget = length - Math.max(maxNewTokens, answerTokens + 1);
        const fitted = await largestFittingSize<{sample: BuiltSample; promptTokens: number; withoutTokens?: number}>({
            min: builder.min,
            probe: builder.probe,
            budget,
            measure: async (size) => {
                const sample = size === builder.min ? smallest : builder.build(trial.seed, size);
                guard(promptTexts(sample.prompt));
                const promptTokens = await countPromptTokens(sample.prompt);
                if (!continuationLogprob || !sample.withoutPrompt) return {tokens: promptTokens, value: {sample, promptTokens}};
                // The lift's "without" prompt is scored with the answer in a context of the same length, so it must fit
                // too: cwe's and fwe's can be longer than the prompt (other words frequent). It binds only then.
                guard(promptTexts(sample.withoutPrompt));
                const withoutTokens = await countPromptTokens(sample.withoutPrompt);
                return {tokens: Math.max(promptTokens, withoutTokens + answerTokens + 1 - (length - budget)), value: {sample, promptTokens, withoutTokens}};
            }
        });
        if (fitted.size == null)
            throw new SkipTrial(`length ${length} is too short for ${config.task}: its prompt at the smallest size (${builder.min} ${builder.unit}) already takes ${fitted.tokens} tokens (+${length - budget} for the answer)`);
        const {sample, promptTokens, withoutTokens} = fitted.value;
        return {sample, size: fitted.size, promptTokens, withoutTokens, budget, measurements: fitted.measurements};
    }

    return {
        order(trials) {
            return [...trials].sort((a, b) => a.spec.length - b.spec.length || a.spec.sample - b.spec.sample);
        },

        async run(trial) {
            const started = performance.now();
            const sized = await sizeSample(trial);
            const {sample} = sized;
            const sizingMs = performance.now() - started;
            const generated = await generate.call(session, sample.prompt, {maxTokens: maxNewTokens});
            const scored = continuationLogprob ? await continuationLogprob.call(session, sample.prompt, sample.answer) : undefined;
            const baselineStarted = performance.now();
            const baseline = continuationLogprob && sample.withoutPrompt ? await continuationLogprob.call(session, sample.withoutPrompt, sample.answer) : undefined;
            const baselineMs = performance.now() - baselineStarted;
            const server = generated.server;
            return {
                input: {
                    task: config.task,
                    size: sized.size,
                    sizeUnit: (await builderFor(trial.spec.length)).unit,
                    expected: sample.expected,
                    answer: sample.answer,
                    ...sample.details,
                    targetPromptTokens: sized.budget,
                    ...(sized.withoutTokens != null ? {withoutPromptTokens: sized.withoutTokens} : {}),
                    sizingMeasurements: sized.measurements,
                    lengthSizing: (await sizing()).description,
                    liftBaseline: sample.withoutPrompt ? (await builderFor(trial.spec.length)).liftBaseline : null
                },
                output: {text: generated.text, generatedTokens: Number.isFinite(generated.generatedTokens) ? generated.generatedTokens : null, ...(server ? {server} : {})},
                scores: {
                    stringMatch: stringMatchAll(generated.text, sample.expected),
                    answerLogprob: scored ? scored.logprob : null,
                    baselineLogprob: baseline ? baseline.logprob : null,
                    lift: scored && baseline ? scored.logprob - baseline.logprob : null
                },
                promptTokens: Number.isFinite(generated.promptTokens) ? generated.promptTokens : undefined,
                timings: {
                    totalMs: performance.now() - started,
                    sizingMs,
                    promptMs: generated.promptMs,
                    generateMs: generated.generateMs,
                    baselineMs
                }
            };
        }
    };
}
