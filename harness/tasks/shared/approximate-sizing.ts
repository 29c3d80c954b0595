/**
 * Token counts for sessions without a local tokenizer (hosted models), so NIAH and RULER can size
 * haystacks.
 *
 * A fixed 4 characters per token lands prompts anywhere from 70% to over 100% of the requested
 * length, depending on the server's tokenizer (past 100% the server refuses the prompt). So the
 * runner first calibrates: it sends two probe prompts built like the real ones, without haystack
 * and with a slice of it, and reads the server's `usage.prompt_tokens` of each. Their difference
 * over the haystack's characters gives the characters per token of this haystack under this
 * tokenizer; the empty probe gives the tokens of the template, instructions and question.
 * Probes use the same server (same tokenizer), so shards and resumed runs size identically.
 */
import type {ChatPrompt, Session} from "../../session/types.js";

/** Used when the server reports no usage: a common English average. */
export const FALLBACK_CHARS_PER_TOKEN = 4;
/** Tokens a chat template adds around the messages, in the fallback. */
export const FALLBACK_TEMPLATE_TOKENS = 8;
/** A calibration outside this range is not believed (a server counting something else): the fallback applies. */
const PLAUSIBLE_CHARS_PER_TOKEN: [number, number] = [1, 12];

export interface Calibration {
    charsPerToken: number;
    /** Tokens of the empty probe beyond its characters / charsPerToken (template, roles, BOS; less what is not sent). */
    overheadTokens: number;
    probes: {chars: number; promptTokens: number}[];
}

/** How a task counts tokens to size prompts: the model's tokenizer, or an approximation. */
export interface PromptSizing {
    countTextTokens(texts: string[]): Promise<number[]>;
    countPromptTokens(prompt: ChatPrompt): Promise<number>;
    /** Recorded in each trial's input.lengthSizing. */
    description: string;
}

export interface ApproximateSizing extends PromptSizing {
    calibration: Calibration | null;
}

export const promptChars = (prompt: ChatPrompt) => (prompt.system?.length ?? 0) + prompt.user.length + (prompt.answerPrefix?.length ?? 0);

function sizingFrom(charsPerToken: number, overheadTokens: number, description: string, calibration: Calibration | null): ApproximateSizing {
    return {
        countTextTokens: async (texts) => texts.map((text) => text.length / charsPerToken),
        countPromptTokens: async (prompt) => Math.ceil(overheadTokens + promptChars(prompt) / charsPerToken),
        description,
        calibration
    };
}

export function fallbackSizing(why: string): ApproximateSizing {
    return sizingFrom(FALLBACK_CHARS_PER_TOKEN, FALLBACK_TEMPLATE_TOKENS,
        `approximate: ${FALLBACK_CHARS_PER_TOKEN} characters per token + ${FALLBACK_TEMPLATE_TOKENS} for the chat template (${why}); promptTokens is the server's count`, null);
}

/**
 * Calibrates from two probes (`empty` without haystack, `filled` with a slice of it), each a
 * one-token generation. Falls back to the fixed approximation, saying why, when the server's
 * counts are missing or implausible.
 */
export async function calibrateSizing(session: Session, probes: {empty: ChatPrompt; filled: ChatPrompt}): Promise<ApproximateSizing> {
    const counted: {chars: number; promptTokens: number}[] = [];
    for (const prompt of [probes.empty, probes.filled]) {
        const generated = await session.generate!(prompt, {maxTokens: 1});
        counted.push({chars: promptChars(prompt), promptTokens: generated.promptTokens});
    }
    const [empty, filled] = counted as [typeof counted[0], typeof counted[0]];
    if (!counted.every((p) => Number.isFinite(p.promptTokens) && p.promptTokens > 0))
        return fallbackSizing("the server reports no usage.prompt_tokens to calibrate from");
    const charsPerToken = (filled.chars - empty.chars) / (filled.promptTokens - empty.promptTokens);
    if (!(charsPerToken >= PLAUSIBLE_CHARS_PER_TOKEN[0] && charsPerToken <= PLAUSIBLE_CHARS_PER_TOKEN[1]))
        return fallbackSizing(`calibration gave an implausible ${charsPerToken.toFixed(2)} characters per token from usage.prompt_tokens ${empty.promptTokens} and ${filled.promptTokens}`);
    // May be negative: the probe's characters include an answer prefix the server is not sent (no prefill).
    const overheadTokens = empty.promptTokens - empty.chars / charsPerToken;
    return sizingFrom(charsPerToken, overheadTokens,
        `calibrated: ${charsPerToken.toFixed(3)} characters per token of haystack and ${overheadTokens.toFixed(1)} tokens of chat template and instructions, ` +
        `from two probes (${empty.chars} and ${filled.chars} characters: usage.prompt_tokens ${empty.promptTokens} and ${filled.promptTokens}); ` +
        "no local tokenizer; promptTokens is the server's count",
        {charsPerToken, overheadTokens, probes: counted});
}

/**
 * How a runner counts tokens: the model's tokenizer when the session has one, else an
 * approximation calibrated once by `calibrate` (the first call probes; a failed probe, e.g. a
 * server down past its retries, fails that trial only and the next call probes again).
 */
export function promptSizing(session: Session, calibrate: () => Promise<ApproximateSizing>): () => Promise<PromptSizing> {
    const exact: PromptSizing | undefined = session.capabilities.has("tokenize") && session.countPromptTokens && session.countTextTokens
        ? {countPromptTokens: (p) => session.countPromptTokens!(p), countTextTokens: (t) => session.countTextTokens!(t), description: "model tokenizer"}
        : undefined;
    let approximate: Promise<ApproximateSizing> | undefined;
    return async () => {
        if (exact) return exact;
        return approximate ??= calibrate().catch((error: unknown) => {
            approximate = undefined;
            throw error;
        });
    };
}
