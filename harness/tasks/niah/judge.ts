import type {OpenModel} from "../../session/types.js";

/**
 * LLM-as-judge scoring as the original NIAH test did it (gkamradt: LangChain
 * "labeled_score_string" with the accuracy rubric, 1-10, temperature 0), with any configured chat
 * model as the judge. The judge's model and the exact prompt go into each trial's output.
 */
export const JUDGE_RUBRIC = {
    1: "The answer is completely unrelated to the reference.",
    3: "The answer has minor relevance but does not align with the reference.",
    5: "The answer has moderate relevance but contains inaccuracies.",
    7: "The answer aligns with the reference but has minor omissions.",
    10: "The answer is completely accurate and aligns perfectly with the reference."
} as const;

const SYSTEM = "You are a helpful assistant.";

/** LangChain's scoring-with-reference template with the accuracy criterion and gkamradt's "numerical score only" instruction. */
export function judgePrompt(question: string, reference: string, prediction: string): string {
    const criteria = Object.entries(JUDGE_RUBRIC).map(([score, text]) => `Score ${score}: ${text}`).join("\n");
    return "[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant " +
        "to the user question displayed below. For this evaluation, you should primarily consider the following criteria:\n" +
        `accuracy:\n${criteria}\n` +
        `[Ground truth]\n${reference}\n` +
        "Be as objective as possible. Only respond with a numerical score: rate the response on a scale of 1 to 10 " +
        "by strictly following this format: \"[[rating]]\", for example: \"Rating: [[5]]\".\n\n" +
        `[Question]\n${question}\n\n[The Start of Assistant's Answer]\n${prediction}\n[The End of Assistant's Answer]`;
}

/** The rating in a judge's reply: "[[n]]", else the first number 1-10; null when there is none. */
export function parseJudgeScore(reply: string): number | null {
    const bracketed = /\[\[\s*(\d+(?:\.\d+)?)\s*\]\]/.exec(reply);
    const value = Number(bracketed?.[1] ?? /\b(10|[1-9])(?:\.\d+)?\b/.exec(reply)?.[0]);
    return Number.isFinite(value) && value >= 1 && value <= 10 ? value : null;
}

export interface Judge {
    model: string;
    score(input: {question: string; reference: string; prediction: string}): Promise<{score: number | null; reply: string; prompt: string; servedModel: string | null}>;
    dispose(): Promise<void>;
}

/** A judge on any chat model the run can open (a hosted model in practice: it needs no log-probabilities). */
export async function createJudge(openModel: OpenModel | undefined, ref: unknown, maxTokens = 16): Promise<Judge> {
    if (!openModel) throw new Error("this run cannot open a judge model");
    const {id, session, dispose} = await openModel(ref);
    const generate = session.generate;
    if (!generate) throw new Error(`the judge ${id} cannot generate text`);
    return {
        model: id,
        async score({question, reference, prediction}) {
            const prompt = judgePrompt(question, reference, prediction);
            const generated = await generate.call(session, {system: SYSTEM, user: prompt}, {maxTokens});
            return {score: parseJudgeScore(generated.text), reply: generated.text, prompt, servedModel: generated.server?.model ?? null};
        },
        dispose
    };
}
