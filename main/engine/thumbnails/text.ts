/**
 * A readable preview of a text-like capture (CSV, JSON, logs, plain text) for the Review view: the first
 * bytes decoded as UTF-8 (invalid bytes become U+FFFD), CSV split into rows for a table, JSON
 * pretty-printed when the whole file was read and parses. Which files qualify is decided by the
 * inspected content type (from the bytes), never by the name.
 */
import { isTextLike } from '../inspect/content-type.ts';

/** Most bytes of a capture shown as text. */
export const TEXT_PREVIEW_BYTES = 64 * 1024;
/** Most CSV rows handed out for the table. */
export const CSV_PREVIEW_ROWS = 200;

export interface TextPreview {
  contentType: string;
  text: string;
  /** True when the file is longer than what `text` holds. */
  truncated: boolean;
  /** For CSV (and TSV): the first rows, split into cells. */
  rows?: string[][];
}

/** Content types previewed as text: text/*, JSON, NDJSON, XML, YAML (CSV and logs are text/*). */
export function isPreviewableText(contentType: string): boolean {
  return isTextLike(contentType.split(';')[0]!.trim().toLowerCase());
}

/** `head` is the file's first bytes (at most TEXT_PREVIEW_BYTES); `truncated` when the file is longer. */
export function textPreview(contentType: string, head: Buffer, truncated: boolean): TextPreview {
  // Streaming decode: a character cut in half at the end is left out rather than shown as U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const text = truncated ? decoder.decode(head, { stream: true }) : decoder.decode(head);
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv' || type === 'text/tab-separated-values') {
    const rows = parseCsv(text, type === 'text/tab-separated-values' ? '\t' : ',', CSV_PREVIEW_ROWS);
    // The last row of a cut file may itself be cut: leave it out of the table.
    if (truncated && rows.complete && rows.rows.length > 0) rows.rows.pop();
    return { contentType, text, truncated, rows: rows.rows };
  }
  if (type === 'application/json' && !truncated) {
    const pretty = prettyJson(text);
    if (pretty !== undefined) return { contentType, text: pretty, truncated };
  }
  return { contentType, text, truncated };
}

/** JSON.rawJSON (V8 12+, Node 22+): not yet in TypeScript's lib. */
const rawJSON = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

/** JSON with two-space indents, numbers written exactly as in the file (no rounding of big ids). */
export function prettyJson(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      rawJSON && typeof value === 'number' && context?.source !== undefined ? rawJSON(context.source) : value,
    );
    return JSON.stringify(value, null, 2);
  } catch {
    return undefined;
  }
}

/**
 * RFC 4180: cells split by `delimiter`, rows by CRLF or LF, a quoted cell may hold delimiters, line
 * breaks and doubled quotes. At most `maxRows` rows; `complete` when the text ended before that (so
 * the last row may be a fragment of a longer file). A blank last line is not a row.
 */
export function parseCsv(
  text: string,
  delimiter = ',',
  maxRows = Number.POSITIVE_INFINITY,
): { rows: string[][]; complete: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let at = 0;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = '';
  };
  while (at < text.length) {
    if (rows.length >= maxRows) return { rows, complete: false };
    const ch = text[at]!;
    if (quoted) {
      if (ch === '"') {
        if (text[at + 1] === '"') {
          cell += '"';
          at += 2;
          continue;
        }
        quoted = false;
      } else cell += ch;
      at++;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[at + 1] === '\n') at++;
      endRow();
    } else cell += ch;
    at++;
  }
  if (rows.length >= maxRows) return { rows, complete: false };
  if (cell !== '' || row.length > 0 || quoted) endRow();
  return { rows, complete: true };
}
