/** Characters of input an error message may quote. */
export const QUOTE_LIMIT = 200;
/** Characters an error message may have at all when it is printed or recorded. */
export const MESSAGE_LIMIT = 1000;

/**
 * Input text quoted for an error message: JSON-quoted (control characters and NUL bytes escaped),
 * at most `limit` characters of it, with how many were left out. A 10 MB line stays a short message.
 */
export function quote(text: string, limit = QUOTE_LIMIT): string {
    if (text.length <= limit) return JSON.stringify(text);
    return `${JSON.stringify(text.slice(0, limit))}... (${text.length - limit} more characters)`;
}

/** A value from an input file for an error message: strings quoted as by quote(), anything else as JSON, both cut short. */
export function quoteValue(value: unknown, limit = QUOTE_LIMIT): string {
    if (typeof value === "string") return quote(value, limit);
    return clipMessage(JSON.stringify(value) ?? String(value), limit);
}

/** A whole message cut to `limit` characters, with how many were left out. */
export function clipMessage(message: string, limit = MESSAGE_LIMIT): string {
    return message.length <= limit ? message : `${message.slice(0, limit)}... (${message.length - limit} more characters)`;
}

/** Control characters (NUL bytes included) written as \\xNN / \\uNNNN, so a message never puts raw bytes on a terminal. */
export function escapeControl(text: string): string {
    return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
        const code = c.charCodeAt(0);
        return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    });
}
