/**
 * records.csv and summary.csv writers (csv-stringify), and the records.csv reader that
 * `--resume` and `omni-bench report` use.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic, writeFileAtomicSync } from '../fs-atomic.js';
import { OmniBenchError } from '../errors.js';
import { recordColumns, recordFromRow, recordToRow, REQUIRED_COLUMNS, type Cell, type TrialRecord } from './record.js';
import type { Summary } from './summary.js';

/** Text of one cell: numbers as JavaScript prints them, null as empty. */
function cellText(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // 0.1 µs resolution for times and sizes; small values (logit differences) keep 6 significant digits.
    return Math.abs(value) >= 1e-3 || value === 0 ? String(Math.round(value * 1e4) / 1e4) : String(Number(value.toPrecision(6)));
  }
  return String(value);
}

/** records.csv text: a header and one row per record. */
export function recordsCsv(records: readonly TrialRecord[], options: { comparesLogits: boolean }): string {
  const columns = recordColumns(options);
  const rows = records.map((r) => recordToRow(r, columns).map(cellText));
  return stringify([columns.map((c) => c.name), ...rows]);
}

/** Rewrites records.csv atomically (called after every record: the file is never half-written). */
export async function writeRecordsCsv(path: string, records: readonly TrialRecord[], options: { comparesLogits: boolean }): Promise<void> {
  await writeFileAtomic(path, recordsCsv(records, options));
}

/** Synchronous form, for the SIGINT path. */
export function writeRecordsCsvSync(path: string, records: readonly TrialRecord[], options: { comparesLogits: boolean }): void {
  writeFileAtomicSync(path, recordsCsv(records, options));
}

/** Reads a records.csv back into records. Throws an OmniBenchError naming the file when it cannot. */
export function readRecordsCsv(path: string): { records: TrialRecord[]; hasLogitsColumn: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OmniBenchError(`${path}: cannot read records (${(error as Error).message}); is this an omni-bench results folder?`, 2, { cause: error });
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  const header = text.split('\n', 1)[0] ?? '';
  const missing = REQUIRED_COLUMNS.filter((name) => !header.split(',').includes(name));
  if (missing.length > 0) throw new OmniBenchError(`${path}: not a records.csv (missing columns ${missing.join(', ')})`);
  return { records: rows.map(recordFromRow), hasLogitsColumn: header.split(',').includes('logits_max_abs_diff') };
}

/** Statistics fields in summary.csv, in order. */
const STAT_FIELDS = ['n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', 'ci95Low', 'ci95High'] as const;

/**
 * summary.csv text: one row per variant and metric (n, mean, p50, p90, p99, std, min, max,
 * ci95_low, ci95_high, outliers), then one `accuracy` row per variant with options.
 */
export function summaryCsv(summary: Summary): string {
  const header = ['spec', 'variant', 'metric', 'n', 'mean', 'p50', 'p90', 'p99', 'std', 'min', 'max', 'ci95_low', 'ci95_high', 'outliers'];
  const rows: string[][] = [header];
  for (const variant of summary.variants) {
    for (const [metric, stats] of Object.entries(variant.metrics)) {
      rows.push([summary.spec, variant.variant, metric, ...STAT_FIELDS.map((f) => cellText(stats[f])), String(stats.outliers.length)]);
    }
    if (variant.accuracy) {
      const a = variant.accuracy;
      rows.push([summary.spec, variant.variant, 'accuracy', String(a.total), cellText(a.accuracy), '', '', '', '', '', '', '', '', '']);
    }
  }
  return stringify(rows);
}
