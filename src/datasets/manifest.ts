/**
 * The unified manifest: one CSV row per sample (docs/datasets.md lists the columns). Loading
 * never loses a row: each becomes a Sample or an InvalidRow with its reason.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DatasetError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { terminalSafe } from '../safe-text.js';
import { recordToSample, sampleIdProblem, UNIFIED_COLUMNS } from './columns.js';
import { parseCsvTable, readTextFile } from './csv.js';
import { selectItems, type Shard } from './select.js';

/** One benchmark sample: media, question, reference answer. */
export interface Sample {
  /** Unique within its manifest. */
  sampleId: string;
  /** Dataset name, e.g. `video-mme`, `activitynet-qa`, `audiocaps`, `msvd-qa`; `custom` when the manifest has none. */
  dataset: string;
  /** Absolute path of the video file, when the sample has video. */
  videoPath?: string;
  /** Absolute path of the audio source (may equal videoPath: the video's own audio track). */
  audioPath?: string;
  /** The question as annotated (the prompt is built by promptText). */
  question: string;
  /** Multiple-choice options as annotated, e.g. `["A. red", "B. blue"]`. */
  options?: string[];
  /** Reference answer (a letter for multiple choice, free text otherwise). */
  answer?: string;
  /** Media duration in seconds, when known. */
  durationS?: number;
  /** Start of the window to use, in seconds from the start of the media. */
  startS?: number;
  /** End of the window to use, in seconds (clamped to the media's length by the decoder). */
  endS?: number;
  /** Everything else: dataset annotations (domain, task_type, references...) and unknown columns. */
  extra: Record<string, unknown>;
  /** Absolute path of the manifest the sample came from. */
  manifestPath: string;
  /** Line of the manifest where the row starts (1-based; the first data row under the header is 2). */
  row: number;
}

/** A manifest row that cannot be used, and why. */
export interface InvalidRow {
  manifestPath: string;
  /** Line where the row starts, as in Sample.row. */
  row: number;
  sampleId?: string;
  /** What is wrong and how to fix it, without the location (see formatInvalidRow). */
  reason: string;
}

/** `manifest.csv row 14: <reason>`: an invalid row as one line for messages and records. */
export function formatInvalidRow(row: Pick<InvalidRow, 'manifestPath' | 'row' | 'reason'>): string {
  return `${basename(row.manifestPath)} row ${row.row}: ${row.reason}`;
}

/** Options of loadManifest. */
export interface LoadManifestOptions {
  /** Keep at most this many valid samples (after sharding). Default: all. */
  maxSamples?: number;
  /**
   * Seed of the random subset taken by maxSamples. Undefined (the default) means the first N
   * valid samples in file order; pass a seed only when the user asked for one (`--seed`).
   */
  seed?: number | string;
  /** Keep one shard (0-based index) of a stable split by sample_id; invalid rows are split too. */
  shard?: Shard;
  /** Whether a missing media file makes a row invalid. Default true. */
  checkMedia?: boolean;
}

/** What loadManifest returns. rowsRead = samples + invalid + notSelected. */
export interface LoadedManifest {
  /** Valid, selected samples in file order. */
  samples: Sample[];
  /** Invalid rows (of the selected shard) in file order. */
  invalid: InvalidRow[];
  /** Data rows in the file (blank lines not counted). */
  rowsRead: number;
  /** Rows left out by shard or maxSamples. */
  notSelected: number;
}

async function mediaProblem(path: string | undefined, column: string, shown: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    const info = await stat(path);
    if (!info.isFile()) return `${column} '${shown ?? path}' is not a file`;
    return undefined;
  } catch {
    return `${column} '${shown ?? path}' not found (relative paths resolve against the manifest's folder)`;
  }
}

/**
 * Checks the header row once for what every row needs: a `sample_id` and a `question` column,
 * and a media column. A manifest saved tab- or semicolon-separated, or with upper-case names,
 * would otherwise make every row invalid with the same reason.
 */
function checkHeader(header: readonly string[], manifestPath: string): void {
  const shown = terminalSafe(header.join(',')).slice(0, 120);
  const expected = `${UNIFIED_COLUMNS.join(',')} (docs/datasets.md)`;
  const has = (name: string): boolean => header.includes(name);
  if (!has('sample_id')) {
    const only = header.length === 1 ? (header[0] ?? '') : '';
    const hint = only.includes('\t')
      ? ' (it looks tab-separated)'
      : only.includes(';')
        ? ' (it looks semicolon-separated)'
        : header.some((h) => h.toLowerCase() === 'sample_id')
          ? ' (column names are lower-case)'
          : '';
    throw new DatasetError(`manifest ${manifestPath} has no sample_id column in its header '${shown}'${hint}; the manifest must be comma-separated with a header row: ${expected}`);
  }
  const missing = ['question', ...(has('video_path') || has('audio_path') ? [] : ['video_path or audio_path'])].filter((c) => !has(c));
  if (missing.length > 0) {
    throw new DatasetError(`manifest ${manifestPath} has no ${missing.join(' and no ')} column in its header '${shown}'; the header row must name: ${expected}`);
  }
}

/**
 * Loads a manifest (unified or FasterOmni columns). Throws DatasetError only when the file
 * cannot be read at all (missing, not a regular file, over the size limit, not UTF-8, no header,
 * a header without sample_id, question or a media column); every data line ends up in
 * `samples`, `invalid`, or (when selection options are given) `notSelected`. A header-only file
 * gives no samples and no invalid rows.
 * Duplicate sample_ids: the first row keeps the id; each later one is invalid, its reason
 * naming the first (`duplicate sample_id 'x' (first on line 3)`).
 */
export async function loadManifest(path: string, options: LoadManifestOptions = {}): Promise<LoadedManifest> {
  const manifestPath = resolve(path);
  const text = await readTextFile(manifestPath, 'manifest');
  const table = parseCsvTable(text, `manifest ${manifestPath}`);
  checkHeader(table.header, manifestPath);
  const baseDir = dirname(manifestPath);
  const checkMedia = options.checkMedia ?? true;

  type Entry = { ok: true; sample: Sample } | { ok: false; invalid: InvalidRow };
  const entries: Entry[] = [];
  const firstRowOf = new Map<string, number>();
  for (const record of table.records) {
    const bad = (reason: string, sampleId?: string): Entry => ({
      ok: false,
      invalid: sampleId === undefined ? { manifestPath, row: record.row, reason } : { manifestPath, row: record.row, sampleId, reason },
    });
    if (!record.ok) {
      entries.push(bad(record.reason));
      continue;
    }
    // The first row to name an id owns it, valid or not: a later row never takes its place.
    const id = (record.cells['sample_id'] ?? '').trim();
    if (id !== '' && sampleIdProblem(id) === undefined) {
      const first = firstRowOf.get(id);
      if (first !== undefined) {
        entries.push(bad(`duplicate sample_id '${id}' (first on line ${first}); sample_ids must be unique`, id));
        continue;
      }
      firstRowOf.set(id, record.row);
    }
    const outcome = recordToSample(record.cells, { manifestPath, baseDir, row: record.row });
    entries.push(outcome.ok ? { ok: true, sample: outcome.sample } : bad(outcome.reason, outcome.sampleId));
  }

  // Media checks run concurrently; existence only (decoding is `datasets validate --probe`).
  if (checkMedia) {
    const cellsByRow = new Map<number, Record<string, string>>();
    for (const r of table.records) if (r.ok) cellsByRow.set(r.row, r.cells);
    await Promise.all(
      entries.map(async (entry, i) => {
        if (!entry.ok) return;
        const s = entry.sample;
        const cells = cellsByRow.get(s.row) ?? {};
        const problem =
          (await mediaProblem(s.videoPath, 'video_path', cells['video_path']?.trim() || undefined)) ??
          (s.audioPath !== s.videoPath ? await mediaProblem(s.audioPath, 'audio_path', cells['audio_path']?.trim() || undefined) : undefined);
        if (problem) entries[i] = { ok: false, invalid: { manifestPath, row: s.row, sampleId: s.sampleId, reason: problem } };
      }),
    );
  }

  const keyOf = (e: Entry): string => (e.ok ? e.sample.sampleId : (e.invalid.sampleId ?? `row:${e.invalid.row}`));
  const sharded = options.shard ? selectItems(entries, keyOf, { shard: options.shard }) : entries;
  const valid = sharded.filter((e): e is Extract<Entry, { ok: true }> => e.ok);
  const invalid = sharded.filter((e): e is Extract<Entry, { ok: false }> => !e.ok).map((e) => e.invalid);
  const selected = selectItems(valid, keyOf, { maxSamples: options.maxSamples, seed: options.seed });
  const samples = selected.map((e) => e.sample);
  return { samples, invalid, rowsRead: table.records.length, notSelected: table.records.length - samples.length - invalid.length };
}

/** One row to write: a Sample without its provenance. */
export type ManifestRow = Omit<Sample, 'manifestPath' | 'row'>;

/** Options of writeManifest. */
export interface WriteManifestOptions {
  /** Write media paths relative to the manifest's folder (default true): the tree can move as a whole. */
  relativePaths?: boolean;
}

function shownPath(path: string | undefined, baseDir: string, relativePaths: boolean): string {
  if (path === undefined) return '';
  if (!relativePaths) return resolve(path);
  const rel = relative(baseDir, resolve(path));
  return rel.split(sep).join('/');
}

function num(n: number | undefined): string {
  return n === undefined ? '' : String(n);
}

/** The CSV text of a unified manifest (header + one line per row, LF, UTF-8 without BOM). */
export function manifestCsv(rows: readonly ManifestRow[], manifestPath: string, options: WriteManifestOptions = {}): string {
  const baseDir = dirname(resolve(manifestPath));
  const relativePaths = options.relativePaths ?? true;
  const records = rows.map((r) => [
    r.sampleId,
    r.dataset,
    shownPath(r.videoPath, baseDir, relativePaths),
    shownPath(r.audioPath, baseDir, relativePaths),
    r.question,
    r.options && r.options.length > 0 ? JSON.stringify(r.options) : '',
    r.answer ?? '',
    num(r.durationS),
    num(r.startS),
    num(r.endS),
    Object.keys(r.extra).length > 0 ? JSON.stringify(r.extra) : '',
  ]);
  return stringify([[...UNIFIED_COLUMNS], ...records], { record_delimiter: '\n' });
}

/**
 * Writes a unified manifest atomically (a reader never sees half a file). Media paths are
 * written relative to the manifest's folder unless `relativePaths` is false.
 */
export async function writeManifest(path: string, rows: readonly ManifestRow[], options: WriteManifestOptions = {}): Promise<void> {
  if (isAbsolute(path) === false) path = resolve(path);
  await writeFileAtomic(path, manifestCsv(rows, path, options));
}
