/** The results folder: its default name and the files in it (docs/results-format.md). */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { createFolders, planFolders, realPathOrResolved } from '../safe-fs.js';
import { UsageError } from '../errors.js';

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

/**
 * Creates the results folder `dir` if needed, one level at a time below its nearest existing
 * ancestor (Node's recursive mkdir spins forever under /proc), and throws UsageError naming the
 * path when it is a file, lies below a file, is a device such as /dev/null, or cannot be created
 * or written. Returns whether the folder was created by this call.
 */
export function prepareResultsDir(dir: string): { created: boolean } {
  const target = resolve(dir);
  const { existing, existingInfo: info, missing, problem } = planFolders(target);
  if (!info) throw new UsageError(`--out ${dir}: cannot use ${existing} (${problem ?? 'not found'})`);
  if (!info.isDirectory()) {
    throw new UsageError(existing === target ? `--out ${dir} is ${info.isFile() ? 'a file' : 'not a folder (a device or pipe)'}; pass a folder path` : `--out ${dir}: ${existing} is a file, not a folder`);
  }
  if (realPathOrResolved(existing).match(/^\/(proc|sys)(\/|$)/)) throw new UsageError(`--out ${dir}: ${existing} is a kernel file system, not a place for results`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    if (missing.length > 0) throw new UsageError(`--out ${dir}: cannot create a folder in ${existing} (not writable)`);
    throw new UsageError(`--out ${dir} is not writable`);
  }
  createFolders(missing, (folder, code) => new UsageError(`--out ${dir}: cannot create ${folder} (${code})`));
  return { created: missing.length > 0 };
}
