/**
 * ActivityNet-QA: `test_q.json` (video_name, question, question_id) + `test_a.json` (answer,
 * type, question_id) joined by question_id, or one pre-merged list (each entry with video_name,
 * question, answer, question_id, type, as lmms-eval's copy on the Hub). Media
 * `v_<video_name>` with .mp4/.webm/.mkv tried in that order, as lmms-eval does.
 */
import { DatasetError, UsageError } from '../../errors.js';
import type { ManifestRow } from '../manifest.js';
import { selectItems } from '../select.js';
import { asRecord, fileIdProblem, findMedia, lookupDrop, readJsonFile, sampleIdDrop, textField, unsafeIdReason, type CommonImportOptions, type DroppedRow, type ImportResult } from './common.js';

/** lmms-eval's fallback order for an ActivityNet video. */
export const ACTIVITYNET_EXTENSIONS = ['.mp4', '.webm', '.mkv'] as const;

/**
 * Question/answer types of the `type` field, from the dataset's README (MILVLG/activitynet-qa,
 * dataset/README.md): question types 0-2, free-form answer types 3-8.
 */
export const ACTIVITYNET_TYPES: Readonly<Record<number, string>> = {
  0: 'motion',
  1: 'spatial relationship',
  2: 'temporal relationship',
  3: 'yes/no',
  4: 'color',
  5: 'object',
  6: 'location',
  7: 'number',
  8: 'other',
};

function asList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new DatasetError(`ActivityNet-QA annotations ${path} is not a JSON list of entries`);
  return value;
}

/** Imports ActivityNet-QA (either form). */
export async function importActivityNetQa(options: CommonImportOptions): Promise<ImportResult> {
  const files = options.annotations;
  if (files.length < 1 || files.length > 2) throw new UsageError('activitynet-qa takes --annotations test_q.json test_a.json, or one pre-merged list');
  const lists = await Promise.all(files.map(async (f) => ({ path: f, list: asList(await readJsonFile(f, 'ActivityNet-QA annotations'), f) })));
  // Questions are the entries with a video_name; answers those without (order of files is free).
  const withVideo = lists.filter((l) => l.list.some((e) => textField(asRecord(e) ?? {}, 'video_name') !== ''));
  const questionsFile = withVideo[0];
  if (!questionsFile) throw new UsageError(`no entry with a video_name in ${files.join(', ')}: pass test_q.json (and test_a.json)`);
  const answersFile = lists.find((l) => l !== questionsFile);

  const answers = new Map<string, Record<string, unknown>>();
  if (answersFile) {
    for (const e of answersFile.list) {
      const r = asRecord(e);
      const id = r ? textField(r, 'question_id') : '';
      if (r && id) answers.set(id, r);
    }
  }

  const dropped: DroppedRow[] = [];
  const candidates: ManifestRow[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of questionsFile.list.entries()) {
    const q = asRecord(entry) ?? {};
    const questionId = textField(q, 'question_id') || `entry ${index}`;
    const videoName = textField(q, 'video_name');
    const question = textField(q, 'question');
    const a = answersFile ? answers.get(questionId) : q;
    if (!videoName || !question) {
      dropped.push({ kind: 'unreadable-row', ref: questionId, reason: `entry ${index}: missing ${!videoName ? 'video_name' : 'question'}` });
      continue;
    }
    if (!a || textField(a, 'answer') === '') {
      dropped.push({ kind: 'unreadable-row', ref: questionId, reason: `question_id ${questionId} has no answer${answersFile ? ` in ${answersFile.path}` : ''}` });
      continue;
    }
    const badId = sampleIdDrop('question_id', questionId);
    if (badId) {
      dropped.push(badId);
      continue;
    }
    if (seen.has(questionId)) {
      dropped.push({ kind: 'duplicate', ref: questionId, reason: `question_id ${questionId} appears more than once` });
      continue;
    }
    seen.add(questionId);
    const idProblem = fileIdProblem(videoName);
    if (idProblem) {
      dropped.push({ kind: 'unsafe-id', ref: questionId, reason: unsafeIdReason('video_name', videoName, idProblem) });
      continue;
    }
    const lookup = await findMedia(options.mediaDir, `v_${videoName}`, ACTIVITYNET_EXTENSIONS);
    if (lookup.status !== 'found') {
      dropped.push(lookupDrop(lookup, questionId, `video v_${videoName}.mp4 (.webm, .mkv)`, options.mediaDir));
      continue;
    }
    const path = lookup.path;
    const typeText = textField(a, 'type');
    const typeNumber = typeText === '' ? undefined : Number(typeText);
    const extra: Record<string, unknown> = { video_name: videoName, question_id: questionId };
    if (typeNumber !== undefined && Number.isInteger(typeNumber)) {
      extra['type'] = typeNumber;
      const name = ACTIVITYNET_TYPES[typeNumber];
      if (name) extra['type_name'] = name;
    }
    candidates.push({ sampleId: questionId, dataset: 'activitynet-qa', videoPath: path, audioPath: path, question, answer: textField(a, 'answer'), extra });
  }
  const rows = selectItems(candidates, (r) => r.sampleId, { maxSamples: options.maxSamples, seed: options.seed });
  const keptIds = new Set(rows.map((r) => r.sampleId));
  for (const c of candidates) if (!keptIds.has(c.sampleId)) dropped.push({ kind: 'not-selected', ref: c.sampleId, reason: `beyond --max-samples ${options.maxSamples}` });
  return { dataset: 'activitynet-qa', rowsRead: questionsFile.list.length, rows, dropped };
}
