/**
 * Video-MME: the official `videomme/test-00000-of-00001.parquet` (columns video_id, duration,
 * domain, sub_category, url, videoID, question_id, task_type, question, options, answer) and a
 * folder of `<videoID>.mp4` files (.MP4 and .mkv tried next, as lmms-eval does).
 */
import { parquetReadObjects } from 'hyparquet';
import { DatasetError, UsageError } from '../../errors.js';
import { MAX_TEXT_FILE_BYTES, readRegularFileSync } from '../../safe-fs.js';
import type { ManifestRow } from '../manifest.js';
import { fnv1a32 } from '../select.js';
import { asRecord, fileIdProblem, findMedia, lookupDrop, sampleIdDrop, textField, unsafeIdReason, type CommonImportOptions, type DroppedRow, type ImportResult } from './common.js';

/** lmms-eval's fallback order for a Video-MME video. */
export const VIDEO_MME_EXTENSIONS = ['.mp4', '.MP4', '.mkv'] as const;

/** Video-MME's duration classes (short < 2 min, medium 4-15 min, long 30-60 min). */
export const VIDEO_MME_DURATIONS = ['short', 'medium', 'long'] as const;

/** Options of the Video-MME importer. */
export interface VideoMmeImportOptions extends CommonImportOptions {
  /** Keep only these duration classes. */
  duration?: string[];
  /** Keep only these domains (e.g. "Knowledge"), compared case-insensitively. */
  domain?: string[];
  /** Keep only these task types (e.g. "Counting Problem"), compared case-insensitively. */
  taskType?: string[];
  /** Questions kept per video (in question_id order). Default: all (3 in the official file). */
  questionsPerVideo?: number;
  /** Videos kept (seeded subset with `seed`, else the first in file order). Default: all. */
  maxVideos?: number;
}

const REQUIRED = ['videoID', 'question_id', 'question', 'options', 'answer'] as const;

/** Reads the parquet's rows; DatasetError when it is not a parquet file or lacks a column. */
async function readRows(path: string): Promise<Record<string, unknown>[]> {
  // Only a regular file, with the annotation size limit: never a device or FIFO read forever.
  const bytes = readRegularFileSync(path, 'Video-MME annotations', (m) => new DatasetError(`${m} (pass videomme/test-00000-of-00001.parquet)`), MAX_TEXT_FILE_BYTES);
  let rows: Record<string, unknown>[];
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  } catch (error) {
    throw new DatasetError(`Video-MME annotations ${path} is not a readable parquet file: ${(error as Error).message}`);
  }
  const first = rows[0];
  if (first) {
    const missing = REQUIRED.filter((c) => !(c in first));
    if (missing.length > 0) throw new DatasetError(`Video-MME annotations ${path} lacks column(s) ${missing.join(', ')} (is it the official test-00000-of-00001.parquet?)`);
  }
  return rows;
}

function lowerSet(values: string[] | undefined): Set<string> | undefined {
  return values && values.length > 0 ? new Set(values.map((v) => v.trim().toLowerCase())) : undefined;
}

/** Imports Video-MME. Sampling is by video: videos are chosen first, then N questions each. */
export async function importVideoMme(options: VideoMmeImportOptions): Promise<ImportResult> {
  const [annotation, ...more] = options.annotations;
  if (!annotation || more.length > 0) throw new UsageError('video-mme takes one --annotations file: videomme/test-00000-of-00001.parquet');
  for (const d of options.duration ?? []) {
    if (!(VIDEO_MME_DURATIONS as readonly string[]).includes(d)) throw new UsageError(`--duration '${d}' must be one of ${VIDEO_MME_DURATIONS.join(', ')}`);
  }
  const raw = await readRows(annotation);
  const dropped: DroppedRow[] = [];
  const durations = lowerSet(options.duration);
  const domains = lowerSet(options.domain);
  const taskTypes = lowerSet(options.taskType);

  // Phase 1: parse and filter rows, grouped by video in file order.
  const byVideo = new Map<string, ManifestRow[]>();
  const seenIds = new Set<string>();
  raw.forEach((record, index) => {
    const r = asRecord(record) ?? {};
    const questionId = textField(r, 'question_id') || `row ${index + 1}`;
    const drop = (kind: DroppedRow['kind'], reason: string): void => void dropped.push({ kind, ref: questionId, reason });
    const videoId = textField(r, 'videoID');
    const question = textField(r, 'question');
    const answer = textField(r, 'answer');
    const opts = Array.isArray(r['options']) ? (r['options'] as unknown[]).filter((o): o is string => typeof o === 'string') : [];
    if (!videoId || !question || !answer || opts.length === 0) {
      drop('unreadable-row', `row ${index + 1}: missing ${[!videoId && 'videoID', !question && 'question', !answer && 'answer', opts.length === 0 && 'options'].filter(Boolean).join(', ')}`);
      return;
    }
    const badId = sampleIdDrop('question_id', questionId);
    if (badId) return void dropped.push(badId);
    if (seenIds.has(questionId)) return drop('duplicate', `question_id ${questionId} appears more than once`);
    seenIds.add(questionId);
    const duration = textField(r, 'duration');
    const domain = textField(r, 'domain');
    const taskType = textField(r, 'task_type');
    if (durations && !durations.has(duration.toLowerCase())) return drop('filtered', `duration ${duration} not selected`);
    if (domains && !domains.has(domain.toLowerCase())) return drop('filtered', `domain ${domain} not selected`);
    if (taskTypes && !taskTypes.has(taskType.toLowerCase())) return drop('filtered', `task_type ${taskType} not selected`);
    const extra: Record<string, unknown> = {
      video_id: textField(r, 'video_id'),
      videoID: videoId,
      question_id: questionId,
      duration,
      domain,
      sub_category: textField(r, 'sub_category'),
      task_type: taskType,
      url: textField(r, 'url'),
    };
    for (const k of Object.keys(extra)) if (extra[k] === '') delete extra[k];
    const row: ManifestRow = { sampleId: questionId, dataset: 'video-mme', question, options: opts, answer, extra };
    const list = byVideo.get(videoId) ?? [];
    list.push(row);
    byVideo.set(videoId, list);
  });

  // Phase 2: media lookup per video, confined to the media folder; a missing or unsafe video
  // drops all its questions.
  const videos: { videoId: string; path: string; rows: ManifestRow[] }[] = [];
  const entries = [...byVideo];
  const lookups = await Promise.all(entries.map(([videoId]) => (fileIdProblem(videoId) ? undefined : findMedia(options.mediaDir, videoId, VIDEO_MME_EXTENSIONS))));
  for (const [i, [videoId, rows]] of entries.entries()) {
    const lookup = lookups[i];
    if (lookup === undefined) {
      const reason = unsafeIdReason('videoID', videoId, fileIdProblem(videoId) ?? 'is unsafe');
      for (const row of rows) dropped.push({ kind: 'unsafe-id', ref: row.sampleId, reason });
      continue;
    }
    if (lookup.status !== 'found') {
      for (const row of rows) dropped.push(lookupDrop(lookup, row.sampleId, `video ${videoId}.mp4 (.MP4, .mkv)`, options.mediaDir));
      continue;
    }
    videos.push({ videoId, path: lookup.path, rows });
  }

  // Phase 3: choose videos (seeded order with --seed, else file order), then questions per
  // video, then cap the total; rows are written back in file order.
  const ranked = options.seed === undefined ? videos : [...videos].sort((a, b) => fnv1a32(`${String(options.seed)}\u0000${a.videoId}`) - fnv1a32(`${String(options.seed)}\u0000${b.videoId}`));
  const kept = new Set<ManifestRow>();
  let taken = 0;
  ranked.forEach((v, videoRank) => {
    const rows = [...v.rows].sort((a, b) => a.sampleId.localeCompare(b.sampleId, 'en', { numeric: true }));
    const perVideo = options.questionsPerVideo ?? rows.length;
    rows.forEach((row, i) => {
      if (options.maxVideos !== undefined && videoRank >= options.maxVideos) return void dropped.push({ kind: 'not-selected', ref: row.sampleId, reason: `video ${v.videoId} beyond --max-videos ${options.maxVideos}` });
      if (i >= perVideo) return void dropped.push({ kind: 'not-selected', ref: row.sampleId, reason: `beyond --questions-per-video ${perVideo}` });
      if (options.maxSamples !== undefined && taken >= options.maxSamples) return void dropped.push({ kind: 'not-selected', ref: row.sampleId, reason: `beyond --max-samples ${options.maxSamples}` });
      taken++;
      kept.add(row);
    });
  });
  const out: ManifestRow[] = [];
  for (const v of videos) for (const row of v.rows) if (kept.has(row)) out.push({ ...row, videoPath: v.path, audioPath: v.path });
  return { dataset: 'video-mme', rowsRead: raw.length, rows: out, dropped };
}
