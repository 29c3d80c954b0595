import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import type {ChatPrompt} from "../../session/types.js";
import {SeededRandom} from "../../util/random.js";
import type {NeedleConfig} from "./config.js";

/** One needle sentence to place in the haystack. */
export interface PlacedNeedle {
    text: string;
    /** Fixed position as a fraction of the haystack (0..1) for extra needles; the first queried needle follows the trial depth. */
    fraction?: number;
    queried: boolean;
}

/** Everything a trial needs besides the haystack: needles, question, expected strings, answer. */
export interface NeedleSet {
    needles: PlacedNeedle[];
    /** Builds the prompt around a context. */
    prompt(context: string): ChatPrompt;
    /** Strings the output must contain (string match). */
    expected: string[];
    /** The teacher-forced continuation after the answer prefix. */
    answer: string;
}

const words: {adjectives: string[]; nouns: string[]} = JSON.parse(
    readFileSync(fileURLToPath(new URL("../../../benchmarks/data/niah-words.json", import.meta.url)), "utf8"));

const CLASSIC_NEEDLE = "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.";
const CLASSIC_QUESTION = "What is the best thing to do in San Francisco?";
const CLASSIC_SYSTEM = "You are a helpful AI bot that answers questions for a user. Keep your response short and direct";
const QUESTION_SUFFIX = "Don't give information outside the document or repeat your findings";

function draw(kind: "numbers" | "words" | "uuids", random: SeededRandom): string {
    if (kind === "numbers") return String(random.int(1_000_000, 9_999_999));
    if (kind === "uuids") return random.uuid();
    return `${random.pick(words.adjectives)}-${random.pick(words.nouns)}`;
}

/** RULER's template, singularised as RULER does when one value is asked for. */
function rulerPrompt(valueKind: string, key: string, plural: boolean) {
    const type = plural ? valueKind : valueKind.replace(/s$/, "");
    let template = `Some special magic ${type} are hidden within the following text. Make sure to memorize it. I will quiz you about the ${type} afterwards.\n{context}\nWhat are all the special magic ${type} for ${key} mentioned in the provided text?`;
    let answerPrefix = ` The special magic ${type} for ${key} mentioned in the provided text are`;
    if (!plural) {
        template = template.replace("Some", "A").replace("are all", "is").replace("are", "is");
        answerPrefix = answerPrefix.replace(/ are$/, " is");
    }
    return {template, answerPrefix};
}

/** Needles for a (length, trial) group, drawn from its seed. */
export function buildNeedleSet(config: NeedleConfig, groupSeed: number): NeedleSet {
    const random = new SeededRandom(groupSeed);
    if (config.type === "classic") {
        return {
            needles: [{text: CLASSIC_NEEDLE, queried: true}],
            prompt: (context) => ({
                system: CLASSIC_SYSTEM,
                user: `${context}\n\n${CLASSIC_QUESTION} ${QUESTION_SUFFIX}`,
                answerPrefix: "Here is the most relevant sentence in the context:"
            }),
            expected: ["sandwich", "Dolores Park"],
            answer: ` ${CLASSIC_NEEDLE}`
        };
    }
    if (config.type === "custom") {
        return {
            needles: [{text: config.needle, queried: true}],
            prompt: (context) => ({user: `${context}\n\n${config.question}`, answerPrefix: config.answerPrefix ?? "Answer:"}),
            expected: config.answers,
            answer: config.answer ?? ` ${config.answers.join(", ")}`
        };
    }
    const keys = new Set<string>();
    while (keys.size < 1 + config.distractors) keys.add(draw(config.keys, random));
    const [queriedKey, ...distractorKeys] = [...keys];
    const values = Array.from({length: config.valuesPerKey}, () => draw(config.values, random));
    const type = config.values;
    const single = config.valuesPerKey === 1;
    const needleText = (key: string, value: string) => `One of the special magic ${single ? type.replace(/s$/, "") : type} for ${key} is: ${value}.`;
    // Extra values of the queried key and the distractors sit at fixed seeded places, shared by every depth of the group.
    const place = () => random.int(0, 10_000) / 10_000;
    const needles: PlacedNeedle[] = [
        {text: needleText(queriedKey!, values[0]!), queried: true},
        ...values.slice(1).map((value) => ({text: needleText(queriedKey!, value), queried: true, fraction: place()})),
        ...distractorKeys.map((key) => ({text: needleText(key, draw(config.values, random)), queried: false, fraction: place()}))
    ];
    const {template, answerPrefix} = rulerPrompt(type, queriedKey!, !single);
    return {
        needles,
        prompt: (context) => ({user: template.replace("{context}", context), answerPrefix}),
        expected: values,
        answer: ` ${values.join(", ")}.`
    };
}
