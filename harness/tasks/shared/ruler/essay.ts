/**
 * RULER's "essay" haystack (niah.py): the essay text as words, the first N of them (cycling), split
 * into sentences, needles inserted between sentences at depth-chosen places.
 *
 * RULER reads Paul Graham's essays (not available here); the caller passes any text instead (the
 * Gutenberg books in the asset roots). NLTK's punkt splitter is not available either: a rule-based
 * splitter stands in (a break after . ? ! and closing quotes when a capital, digit or opening quote
 * follows, never after "Mr.", "Mrs.", "Dr." and the like, as punkt's English model).
 */

/** RULER: re.sub(r'\s+', " ", essay).split(" "): one word per whitespace-separated piece. */
export function essayWords(text: string): string[] {
    return text.replace(/\s+/g, " ").split(" ");
}

/** RULER's first N words, repeating the word list when N is longer. */
export function firstWords(words: readonly string[], count: number): string {
    if (words.length === 0) throw new Error("the essay haystack has no words");
    return Array.from({length: count}, (_, i) => words[i % words.length]).join(" ");
}

/** Titles and abbreviations after which punkt's English model does not end a sentence (lowercase, without the final dot); words that also end sentences ("no", "etc") are left out. */
const ABBREVIATIONS = new Set(["mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "st", "jr", "sr", "prof", "rev", "capt", "lt", "sgt", "col", "gen", "gov", "vs", "e.g", "i.e"]);

/** A candidate boundary: sentence-final punctuation, closing quotes or brackets, spaces, then a capital, digit or opening quote. */
const BOUNDARY = /[.?!]+["'\u201d\u2019)\]]*(\s+)(?=["'\u201c\u2018(\[]*[A-Z0-9])/g;

/**
 * Sentences of a single-spaced text (punkt's sent_tokenize stand-in); joined with " " they give back
 * the text. No break after a listed abbreviation or a one-letter initial ("J. Smith").
 */
export function splitSentences(text: string): string[] {
    const sentences: string[] = [];
    let start = 0;
    for (const match of text.matchAll(BOUNDARY)) {
        const end = match.index + match[0].length - match[1]!.length;
        const lastWord = /(\S+?)[.?!]*["'\u201d\u2019)\]]*$/.exec(text.slice(Math.max(start, end - 40), end))?.[1] ?? "";
        const word = lastWord.replace(/^\W+/, "");
        if (text[match.index] === "." && (ABBREVIATIONS.has(word.toLowerCase()) || /^[A-Z]$/.test(word))) continue;
        const sentence = text.slice(start, end).trim();
        if (sentence !== "") sentences.push(sentence);
        start = end;
    }
    const last = text.slice(start).trim();
    if (last !== "") sentences.push(last);
    return sentences;
}

/** RULER's needle depths: np.round(np.linspace(0, 100, 40)). */
export const DEPTHS: readonly number[] = Array.from({length: 40}, (_, i) => Math.round((100 * i) / 39));

/**
 * RULER's essay insertion: positions int(sentences * depth / 100) sorted ascending; the text is the
 * sentences before position 1, needle 1, the sentences up to position 2, needle 2, ..., the rest,
 * every piece joined with " " (an empty piece leaves a double space, as in RULER). A null needle
 * keeps its position but is left out (the lift's needle-free prompt).
 */
export function insertIntoSentences(sentences: readonly string[], needles: readonly (string | null)[], depths: readonly number[]): string {
    if (needles.length !== depths.length) throw new Error(`${needles.length} needles but ${depths.length} depths`);
    const positions = [0, ...depths.map((depth) => Math.floor(sentences.length * (depth / 100))).sort((a, b) => a - b), sentences.length];
    const pieces: string[] = [];
    for (let i = 1; i < positions.length; i++) {
        pieces.push(sentences.slice(positions[i - 1], positions[i]).join(" "));
        const needle = needles[i - 1];
        if (needle != null) pieces.push(needle);
    }
    return pieces.join(" ");
}
