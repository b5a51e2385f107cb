/**
 * MSVD-QA: `{split}_qa.json` (entries {answer, id, question, video_id}) and
 * `youtube_mapping.txt` (lines `<clip> vid<N>`), media `YouTubeClips/<clip>.avi` under the
 * media folder (`<clip>.avi` directly inside it is accepted too).
 */
import { basename } from 'node:path';
import { DatasetError, UsageError } from '../../errors.js';
import { readTextFile } from '../csv.js';
import type { ManifestRow } from '../manifest.js';
import { selectItems } from '../select.js';
import { asRecord, fileIdProblem, findMedia, lookupDrop, readJsonFile, sampleIdDrop, textField, unsafeIdReason, type CommonImportOptions, type DroppedRow, type ImportResult, type MediaLookup } from './common.js';

/** Extensions tried for an MSVD clip (the official archive holds .avi). */
export const MSVD_EXTENSIONS = ['.avi', '.mp4', '.webm', '.mkv'] as const;

/** Parses youtube_mapping.txt into `vid<N>` -> clip name. */
export function parseYoutubeMapping(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 2 && parts[0] && parts[1]) map.set(parts[1], parts[0]);
  }
  return map;
}

/** Imports MSVD-QA: annotations are the `{split}_qa.json` and `youtube_mapping.txt`, in any order. */
export async function importMsvdQa(options: CommonImportOptions): Promise<ImportResult> {
  const mappingPath = options.annotations.find((f) => basename(f).endsWith('.txt'));
  const qaPath = options.annotations.find((f) => f !== mappingPath);
  if (!mappingPath || !qaPath || options.annotations.length !== 2) throw new UsageError('msvd-qa takes --annotations test_qa.json youtube_mapping.txt');
  const mapping = parseYoutubeMapping(await readTextFile(mappingPath, 'MSVD youtube_mapping'));
  if (mapping.size === 0) throw new DatasetError(`MSVD youtube_mapping ${mappingPath} has no '<clip> vid<N>' lines`);
  const list = await readJsonFile(qaPath, 'MSVD-QA annotations');
  if (!Array.isArray(list)) throw new DatasetError(`MSVD-QA annotations ${qaPath} is not a JSON list of entries`);
  const split = /^(\w+?)_qa\.json$/.exec(basename(qaPath))?.[1];

  const dropped: DroppedRow[] = [];
  const candidates: ManifestRow[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of list.entries()) {
    const e = asRecord(entry) ?? {};
    const id = textField(e, 'id') || `entry ${index}`;
    const question = textField(e, 'question');
    const answer = textField(e, 'answer');
    const videoId = textField(e, 'video_id');
    if (!question || !answer || !videoId) {
      dropped.push({ kind: 'unreadable-row', ref: id, reason: `entry ${index}: missing ${!question ? 'question' : !answer ? 'answer' : 'video_id'}` });
      continue;
    }
    const badId = sampleIdDrop('id', id);
    if (badId) {
      dropped.push(badId);
      continue;
    }
    if (seen.has(id)) {
      dropped.push({ kind: 'duplicate', ref: id, reason: `id ${id} appears more than once` });
      continue;
    }
    seen.add(id);
    const clip = mapping.get(`vid${videoId}`);
    if (!clip) {
      dropped.push({ kind: 'unreadable-row', ref: id, reason: `video_id ${videoId}: no 'vid${videoId}' line in ${basename(mappingPath)}` });
      continue;
    }
    const idProblem = fileIdProblem(clip);
    if (idProblem) {
      dropped.push({ kind: 'unsafe-id', ref: id, reason: unsafeIdReason(`clip of vid${videoId} in ${basename(mappingPath)}`, clip, idProblem) });
      continue;
    }
    // YouTubeClips/<clip> first, then <clip> directly in the media folder.
    let lookup: MediaLookup = await findMedia(options.mediaDir, `YouTubeClips/${clip}`, MSVD_EXTENSIONS);
    if (lookup.status === 'missing') lookup = await findMedia(options.mediaDir, clip, MSVD_EXTENSIONS);
    if (lookup.status !== 'found') {
      dropped.push(lookupDrop(lookup, id, `clip YouTubeClips/${clip}.avi`, options.mediaDir));
      continue;
    }
    const path = lookup.path;
    const extra: Record<string, unknown> = { id: Number.isFinite(Number(id)) ? Number(id) : id, video_id: Number(videoId), clip };
    if (split) extra['split'] = split;
    candidates.push({ sampleId: `msvd-${id}`, dataset: 'msvd-qa', videoPath: path, question, answer, extra });
  }
  const rows = selectItems(candidates, (r) => r.sampleId, { maxSamples: options.maxSamples, seed: options.seed });
  const kept = new Set(rows);
  for (const c of candidates) if (!kept.has(c)) dropped.push({ kind: 'not-selected', ref: c.sampleId, reason: `beyond --max-samples ${options.maxSamples}` });
  return { dataset: 'msvd-qa', rowsRead: list.length, rows, dropped };
}
