/**
 * What every importer shares: the result model (rows written, rows dropped with reasons),
 * media lookup confined to the media folder with fallback extensions, JSON reading with clear
 * errors.
 */
import { stat } from 'node:fs/promises';
import { DatasetError } from '../../errors.js';
import { resolveInside } from '../../safe-fs.js';
import { terminalSafe } from '../../safe-text.js';
import { sampleIdProblem } from '../columns.js';
import { readTextFile } from '../csv.js';
import type { ManifestRow } from '../manifest.js';

/**
 * Why an annotation row did not become a manifest row. `unsafe-id`: an id that would name a
 * file outside --media-dir (a NUL, a path separator, `..`), or a sample id with a control
 * character; `outside-media-dir`: the media file is a symlink that leads out of --media-dir;
 * `media-unreadable`, `no-audio`, `window-outside`: what probing the media found (the row
 * would fail `datasets validate --probe`).
 */
export type DropKind =
  | 'media-missing'
  | 'unsafe-id'
  | 'outside-media-dir'
  | 'media-unreadable'
  | 'no-audio'
  | 'window-outside'
  | 'unreadable-row'
  | 'filtered'
  | 'not-selected'
  | 'duplicate';

/** Drop kinds that are the data's fault and make `datasets import` exit 1; filters and sampling do not. */
export const FAILURE_DROP_KINDS: ReadonlySet<DropKind> = new Set<DropKind>(['media-missing', 'unsafe-id', 'outside-media-dir', 'media-unreadable', 'no-audio', 'window-outside', 'unreadable-row', 'duplicate']);

/** One dropped annotation row. */
export interface DroppedRow {
  kind: DropKind;
  /** The annotation's own id (question_id, audiocap_id...) or position. */
  ref: string;
  reason: string;
}

/**
 * What an import produced. Counted in annotation rows: rowsRead = rows covered + dropped,
 * where a row covers one annotation row, except AudioCaps (one sample per clip covers all
 * of its caption rows).
 */
export interface ImportResult {
  dataset: string;
  /** Annotation rows read (one per question or caption). */
  rowsRead: number;
  /** Manifest rows, in annotation order. */
  rows: ManifestRow[];
  /** Annotation rows not written, with their reasons. */
  dropped: DroppedRow[];
}

/** Options every importer takes. */
export interface CommonImportOptions {
  /** Annotation files (dataset-specific: see each importer). */
  annotations: string[];
  /** Folder holding the media files. */
  mediaDir: string;
  /** Keep at most this many samples. */
  maxSamples?: number;
  /** Seed of the random subset maxSamples takes (default: the first N). */
  seed?: number | string;
}

// C0 controls, DEL and C1 (NUL among them).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `value`, an annotation's id that names a media file (Video-MME videoID, ActivityNet
 * video_name, AudioCaps youtube_id, an MSVD clip), cannot be used as one, or undefined: a NUL or
 * other control character, a path separator (none of these formats has one), or `.`/`..`.
 */
export function fileIdProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'contains a NUL byte';
  if (CONTROL.test(value)) return 'contains a control character';
  if (/[/\\]/.test(value)) return 'contains a path separator';
  if (value === '.' || value === '..') return 'is a relative folder name';
  return undefined;
}

/** The reason of an `unsafe-id` drop: the field and the full id (escaped for terminals) and what is wrong. */
export function unsafeIdReason(field: string, value: string, problem: string): string {
  return `${field} '${terminalSafe(value)}' ${problem}: not used as a file name (media must lie inside --media-dir)`;
}

/** An `unsafe-id` drop for a sample id with a control character, or undefined when the id is fine. */
export function sampleIdDrop(field: string, id: string): DroppedRow | undefined {
  const problem = sampleIdProblem(id, field);
  return problem === undefined ? undefined : { kind: 'unsafe-id', ref: terminalSafe(id), reason: `${problem} (it becomes the sample_id)` };
}

/** Where findMedia looked: a file inside the media folder, nothing, or a path that leads out of it. */
export type MediaLookup = { status: 'found'; path: string } | { status: 'missing' } | { status: 'outside'; reason: string };

/**
 * The first existing file among `stem + ext` for each ext, in order (lmms-eval's fallback
 * order for the dataset), relative to `mediaDir`. Every candidate must stay inside `mediaDir`
 * after resolving `..` and symlinks (resolveInside); one that leads out stops the search.
 */
export async function findMedia(mediaDir: string, stem: string, exts: readonly string[]): Promise<MediaLookup> {
  for (const ext of exts) {
    const inside = resolveInside(mediaDir, `${stem}${ext}`);
    if (!inside.ok) return { status: 'outside', reason: `${terminalSafe(`${stem}${ext}`)} ${inside.reason}` };
    try {
      if ((await stat(inside.path)).isFile()) return { status: 'found', path: inside.path };
    } catch {
      // try the next extension
    }
  }
  return { status: 'missing' };
}

/** The drop of a media lookup that did not find a usable file: `what` names the file for the message. */
export function lookupDrop(lookup: Exclude<MediaLookup, { status: 'found' }>, ref: string, what: string, mediaDir: string): DroppedRow {
  if (lookup.status === 'outside') return { kind: 'outside-media-dir', ref, reason: `${what}: ${lookup.reason} (copy the file into --media-dir, or point --media-dir at the folder that holds it)` };
  return { kind: 'media-missing', ref, reason: `${what} not found in ${mediaDir}` };
}

/** Reads and parses a JSON annotation file; DatasetError names the file when it is not JSON. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readTextFile(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DatasetError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A string or number field as text ('' when absent or another type). */
export function textField(record: Record<string, unknown>, name: string): string {
  const v = record[name];
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
}

/** Counts of dropped rows by kind, for the import report. */
export function dropCounts(dropped: readonly DroppedRow[]): Partial<Record<DropKind, number>> {
  const counts: Partial<Record<DropKind, number>> = {};
  for (const d of dropped) counts[d.kind] = (counts[d.kind] ?? 0) + 1;
  return counts;
}
