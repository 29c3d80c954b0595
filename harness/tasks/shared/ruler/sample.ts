/** What every RULER generator returns: one sample, ready to size, run and score. */

/** The prompt as the harness sends it (same shape as providers' ChatPrompt). */
export interface RulerPrompt {
    system?: string;
    /** RULER's `input`: the filled task template (with any in-context example before it). */
    user: string;
    /** RULER's `answer_prefix`: the assistant turn starts with it and the model continues it. */
    answerPrefix: string;
}

export interface RulerSample {
    prompt: RulerPrompt;
    /** RULER's `outputs`: strings the prediction must contain (string_match_all). */
    expected: string[];
    /** Teacher-forced continuation after the answer prefix, for the log-probability lift. */
    answer: string;
    /** The same prompt with the information that supports `answer` taken out or broken (lift baseline); absent where none is fair. */
    withoutPrompt?: RulerPrompt;
}
