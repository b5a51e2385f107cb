/**
 * Reading annotation and manifest files robustly: only regular files, with a size limit (a
 * device or FIFO would be read forever), strict UTF-8 (a clear error, not mojibake), BOM, CRLF,
 * quoted commas and newlines, blank lines. Every physical line of the file is accounted for:
 * each data record comes back either as cells or as a reason, with the lines it spans; a
 * record is never padded, shortened or merged with its neighbours.
 */
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';
import { MAX_TEXT_FILE_BYTES, readRegularFileSync } from '../safe-fs.js';

/**
 * Reads a whole text file as UTF-8. Throws DatasetError when it is missing, not a regular file
 * (a folder, a device, a FIFO, a symlink loop), larger than `maxBytes` (default
 * MAX_TEXT_FILE_BYTES, 256 MiB), or not valid UTF-8 (TextDecoder with fatal: true). A leading
 * BOM is dropped.
 */
export async function readTextFile(path: string, what = 'file', maxBytes = MAX_TEXT_FILE_BYTES): Promise<string> {
  const bytes = readRegularFileSync(path, what, (message) => new DatasetError(message), maxBytes);
  try {
    // TextDecoder drops a UTF-8 BOM by default (ignoreBOM: false).
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new DatasetError(`${what} ${path} is not UTF-8 text (invalid byte at offset ${offset}); re-save it as UTF-8`);
  }
}

/** Byte offset of the first invalid UTF-8 sequence (for the error message). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest failing prefix; a prefix may end mid-character, so
  // allow 3 bytes of slack by decoding in stream mode.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1), { stream: true });
      decoder.decode();
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

/**
 * One data record of a CSV file: its cells, or why it cannot be used. `row` is the 1-based line
 * where it starts and `endRow` the line where it ends (more than `row` only for a quoted cell
 * that holds newlines).
 */
export type CsvRecord =
  | { ok: true; row: number; endRow: number; cells: Record<string, string> }
  | { ok: false; row: number; endRow: number; reason: string };

/** A parsed CSV file: its header (and the line it is on) and every data record in order. */
export interface CsvTable {
  header: string[];
  /** Line of the header row (1 unless blank lines come first). */
  headerRow: number;
  records: CsvRecord[];
}

/** A record as csv-parse gives it (cells) or a record it could not read, with its span. */
type Piece = { kind: 'cells'; cells: string[]; row: number; endRow: number } | { kind: 'error'; reason: string; row: number; endRow: number };

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === '';

/**
 * Parses `lines` (physical lines, 0-based array; line numbers are index + 1) from `from` on.
 * A quote never closed before the end of the file makes its first line an error and the lines
 * after it are parsed again as rows of their own: an unclosed quote costs one row, not the rest
 * of the file.
 */
function parsePieces(lines: readonly string[], from: number): Piece[] {
  const text = lines.slice(from - 1).join('\n');
  const found: ({ kind: 'cells'; cells: string[] } | { kind: 'error'; reason: string; code: string | undefined })[] = [];
  const ends: number[] = [];
  // The context csv-parse passes to on_record carries the line the record ends on.
  parse(text, {
    relax_column_count: true,
    // A quote inside an unquoted cell (`a "b" c`) is kept as text; one at a cell's start opens a quoted cell.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record, context) => {
      found.push({ kind: 'cells', cells: record });
      ends.push(context.lines);
      return record;
    },
    on_skip: (error: { message?: string; lines?: number; code?: string } | undefined) => {
      found.push({ kind: 'error', reason: (error?.message ?? 'parse error').split('\n')[0] ?? 'parse error', code: error?.code });
      ends.push(error?.lines ?? 0);
    },
  });

  const pieces: Piece[] = [];
  let previousEnd = from - 1;
  for (const [i, item] of found.entries()) {
    const endRow = Math.min(lines.length, Math.max(previousEnd + 1, (ends[i] ?? 0) + from - 1));
    let row = previousEnd + 1;
    while (row < endRow && isBlank(lines[row - 1])) row++;
    previousEnd = endRow;
    if (item.kind === 'cells') {
      // A whitespace-only line is a blank line, not a row.
      if (item.cells.length === 1 && row === endRow && isBlank(lines[row - 1])) continue;
      pieces.push({ kind: 'cells', cells: item.cells, row, endRow });
      continue;
    }
    if (item.code === 'CSV_QUOTE_NOT_CLOSED' && endRow > row) {
      const rest = lines.slice(row).findIndex((l) => !isBlank(l));
      pieces.push({ kind: 'error', row, endRow: row, reason: `a quote opened on line ${row} is never closed (close it, or double a quote inside a cell: "")` });
      if (rest >= 0) pieces.push(...parsePieces(lines, row + 1));
      return pieces;
    }
    if (item.code === 'CSV_QUOTE_NOT_CLOSED') {
      pieces.push({ kind: 'error', row, endRow, reason: `a quote opened on line ${row} is never closed (close it, or double a quote inside a cell: "")` });
      continue;
    }
    pieces.push({ kind: 'error', row, endRow, reason: `unreadable CSV record: ${item.reason}` });
  }
  return pieces;
}

/**
 * Whether a quoted cell that holds newlines looks like a stray quote that swallowed rows: one
 * of its later lines, split at every comma, has as many cells as the row had up to and with
 * this cell (at least 3). That is how the start of a row (`s2,custom,a.mp4,,Why?`) reads; a
 * question or caption continued on the next line (`then pauses`) does not.
 */
function swallowsRows(cells: readonly string[]): boolean {
  return cells.some((cell, index) => {
    if (!cell.includes('\n')) return false;
    const need = Math.max(3, index + 1);
    return cell.split('\n').slice(1).some((segment) => segment.split(',').length >= need);
  });
}

/**
 * Data records of a table, each checked against the header: a record with another number of
 * cells than the header has columns is an error (never padded or cut), one of only empty cells
 * is an error, and a quoted cell whose later lines look like rows of their own (a stray quote
 * that swallowed the rows after it, see swallowsRows) makes each of its lines an error.
 */
function checkRecords(pieces: readonly Piece[], header: readonly string[], lines: readonly string[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  const width = header.length;
  for (const piece of pieces) {
    const { row, endRow } = piece;
    if (piece.kind === 'error') {
      records.push({ ok: false, row, endRow, reason: piece.reason });
      continue;
    }
    if (endRow > row && swallowsRows(piece.cells)) {
      records.push({
        ok: false,
        row,
        endRow: row,
        reason: `a quote opened on line ${row} closes only on line ${endRow}: line${endRow > row + 1 ? `s ${row + 1}-${endRow}` : ` ${endRow}`}, which look like rows of their own, were read into one cell (close the quote on line ${row}, or double a quote inside a cell: "")`,
      });
      for (let line = row + 1; line <= endRow; line++) {
        if (isBlank(lines[line - 1])) continue;
        records.push({ ok: false, row: line, endRow: line, reason: `inside the quoted cell opened on line ${row} (see that line); not read as a row` });
      }
      continue;
    }
    const cells = piece.cells;
    if (cells.every((c) => c.trim() === '')) {
      records.push({ ok: false, row, endRow, reason: `every cell is empty (${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}); delete the line or fill it in` });
      continue;
    }
    if (cells.length !== width) {
      const fix =
        cells.length > width
          ? 'an unquoted comma splits a cell, or a trailing comma adds one: quote cells that contain commas'
          : `a cell is missing: every row needs ${width - 1} commas, empty cells included`;
      records.push({ ok: false, row, endRow, reason: `has ${cells.length} fields but the header has ${width} columns (${fix})` });
      continue;
    }
    const named: Record<string, string> = {};
    header.forEach((name, j) => {
      named[name] = cells[j] ?? '';
    });
    records.push({ ok: true, row, endRow, cells: named });
  }
  return records;
}

/**
 * Parses CSV text with a header row. Row numbers are 1-based physical line numbers of the
 * (CRLF-normalized) text, so the first data row under a one-line header is row 2. Throws
 * DatasetError only when there is no readable header. Header names are trimmed; a duplicate
 * gets a `#2` suffix. Every non-blank line lies in exactly one record's [row, endRow] (or the
 * header's).
 */
export function parseCsvTable(text: string, fileLabel: string): CsvTable {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let pieces: Piece[];
  try {
    pieces = parsePieces(lines, 1);
  } catch (error) {
    // Record-level problems are skipped records; anything else makes the file unreadable.
    throw new DatasetError(`${fileLabel} cannot be parsed as CSV: ${(error as Error).message.split('\n')[0]}`, undefined, { cause: error });
  }
  const [first, ...rest] = pieces;
  if (!first) throw new DatasetError(`${fileLabel} has no header row (the file is empty)`);
  if (first.kind === 'error') throw new DatasetError(`${fileLabel} line ${first.row}: the header row cannot be read as CSV: ${first.reason}`);
  const header: string[] = [];
  const seen = new Map<string, number>();
  for (const cell of first.cells) {
    const name = cell.trim();
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    header.push(count === 1 ? name : `${name}#${count}`);
  }
  return { header, headerRow: first.row, records: checkRecords(rest, header, lines) };
}
