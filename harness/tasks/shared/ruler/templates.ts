/**
 * RULER's prompt strings, verbatim from NVIDIA/RULER c3f5e3b4f87f97e048793bb510a3a6b19a46bf3a
 * (scripts/data/synthetic/constants.py TASKS, niah.py, variable_tracking.py).
 */

export interface TaskTemplate {
    /** The user turn, with Python str.format placeholders. */
    template: string;
    /** Text the assistant turn starts with; the model continues it. */
    answerPrefix: string;
}

export const TEMPLATES = {
    niah: {
        template: "Some special magic {type_needle_v} are hidden within the following text. Make sure to memorize it. I will quiz you about the {type_needle_v} afterwards.\n{context}\nWhat are all the special magic {type_needle_v} for {query} mentioned in the provided text?",
        answerPrefix: " The special magic {type_needle_v} for {query} mentioned in the provided text are"
    },
    vt: {
        template: "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n{context}\nQuestion: Find all variables that are assigned the value {query} in the text above.",
        answerPrefix: " Answer: According to the chain(s) of variable assignment in the text above, {num_v} variables are assigned the value {query}, they are: "
    },
    cwe: {
        template: "Below is a numbered list of words. In these words, some appear more often than others. Memorize the ones that appear most often.\n{context}\nQuestion: What are the 10 most common words in the above list?",
        answerPrefix: " Answer: The top 10 words that appear most often in the list are:"
    },
    fwe: {
        template: "Read the following coded text and track the frequency of each coded word. Find the three most frequently appeared coded words. {context}\nQuestion: Do not provide any explanation. Please ignore the dots '....'. What are the three most frequently appeared words in the above coded text?",
        answerPrefix: " Answer: According to the coded text above, the three most frequently appeared words are:"
    }
} as const satisfies Record<string, TaskTemplate>;

/** RULER's tokens_to_generate per task: the greedy generation budget, counted inside the length. */
export const GENERATION_BUDGETS = {niah: 128, vt: 30, cwe: 120, fwe: 50} as const;

/** RULER's noise haystack unit (niah "noise" and vt): one line. */
export const NOISE_LINE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

/** RULER's needle sentence; type_needle_v stays plural here even when the question is singularised. */
export const NIAH_NEEDLE = "One of the special magic {type_needle_v} for {key} is: {value}.";

/**
 * Python's str.format for plain {name} placeholders: every one is replaced in a single pass, so
 * text substituted in (a haystack holding braces) is never read as a placeholder.
 */
export function fill(template: string, values: Record<string, string | number>): string {
    return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
        if (!(name in values)) throw new Error(`template placeholder {${name}} has no value (template: ${JSON.stringify(template.slice(0, 60))}...)`);
        return String(values[name]);
    });
}

/**
 * RULER's singular NIAH question (niah.py, when num_needle_q * num_needle_v == 1): on the raw
 * template and answer prefix, every "Some" -> "A", then "are all" -> "is", "are" -> "is",
 * "answers" -> "answer", in that order.
 */
export function singularise(text: string): string {
    return text.replaceAll("Some", "A").replaceAll("are all", "is").replaceAll("are", "is").replaceAll("answers", "answer");
}
