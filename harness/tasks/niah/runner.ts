import type {ChatPrompt, Session} from "../../session/types.js";
import {deriveSeed, SeededRandom} from "../../util/random.js";
import {SkipTrial} from "../skip.js";
import type {PlannedTrial, TaskContext, TaskRunner} from "../types.js";
import type {NiahConfig} from "./config.js";
import type {NiahTrialSpec} from "./grid.js";
import {ApproximateSizing, calibrateSizing, FALLBACK_CHARS_PER_TOKEN, promptSizing} from "../shared/approximate-sizing.js";
import {contextLengths, depthPercents} from "./grid.js";
import {assembleContext, boundaryForDepth, loadHaystackSentences, placeNeedles, SizedHaystack, takeSentences} from "./haystack.js";
import {samePromptReason, tooShortReason} from "./contract.js";
import {createJudge} from "./judge.js";
import {buildNeedleSet, NeedleSet} from "./needles.js";
import {stringMatchAll} from "../shared/string-match.js";

/** A (length, trial) group: one haystack and one needle set, shared by every depth. */
interface Group {
    haystack: SizedHaystack;
    needles: NeedleSet;
    targetTokens: number;
    /** How the prompt was sized: "model tokenizer" or the approximation used. */
    lengthSizing: string;
    baselineLogprob?: number;
}

const MAX_SIZING_ROUNDS = 24;
/** Tokens can merge where a needle meets its neighbours, so a depth's prompt may differ by a token or two from the one measured. */
const SIZING_MARGIN = 2;

/** The calibration probe's haystack, in fallback-approximation tokens: this share of the longest length, at most PROBE_MAX_TOKENS. */
const PROBE_SHARE = 0.6;
const PROBE_MAX_TOKENS = 4096;

/**
 * Runs NIAH trials on a session. Trials are ordered so consecutive prompts share the longest
 * possible prefix (node-llama-cpp keeps a sequence's evaluated state up to the first differing
 * token): per (length, trial) group, the needle-free baseline first, then depths from deepest
 * to shallowest, each sharing the haystack up to its needle with the one before.
 */
export async function createNiahRunner(config: NiahConfig, session: Session, context: TaskContext): Promise<TaskRunner<NiahTrialSpec>> {
    const {generate} = session;
    if (!generate) throw new Error("NIAH needs a session that generates");
    // Without log-probabilities the logprob scores are null (lift unavailable) and string match stays.
    const continuationLogprob = session.capabilities.has("logprobs") ? session.continuationLogprob : undefined;
    // Optional LLM judge (a chat model the run opens for this task), only when configured.
    const judge = config.judge ? await createJudge(context.openModel, config.judge.model, config.judge.maxTokens) : undefined;
    const sentences = loadHaystackSentences(config.haystack, context.assetRoots);
    const sentenceTokens = new Map<string, number>();
    const groups = new Map<string, Promise<Group>>();

    // Sessions without a tokenizer (hosted models) size haystacks approximately, calibrated once
    // against the server's usage counts (shared/approximate-sizing.ts) before the first group is sized.
    const sizing = promptSizing(session, () => calibrate());
    async function calibrate(): Promise<ApproximateSizing> {
        const needles = buildNeedleSet(config.needle, deriveSeed(0, "niah-sizing-probe"));
        const probeChars = Math.min(Math.max(...contextLengths(config)), PROBE_MAX_TOKENS) * PROBE_SHARE * FALLBACK_CHARS_PER_TOKEN;
        let count = 0;
        for (let chars = 0; chars < probeChars; count++) chars += sentences[count % sentences.length]!.length + 1;
        const picked = takeSentences(sentences, 0, count);
        const probe = (haystack: string[]) => promptFor({haystack: {sentences: haystack, tokens: haystack.map(() => 0)}, needles}, 50);
        return calibrateSizing(session, {empty: probe([]), filled: probe(picked)});
    }

    async function tokensOf(list: string[]): Promise<number[]> {
        const missing = [...new Set(list.filter((s) => !sentenceTokens.has(s)))];
        if (missing.length > 0) {
            const counts = await (await sizing()).countTextTokens(missing.map((s) => ` ${s}`));
            missing.forEach((s, i) => sentenceTokens.set(s, counts[i]!));
        }
        return list.map((s) => sentenceTokens.get(s)!);
    }

    const promptFor = (group: {haystack: SizedHaystack; needles: NeedleSet}, depth: number, omitQueried = false): ChatPrompt =>
        group.needles.prompt(assembleContext(group.haystack, group.needles.needles, depth, {omitQueried}));

    /** Finds the most sentences whose prompt (measured exactly) fits the target token count. */
    async function sizeGroup(spec: NiahTrialSpec): Promise<Group> {
        const {countPromptTokens, countTextTokens, description} = await sizing();
        const needles = buildNeedleSet(config.needle, spec.groupSeed);
        const offset = spec.trial === 0 ? 0 : new SeededRandom(deriveSeed(spec.groupSeed, "offset")).int(0, sentences.length - 1);
        const answerTokens = Math.ceil((await countTextTokens([needles.answer]))[0]!);
        const targetTokens = spec.length - Math.max(config.maxNewTokens, answerTokens + 1);
        const fitTokens = targetTokens - SIZING_MARGIN;
        const measure = async (count: number) => {
            const picked = takeSentences(sentences, offset, count);
            const haystack = {sentences: picked, tokens: await tokensOf(picked)};
            return {haystack, promptTokens: await countPromptTokens(promptFor({haystack, needles}, 50))};
        };
        const empty = await measure(0);
        if (empty.promptTokens > fitTokens)
            throw new SkipTrial(tooShortReason(spec.length, empty.promptTokens, spec.length - targetTokens));

        // Estimate from per-sentence counts, then correct with exact measurements.
        let count = 0;
        let estimate = empty.promptTokens;
        for (; ;) {
            const [next] = await tokensOf(takeSentences(sentences, offset + count, 1));
            if (estimate + next! > fitTokens) break;
            estimate += next!;
            count++;
        }
        count = Math.max(1, count);
        // Bracketing search on the exact count: the per-sentence estimate is only a starting point
        // (tokens merge differently inside a text than alone), so step by the measured tokens per sentence.
        let best = empty;
        let bestCount = 0;
        let tooMany = Number.POSITIVE_INFINITY;
        for (let round = 0; round < MAX_SIZING_ROUNDS && count > bestCount && count < tooMany; round++) {
            const measured = await measure(count);
            const fits = measured.promptTokens <= fitTokens;
            if (fits) [best, bestCount] = [measured, count];
            else tooMany = count;
            const perSentence = Math.max(0.5, (measured.promptTokens - empty.promptTokens) / count);
            let next = count + Math.floor((fitTokens - measured.promptTokens) / perSentence);
            if (fits && next <= count) next = count + 1;
            if (!fits && next >= count) next = count - 1;
            count = Math.min(Math.max(next, bestCount + 1), tooMany - 1);
        }
        return {haystack: best.haystack, needles, targetTokens, lengthSizing: description};
    }

    /**
     * The smallest other depth of the config whose prompt equals this depth's: with the same
     * haystack and needles a prompt is fixed by the sentence boundary the depth needle lands on,
     * so on a short haystack several depths give one prompt. Decided from the plan, not from run
     * order, so shards and concurrent trials agree on which depth runs.
     */
    const depths = depthPercents(config);
    const samePromptAs = (group: Group, depth: number): number | undefined => {
        const boundary = boundaryForDepth(group.haystack.tokens, depth);
        return depths.find((other) => other < depth && boundaryForDepth(group.haystack.tokens, other) === boundary);
    };

    /** Where the depth needle landed: tokens of the prompt before it, and percent of the haystack's tokens before it. */
    async function placementOf(group: Group, depth: number, prompt: ChatPrompt): Promise<{tokenOffset: number | null; percent: number}> {
        const placed = placeNeedles(group.haystack, group.needles.needles, depth);
        const percent = placed.totalTokens > 0 ? (100 * placed.tokensBefore) / placed.totalTokens : 0;
        const contextStart = prompt.user.indexOf(placed.text);
        if (placed.needleAt == null || contextStart < 0) return {tokenOffset: null, percent};
        // The prompt rendered up to the needle (a chat template closes the user turn there: a few tokens more).
        const lead = prompt.user.slice(0, contextStart + placed.needleAt).trimEnd();
        const tokenOffset = await (await sizing()).countPromptTokens({system: prompt.system, user: lead});
        return {tokenOffset, percent};
    }

    function groupOf(spec: NiahTrialSpec): Promise<Group> {
        const key = `${spec.length}|${spec.trial}`;
        let group = groups.get(key);
        if (!group) groups.set(key, group = sizeGroup(spec));
        return group;
    }

    return {
        dispose: async () => judge?.dispose(),

        order(trials: PlannedTrial<NiahTrialSpec>[]) {
            return [...trials].sort((a, b) =>
                a.spec.length - b.spec.length || a.spec.trial - b.spec.trial || b.spec.depth - a.spec.depth);
        },

        async run(trial: PlannedTrial<NiahTrialSpec>) {
            const started = performance.now();
            const group = await groupOf(trial.spec);
            const same = samePromptAs(group, trial.spec.depth);
            if (same !== undefined) throw new SkipTrial(samePromptReason(same));
            const baselineStarted = performance.now();
            if (continuationLogprob)
                group.baselineLogprob ??= (await continuationLogprob.call(session, promptFor(group, trial.spec.depth, true), group.needles.answer)).logprob;
            const baselineMs = performance.now() - baselineStarted;

            const prompt = promptFor(group, trial.spec.depth);
            const placement = await placementOf(group, trial.spec.depth, prompt);
            const generated = await generate.call(session, prompt, {maxTokens: config.maxNewTokens});
            const scored = continuationLogprob ? await continuationLogprob.call(session, prompt, group.needles.answer) : undefined;
            // What a hosted server reported (model name, usage, latency, attempts), when the session has it.
            const server = generated.server;
            const judged = judge ? await judge.score({
                question: prompt.user.trim().split("\n").at(-1)!,
                reference: group.needles.needles.filter((n) => n.queried).map((n) => n.text.trim()).join(" "),
                prediction: generated.text
            }) : undefined;
            return {
                input: {
                    needles: group.needles.needles.map((n) => n.text),
                    expected: group.needles.expected,
                    answer: group.needles.answer,
                    haystackSentences: group.haystack.sentences.length,
                    targetPromptTokens: group.targetTokens,
                    lengthSizing: group.lengthSizing,
                    placement,
                    promptForm: session.promptStyle
                },
                output: {text: generated.text, generatedTokens: Number.isFinite(generated.generatedTokens) ? generated.generatedTokens : null, ...(server ? {server} : {}),
                    ...(judged ? {judge: {model: judge!.model, servedModel: judged.servedModel, prompt: judged.prompt, reply: judged.reply}} : {})},
                scores: {
                    stringMatch: stringMatchAll(generated.text, group.needles.expected),
                    answerLogprob: scored ? scored.logprob : null,
                    baselineLogprob: group.baselineLogprob ?? null,
                    lift: scored && group.baselineLogprob != null ? scored.logprob - group.baselineLogprob : null,
                    ...(scored ? {
                        answerTokens: scored.tokens,
                        liftPerToken: group.baselineLogprob != null && scored.tokens > 0 ? (scored.logprob - group.baselineLogprob) / scored.tokens : null
                    } : {}),
                    ...(judged ? {judge: judged.score} : {})
                },
                // The real prompt length (the server's usage for hosted models); left out when unknown.
                promptTokens: Number.isFinite(generated.promptTokens) ? generated.promptTokens : undefined,
                timings: {
                    totalMs: performance.now() - started,
                    promptMs: generated.promptMs,
                    generateMs: generated.generateMs,
                    baselineMs
                }
            };
        }
    };
}
