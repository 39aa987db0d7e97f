/**
 * Rows in PostgreSQL's COPY text format (the format `COPY ... FROM` reads by default): one line per
 * row, columns separated by a tab, NULL written `\N`, and backslash, tab, newline and carriage return
 * escaped with a backslash inside values. See PostgreSQL's documentation of COPY, "Text Format".
 *
 * The audit writes its rows this way on PGlite: COPY costs about a third less CPU per invocation than
 * `INSERT ... SELECT FROM jsonb_to_recordset(...)` (docs/benchmark.md, seventh pass).
 */

/** A column value: text, a number, a boolean, a text array, or null. */
export type CopyValue = string | number | boolean | readonly string[] | null | undefined;

const SPECIAL = /[\\\t\n\r]/;

function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  let out = '';
  for (const ch of text) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/**
 * A one-dimensional text array as a PostgreSQL array literal: every element double-quoted, with
 * backslash and double quote escaped, so braces, commas, spaces and the word NULL stay text.
 */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function field(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${String(value)}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return escapeText(arrayLiteral(value));
}

/** One row: its values in column order, tab-separated, ending in a newline. */
export function copyTextRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += field(values[i]);
  }
  return `${line}\n`;
}
