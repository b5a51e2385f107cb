/** The results folder: its default name and the files in it (docs/results-format.md). */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/** File names inside a results folder. */
export const RESULT_FILES = {
  meta: 'meta.json',
  records: 'records.csv',
  summaryCsv: 'summary.csv',
  summaryJson: 'summary.json',
  summaryMd: 'summary.md',
  trace: 'trace.json',
  timeline: 'timeline.json',
  charts: 'charts',
  moduleBreakdown: 'module_breakdown.csv',
} as const;

/** `YYYYMMDD-HHMMSS` in UTC. */
export function timestampName(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** Default results folder: results/<spec>/<timestamp>-<short id>, relative to `cwd`. */
export function defaultResultsDir(spec: string, cwd = process.cwd(), date = new Date()): string {
  return resolve(cwd, 'results', spec, `${timestampName(date)}-${randomBytes(3).toString('hex')}`);
}

/** Path of a result file in `dir`. */
export function resultPath(dir: string, file: keyof typeof RESULT_FILES): string {
  return join(dir, RESULT_FILES[file]);
}

/** Prefix of ONNX Runtime profile files inside a results folder (--ort-profile). */
export function ortProfilePrefix(outDir: string): string {
  return join(outDir, 'ort-profile', 'ort');
}
