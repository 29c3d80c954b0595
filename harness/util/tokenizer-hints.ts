/**
 * How a model process tells its run which text it is about to tokenize when that text holds
 * characters the model's tokenizer cannot encode (llama.cpp then aborts the process from C++,
 * where no JavaScript handler runs): one stderr line, written synchronously before the call, that
 * the run reads back if the process dies.
 */
import {quote} from "./clip.js";

const PREFIX = "[slmbench:unsafe-text] ";

export interface UnsafeText {
    /** The characters outside the tokenizer's vocabulary, each once, in order of appearance. */
    chars: string[];
    /** The text (its start: at most 200 characters). */
    text: string;
}

export function unsafeTextLine(hint: UnsafeText): string {
    return PREFIX + JSON.stringify({chars: hint.chars.slice(0, 20), text: hint.text.slice(0, 200), length: hint.text.length}) + "\n";
}

/** The hint of a stderr line, if it is one. */
export function parseUnsafeTextLine(line: string): (UnsafeText & {length: number}) | undefined {
    if (!line.startsWith(PREFIX)) return undefined;
    try {
        const value = JSON.parse(line.slice(PREFIX.length)) as UnsafeText & {length: number};
        return Array.isArray(value.chars) && typeof value.text === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** `"#" (U+0023), "é" (U+00E9)`. */
export function describeCharacters(chars: string[]): string {
    return chars.map((char) => `${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`).join(", ");
}

/** The sentence a run adds to a model process's death after such a hint. */
export function describeUnsafeText(hint: UnsafeText & {length?: number}): string {
    const text = (hint.length ?? hint.text.length) > hint.text.length ? `${quote(hint.text)}... (${hint.length! - hint.text.length} more characters)` : quote(hint.text);
    return `it was tokenizing a text with characters outside the model's vocabulary, which its tokenizer cannot encode (no byte fallback): ` +
        `${describeCharacters(hint.chars)}, in ${text}`;
}
