/** One record of a delimited file, with the (1-based) line it starts on. */
export interface DelimitedRecord {
    line: number;
    fields: string[];
}

export class CsvSyntaxError extends Error {
    constructor(readonly line: number, message: string) {
        super(message);
        this.name = "CsvSyntaxError";
    }
}

/**
 * RFC 4180 CSV: fields separated by `delimiter`, optionally enclosed in double quotes, a quote
 * inside a quoted field doubled; quoted fields may hold delimiters and line breaks. CRLF and LF
 * both end records. A quote inside an unquoted field, text after a closing quote, or an
 * unclosed quote is an error naming the line. Blank lines are skipped.
 */
export function parseCsv(text: string, delimiter = ","): DelimitedRecord[] {
    const records: DelimitedRecord[] = [];
    let line = 1;
    let fields: string[] = [];
    let field = "";
    let recordLine = 1;
    let i = 0;
    let atFieldStart = true;
    let quotedField = false;
    const endRecord = () => {
        fields.push(field);
        if (!(fields.length === 1 && fields[0] === "" && !quotedField)) records.push({line: recordLine, fields});
        fields = [];
        field = "";
        atFieldStart = true;
        quotedField = false;
    };
    while (i < text.length) {
        const c = text[i]!;
        if (atFieldStart && c === '"') {
            quotedField = true;
            atFieldStart = false;
            const openedOn = line;
            i++;
            for (; ;) {
                if (i >= text.length) throw new CsvSyntaxError(openedOn, "quoted field is never closed");
                const q = text[i]!;
                if (q === '"') {
                    if (text[i + 1] === '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (q === "\n") line++;
                field += q;
                i++;
            }
            const next = text[i];
            if (next !== undefined && next !== delimiter && next !== "\n" && next !== "\r")
                throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
            continue;
        }
        if (c === delimiter) {
            fields.push(field);
            field = "";
            atFieldStart = true;
            quotedField = false;
            i++;
            continue;
        }
        if (c === "\r" || c === "\n") {
            endRecord();
            i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
            line++;
            recordLine = line;
            continue;
        }
        if (c === '"') throw new CsvSyntaxError(line, "quote inside an unquoted field (enclose the field in quotes and double the quote)");
        atFieldStart = false;
        field += c;
        i++;
    }
    if (!atFieldStart || fields.length > 0 || field !== "") endRecord();
    return records;
}

/** TAB-separated lines split on every TAB, quotes taken literally (STS-B and SICK are read this way). */
export function splitTabLines(text: string): DelimitedRecord[] {
    const records: DelimitedRecord[] = [];
    const lines = text.split("\n");
    lines.forEach((raw, index) => {
        const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (content.trim() === "") return;
        records.push({line: index + 1, fields: content.split("\t")});
    });
    return records;
}
