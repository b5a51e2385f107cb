/**
 * AudioCaps: the official CSV (audiocap_id, youtube_id, start_time, caption), one row per
 * caption. The captions of one clip (youtube_id + start_time) become one sample whose answer
 * is the first caption and whose `extra.references` holds them all.
 */
import { extname, isAbsolute } from 'node:path';
import { DatasetError, UsageError } from '../../errors.js';
import { parseCsvTable, readTextFile } from '../csv.js';
import type { ManifestRow } from '../manifest.js';
import { AUDIOCAPS_QUESTION } from '../prompt.js';
import { selectItems } from '../select.js';
import { fileIdProblem, findMedia, lookupDrop, unsafeIdReason, type CommonImportOptions, type DroppedRow, type ImportResult } from './common.js';

/** Default file-name template of a clip. */
export const AUDIOCAPS_DEFAULT_PATTERN = '{youtube_id}_{start_time}.wav';

/** Length of an AudioCaps clip: 10 s from start_time. */
export const AUDIOCAPS_CLIP_SECONDS = 10;

/** Extensions tried after the pattern's own when its file is missing. */
export const AUDIOCAPS_FALLBACK_EXTENSIONS = ['.wav', '.flac', '.mp3', '.m4a', '.ogg', '.opus'] as const;

/** Options of the AudioCaps importer. */
export interface AudioCapsImportOptions extends CommonImportOptions {
  /**
   * File name of a clip inside mediaDir, with `{youtube_id}`, `{start_time}` and `{audiocap_id}`
   * (the clip's first audiocap_id). Default `{youtube_id}_{start_time}.wav`.
   */
  pattern?: string;
}

const COLUMNS = ['audiocap_id', 'youtube_id', 'start_time', 'caption'] as const;

function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new UsageError(`--pattern '${pattern}': unknown placeholder ${whole} (use {youtube_id}, {start_time}, {audiocap_id})`);
    return v;
  });
}

/**
 * Imports AudioCaps. The window is [start_s, end_s): when the pattern names the clip by its
 * start_time the file is taken as already cut (0 to 10 s), else as the whole YouTube audio
 * (start_time to start_time + 10 s).
 */
export async function importAudioCaps(options: AudioCapsImportOptions): Promise<ImportResult> {
  const [annotation, ...more] = options.annotations;
  if (!annotation || more.length > 0) throw new UsageError('audiocaps takes one --annotations file: the official test.csv (audiocap_id,youtube_id,start_time,caption)');
  const pattern = options.pattern ?? AUDIOCAPS_DEFAULT_PATTERN;
  fillPattern(pattern, { youtube_id: '', start_time: '', audiocap_id: '' });
  if (isAbsolute(pattern) || pattern.split(/[/\\]/).includes('..') || pattern.includes('\0')) {
    throw new UsageError(`--pattern '${pattern}' must name a file inside --media-dir: no absolute path, no '..'`);
  }
  const table = parseCsvTable(await readTextFile(annotation, 'AudioCaps annotations'), `AudioCaps annotations ${annotation}`);
  const missing = COLUMNS.filter((c) => !table.header.includes(c));
  if (missing.length > 0) throw new DatasetError(`AudioCaps annotations ${annotation} lacks column(s) ${missing.join(', ')}; expected the official header audiocap_id,youtube_id,start_time,caption`);
  const preCut = pattern.includes('{start_time}');

  const dropped: DroppedRow[] = [];
  type Clip = { key: string; youtubeId: string; startTime: string; ids: string[]; captions: string[] };
  const clips = new Map<string, Clip>();
  const seenIds = new Set<string>();
  for (const record of table.records) {
    if (!record.ok) {
      dropped.push({ kind: 'unreadable-row', ref: `line ${record.row}`, reason: `line ${record.row}: ${record.reason}` });
      continue;
    }
    const c = record.cells;
    const id = (c['audiocap_id'] ?? '').trim();
    const youtubeId = (c['youtube_id'] ?? '').trim();
    const startText = (c['start_time'] ?? '').trim();
    const caption = (c['caption'] ?? '').trim();
    const ref = id || `line ${record.row}`;
    const start = Number(startText);
    if (!youtubeId || !caption || startText === '' || !Number.isFinite(start) || start < 0) {
      dropped.push({ kind: 'unreadable-row', ref, reason: `line ${record.row}: ${!youtubeId ? 'youtube_id is empty' : !caption ? 'caption is empty' : `start_time '${startText}' is not a number of seconds`}` });
      continue;
    }
    const idProblem = fileIdProblem(youtubeId) ?? (pattern.includes('{audiocap_id}') ? fileIdProblem(id) : undefined);
    if (idProblem) {
      const field = fileIdProblem(youtubeId) ? ['youtube_id', youtubeId] : ['audiocap_id', id];
      dropped.push({ kind: 'unsafe-id', ref: `line ${record.row}`, reason: `line ${record.row}: ${unsafeIdReason(field[0] ?? '', field[1] ?? '', idProblem)}` });
      continue;
    }
    if (id && seenIds.has(id)) {
      dropped.push({ kind: 'duplicate', ref, reason: `audiocap_id ${id} appears more than once` });
      continue;
    }
    if (id) seenIds.add(id);
    const startTime = String(start);
    const key = `${youtubeId}_${startTime}`;
    const clip = clips.get(key) ?? { key, youtubeId, startTime, ids: [], captions: [] };
    clip.ids.push(id);
    clip.captions.push(caption);
    clips.set(key, clip);
  }

  const candidates: { row: ManifestRow; clip: Clip }[] = [];
  for (const clip of clips.values()) {
    const name = fillPattern(pattern, { youtube_id: clip.youtubeId, start_time: clip.startTime, audiocap_id: clip.ids[0] ?? '' });
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length);
    const exts = [ext, ...AUDIOCAPS_FALLBACK_EXTENSIONS.filter((e) => e !== ext)];
    const lookup = await findMedia(options.mediaDir, stem, ext ? exts : ['', ...exts]);
    if (lookup.status !== 'found') {
      for (const id of clip.ids) dropped.push(lookupDrop(lookup, id || clip.key, `audio ${name}`, options.mediaDir));
      continue;
    }
    const path = lookup.path;
    const start = Number(clip.startTime);
    const startS = preCut ? 0 : start;
    candidates.push({
      clip,
      row: {
        sampleId: clip.key,
        dataset: 'audiocaps',
        audioPath: path,
        question: AUDIOCAPS_QUESTION,
        answer: clip.captions[0] ?? '',
        startS,
        endS: startS + AUDIOCAPS_CLIP_SECONDS,
        extra: { youtube_id: clip.youtubeId, start_time: start, audiocap_ids: clip.ids, references: clip.captions },
      },
    });
  }
  const kept = selectItems(candidates, (c) => c.row.sampleId, { maxSamples: options.maxSamples, seed: options.seed });
  const keptSet = new Set(kept);
  for (const c of candidates) {
    if (!keptSet.has(c)) for (const id of c.clip.ids) dropped.push({ kind: 'not-selected', ref: id || c.clip.key, reason: `clip ${c.clip.key} beyond --max-samples ${options.maxSamples}` });
  }
  return { dataset: 'audiocaps', rowsRead: table.records.length, rows: kept.map((c) => c.row), dropped };
}
