/**
 * Reading annotation and manifest files robustly: strict UTF-8 (a clear error, not mojibake),
 * BOM, CRLF, quoted commas and newlines, blank lines, rows with the wrong field count. Every
 * data record comes back either as cells or as a reason, with the line it starts on.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';

/**
 * Reads a whole text file as UTF-8. Throws DatasetError when it is missing, a directory, or
 * not valid UTF-8 (TextDecoder with fatal: true). A leading BOM is dropped.
 */
export async function readTextFile(path: string, what = 'file'): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DatasetError(`${what} ${path} not found (check the path; relative paths resolve against the current folder)`);
  }
  if (info.isDirectory()) throw new DatasetError(`${what} ${path} is a directory, not a file (pass the file inside it, e.g. ${path}/manifest.csv)`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(`${what} ${path} cannot be read: ${(error as Error).message}`, undefined, { cause: error });
  }
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

/** One data record of a CSV file. */
export type CsvRecord = { ok: true; row: number; cells: Record<string, string> } | { ok: false; row: number; reason: string };

/** A parsed CSV file: its header and every data record in order. */
export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

/**
 * Parses CSV text with a header row. Row numbers are 1-based line numbers of the (normalized)
 * text where a record starts, so the first data row under a one-line header is row 2.
 * Throws DatasetError only when there is no header. Unknown or duplicate header names are kept
 * (a duplicate gets a `#2` suffix).
 */
export function parseCsvTable(text: string, fileLabel: string): CsvTable {
  const normalized = text.replace(/\r\n?/g, '\n');
  const raw: { cells: string[]; endLine: number; raw: string }[] = [];
  const records: CsvRecord[] = [];
  const skipped: { endLine: number; reason: string }[] = [];
  let parsed: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    parsed = parse(normalized, {
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: { message?: string; lines?: number } | undefined) => {
      skipped.push({ endLine: error?.lines ?? 0, reason: `unreadable CSV record: ${(error?.message ?? 'parse error').split('\n')[0]}` });
    },
    }) as unknown as { record: string[]; info: { lines: number }; raw: string }[];
  } catch (error) {
    // skip_records_with_error covers record-level errors; anything else makes the file unreadable.
    throw new DatasetError(`${fileLabel} cannot be parsed as CSV: ${(error as Error).message.split('\n')[0]}`, undefined, { cause: error });
  }
  for (const p of parsed) raw.push({ cells: p.record, endLine: p.info.lines, raw: p.raw });

  // Merge records and skipped ones in line order; drop whitespace-only records (blank lines).
  const all: ({ kind: 'rec'; cells: string[]; row: number } | { kind: 'skip'; row: number; reason: string })[] = [];
  for (const r of raw) {
    if (r.cells.every((c) => c.trim() === '')) continue;
    const body = r.raw.replace(/^(?:[ \t]*\n)+/, '').replace(/\n$/, '');
    const newlines = (body.match(/\n/g) ?? []).length;
    all.push({ kind: 'rec', cells: r.cells, row: Math.max(1, r.endLine - newlines) });
  }
  for (const s of skipped) all.push({ kind: 'skip', row: Math.max(1, s.endLine), reason: s.reason });
  all.sort((a, b) => a.row - b.row);

  const headerIndex = all.findIndex((r) => r.kind === 'rec');
  if (headerIndex < 0) throw new DatasetError(`${fileLabel} has no header row (the file is empty or unreadable as CSV)`);
  const headerRec = all[headerIndex] as { kind: 'rec'; cells: string[]; row: number };
  const header: string[] = [];
  const seen = new Map<string, number>();
  for (const cell of headerRec.cells) {
    const name = cell.trim();
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    header.push(count === 1 ? name : `${name}#${count}`);
  }
  all.forEach((r, i) => {
    if (i === headerIndex) return;
    if (r.kind === 'skip') {
      records.push({ ok: false, row: r.row, reason: r.reason });
      return;
    }
    if (r.cells.length > header.length && r.cells.slice(header.length).some((c) => c.trim() !== '')) {
      records.push({ ok: false, row: r.row, reason: `has ${r.cells.length} fields but the header has ${header.length} columns (quote cells that contain commas)` });
      return;
    }
    const cells: Record<string, string> = {};
    header.forEach((name, j) => {
      cells[name] = r.cells[j] ?? '';
    });
    records.push({ ok: true, row: r.row, cells });
  });
  return { header, records };
}
