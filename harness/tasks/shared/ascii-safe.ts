/**
 * Characters every tokenizer met so far accepts: letters, digits, space, newline and . , ! ? : ; ' " -
 * (TinyStories-656K's tokenizer aborts the process on any other, see models/MANIFEST.md).
 */
export const NOT_ASCII_SAFE = /[^A-Za-z0-9 \n.,!?:;'"-]/g;

/** The text with every character outside the ascii-safe set replaced by a space. */
export function asciiSafe(text: string): string {
    return text.replace(NOT_ASCII_SAFE, " ");
}
