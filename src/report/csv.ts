/**
 * records.csv and summary.csv writers (csv-stringify), and the records.csv reader that
 * `--resume` and `omni-bench report` use.
 */
import { stringify } from 'csv-stringify/sync';
import { CsvError, parse } from 'csv-parse/sync';
import { writeFileAtomic, writeFileAtomicSync } from '../fs-atomic.js';
import { UsageError } from '../errors.js';
import { readRegularFileSync } from '../safe-fs.js';
import { csvCellEscape } from '../safe-text.js';
import { keyString, numericColumnError, paramsString, recordColumns, recordFromRow, recordToRow, REQUIRED_COLUMNS, type Cell, type TrialRecord } from './record.js';
import type { Summary } from './summary.js';

/**
 * Text of one cell: numbers as JavaScript prints them, null as empty, text escaped for
 * spreadsheets (a leading `=`, `+`, `-`, `@` gets a `'`, OWASP's CSV-injection advice;
 * readRecordsCsv removes it again).
 */
function cellText(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'string') return csvCellEscape(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // 0.1 µs resolution for times and sizes; small values (logit differences) keep 6 significant digits.
    return Math.abs(value) >= 1e-3 || value === 0 ? String(Math.round(value * 1e4) / 1e4) : String(Number(value.toPrecision(6)));
  }
  return String(value);
}

/** Which optional columns records.csv has (recordColumns). */
export type RecordsCsvOptions = Parameters<typeof recordColumns>[0];

/** records.csv text: a header and one row per record. */
export function recordsCsv(records: readonly TrialRecord[], options: RecordsCsvOptions): string {
  const columns = recordColumns(options);
  const rows = records.map((r) => recordToRow(r, columns).map(cellText));
  return stringify([columns.map((c) => c.name), ...rows]);
}

/** Rewrites records.csv atomically (called after every record: the file is never half-written). */
export async function writeRecordsCsv(path: string, records: readonly TrialRecord[], options: RecordsCsvOptions): Promise<void> {
  await writeFileAtomic(path, recordsCsv(records, options));
}

/** Synchronous form, for the SIGINT path. */
export function writeRecordsCsvSync(path: string, records: readonly TrialRecord[], options: RecordsCsvOptions): void {
  writeFileAtomicSync(path, recordsCsv(records, options));
}

/** Statuses a records.csv row may have. */
const STATUSES = new Set(['ok', 'error', 'skipped']);

/**
 * Reads a records.csv back into records, strictly: a file that is truncated, has rows of the
 * wrong length, an unknown status, a key that is not a whole number or a key seen twice is
 * refused with a UsageError naming the file and line (it was not written whole by omni-bench).
 */
export function readRecordsCsv(path: string): { records: TrialRecord[]; hasLogitsColumn: boolean } {
  const bad = (message: string): UsageError => new UsageError(`${path}: ${message}; the file is damaged or was not written by omni-bench`);
  const text = readRegularFileSync(path, 'records file', (message) => new UsageError(message)).toString('utf8');
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const names = header.split(',');
  const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new UsageError(`${path}: not a records.csv (missing columns ${missing.join(', ')})`);
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as typeof rows;
  } catch (error) {
    throw bad(error instanceof CsvError ? `line ${(error as CsvError & { lines?: number }).lines ?? '?'}: ${error.message}` : (error as Error).message);
  }
  if (!text.endsWith('\n')) throw bad(`line ${rows.length + 1}: the last row is not terminated (truncated)`);
  const seen = new Map<string, number>();
  const records = rows.map(({ record: row, info }) => {
    const line = info.lines;
    if (!STATUSES.has(row['status'] ?? '')) throw bad(`line ${line}: status '${row['status'] ?? ''}' is not one of ${[...STATUSES].join(', ')}`);
    for (const name of ['repeat', 'turn']) {
      const value = Number(row[name]);
      if (row[name] === '' || !Number.isInteger(value) || value < 0) throw bad(`line ${line}: ${name} '${row[name] ?? ''}' is not a whole number`);
    }
    const badNumber = numericColumnError(row);
    if (badNumber) throw bad(`line ${line}: ${badNumber}`);
    const record = recordFromRow(row);
    const key = keyString(record);
    const first = seen.get(key);
    if (first !== undefined) throw bad(`line ${line}: the same trial as line ${first} (${key})`);
    seen.set(key, line);
    return record;
  });
  return { records, hasLogitsColumn: names.includes('logits_max_abs_diff') };
}

/** Statistics fields in summary.csv, in order. */
const STAT_FIELDS = ['n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', 'ci95Low', 'ci95High'] as const;

/**
 * summary.csv text: one row per variant and metric (n, mean, p50, p90, p99, std, min, max,
 * ci95_low, ci95_high, outliers), then one `accuracy` row per variant with options.
 */
export function summaryCsv(summary: Summary): string {
  const header = ['spec', 'variant', 'params', 'turn', 'metric', 'n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', 'ci95_low', 'ci95_high', 'outliers'];
  const rows: string[][] = [header];
  for (const variant of summary.variants) {
    const group = [summary.spec, variant.variant, csvCellEscape(paramsString(variant.params)), String(variant.turn)];
    for (const [metric, stats] of Object.entries(variant.metrics)) {
      rows.push([...group, metric, ...STAT_FIELDS.map((f) => cellText(stats[f])), String(stats.outliers.length)]);
    }
    if (variant.accuracy) {
      const a = variant.accuracy;
      rows.push([...group, 'accuracy', String(a.total), cellText(a.accuracy), '', '', '', '', '', '', '', '', '']);
    }
  }
  return stringify(rows);
}
