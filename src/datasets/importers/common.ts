/**
 * What every importer shares: the result model (rows written, rows dropped with reasons),
 * media lookup with fallback extensions, JSON reading with clear errors.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../../errors.js';
import { readTextFile } from '../csv.js';
import type { ManifestRow } from '../manifest.js';

/** Why an annotation row did not become a manifest row. */
export type DropKind = 'media-missing' | 'unreadable-row' | 'filtered' | 'not-selected' | 'duplicate';

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

/**
 * The first existing file among `stem + ext` for each ext, in order (lmms-eval's fallback
 * order for the dataset), or undefined.
 */
export async function findMedia(dir: string, stem: string, exts: readonly string[]): Promise<string | undefined> {
  for (const ext of exts) {
    const path = join(dir, `${stem}${ext}`);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // try the next extension
    }
  }
  return undefined;
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
