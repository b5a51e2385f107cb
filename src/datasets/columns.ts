/**
 * Manifest columns: the unified set omni-bench writes, and the older FasterOmni set it still
 * reads. One CSV record (header name -> cell text) becomes either a Sample or the reason it
 * cannot be one.
 */
import { isAbsolute, resolve } from 'node:path';
import { terminalSafe } from '../safe-text.js';
import type { Sample } from './manifest.js';

/** Columns of the unified manifest, in the order writeManifest writes them. */
export const UNIFIED_COLUMNS = [
  'sample_id',
  'dataset',
  'video_path',
  'audio_path',
  'question',
  'options',
  'answer',
  'duration_s',
  'start_s',
  'end_s',
  'extra',
] as const;

/** One unified column name. */
export type UnifiedColumn = (typeof UNIFIED_COLUMNS)[number];

/**
 * Columns of the FasterOmni Python tools' manifests that map onto the unified model:
 * `duration` (seconds, or Video-MME's short/medium/long class), `has_audio`, and Video-MME's
 * annotation columns, which land in `extra` under their own names.
 */
export const LEGACY_COLUMNS = ['has_audio', 'duration', 'video_id', 'question_id', 'domain', 'sub_category', 'task_type'] as const;

/** Result of mapping one record: a sample, or why the row is invalid. */
export type RowOutcome = { ok: true; sample: Sample } | { ok: false; sampleId?: string; reason: string };

/** Where a record came from, for paths and error messages. */
export interface RowContext {
  manifestPath: string;
  /** Folder relative media paths resolve against. */
  baseDir: string;
  row: number;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'f', '']);

/** Parses a finite number; undefined for an empty cell; a string reason when malformed. */
function parseNumber(text: string | undefined, column: string): number | undefined | { error: string } {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `${column} '${t}' is not a number` };
  if (n < 0) return { error: `${column} ${t} is negative` };
  return n;
}

/**
 * Parses the options cell: a JSON array of strings, or the Python list repr the FasterOmni
 * tools wrote (`['A. x', 'B. y']`). Undefined for an empty cell.
 */
export function parseOptions(text: string | undefined): string[] | undefined | { error: string } {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    value = parsePythonStringList(t);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    return { error: `options is not a JSON array of strings (got ${JSON.stringify(t.slice(0, 40))}); write e.g. ["A. yes", "B. no"]` };
  }
  if (value.length === 0) return undefined;
  return value as string[];
}

/** A Python `repr` of a list of str (single or double quotes, backslash escapes), else undefined. */
function parsePythonStringList(text: string): string[] | undefined {
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|\])/gy;
  if (!text.startsWith('[') || !text.endsWith(']')) return undefined;
  if (/^\[\s*\]$/.test(text)) return [];
  const out: string[] = [];
  re.lastIndex = 1;
  for (;;) {
    const m = re.exec(text);
    if (!m) return undefined;
    const raw = m[1] ?? m[2] ?? '';
    out.push(raw.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c));
    if (m[3] === ']') return re.lastIndex === text.length ? out : undefined;
  }
}

/** Parses the extra cell: a JSON object. Undefined for an empty cell. */
function parseExtra(text: string | undefined): Record<string, unknown> | undefined | { error: string } {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  try {
    const value: unknown = JSON.parse(t);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  return { error: `extra is not a JSON object (got ${JSON.stringify(t.slice(0, 40))})` };
}

// C0 controls (tab and newline included), DEL and C1: never part of an id.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `id` cannot be a sample_id, or undefined when it can: a control character (a NUL, an
 * escape, a newline) would end up in file names, chart labels and terminal output.
 */
export function sampleIdProblem(id: string, field = 'sample_id'): string | undefined {
  const at = id.search(CONTROL);
  if (at < 0) return undefined;
  const code = id.charCodeAt(at).toString(16).padStart(2, '0');
  return `${field} '${terminalSafe(id)}' contains a control character (\\x${code} at position ${at + 1}); use printable characters only`;
}

function isError(v: unknown): v is { error: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'error' in v && Object.keys(v).length === 1;
}

function mediaPath(text: string | undefined, baseDir: string): string | undefined {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  return isAbsolute(t) ? t : resolve(baseDir, t);
}

const KNOWN = new Set<string>([...UNIFIED_COLUMNS, ...LEGACY_COLUMNS, 'duration']);

/**
 * Maps one CSV record (header -> cell) to a Sample. Unknown columns are kept in `extra`
 * (non-empty cells only); relative media paths resolve against `ctx.baseDir`. Media existence
 * is checked elsewhere.
 */
export function recordToSample(record: Record<string, string>, ctx: RowContext): RowOutcome {
  const sampleId = (record['sample_id'] ?? '').trim();
  const fail = (reason: string): RowOutcome => (sampleId ? { ok: false, sampleId, reason } : { ok: false, reason });
  if (!sampleId) return fail('sample_id is empty (every row needs a unique sample_id)');
  const idProblem = sampleIdProblem(sampleId);
  if (idProblem) return { ok: false, reason: idProblem };
  const question = (record['question'] ?? '').trim();
  if (!question) return fail('question is empty');

  const extraCell = parseExtra(record['extra']);
  if (isError(extraCell)) return fail(extraCell.error);
  const extra: Record<string, unknown> = { ...(extraCell ?? {}) };

  const options = parseOptions(record['options']);
  if (isError(options)) return fail(options.error);

  // duration_s wins; legacy `duration` is seconds, or Video-MME's duration class.
  let durationS = parseNumber(record['duration_s'], 'duration_s');
  if (isError(durationS)) return fail(durationS.error);
  const legacyDuration = (record['duration'] ?? '').trim();
  if (legacyDuration !== '') {
    const n = Number(legacyDuration);
    if (Number.isFinite(n) && n >= 0) durationS ??= n;
    else extra['duration'] = legacyDuration;
  }
  const startS = parseNumber(record['start_s'], 'start_s');
  if (isError(startS)) return fail(startS.error);
  const endS = parseNumber(record['end_s'], 'end_s');
  if (isError(endS)) return fail(endS.error);
  if (startS !== undefined && endS !== undefined && endS <= startS) {
    return fail(`end_s ${endS} is not after start_s ${startS}`);
  }

  const videoPath = mediaPath(record['video_path'], ctx.baseDir);
  let audioPath = mediaPath(record['audio_path'], ctx.baseDir);
  const hasAudioCell = (record['has_audio'] ?? '').trim().toLowerCase();
  if (hasAudioCell !== '') {
    if (!TRUE_WORDS.has(hasAudioCell) && !FALSE_WORDS.has(hasAudioCell)) return fail(`has_audio '${hasAudioCell}' is not a boolean (use 1/0 or true/false)`);
    const hasAudio = TRUE_WORDS.has(hasAudioCell);
    extra['has_audio'] = hasAudio;
    // Legacy rows: has_audio=1 with no audio_path means "the video's own audio track".
    if (hasAudio && audioPath === undefined) audioPath = videoPath;
    if (!hasAudio && audioPath !== undefined && audioPath === videoPath) audioPath = undefined;
  }
  if (videoPath === undefined && audioPath === undefined) return fail('no media: video_path and audio_path are both empty');

  for (const name of LEGACY_COLUMNS) {
    if (name === 'has_audio' || name === 'duration') continue;
    const v = (record[name] ?? '').trim();
    if (v !== '') extra[name] = v;
  }
  for (const [name, value] of Object.entries(record)) {
    if (KNOWN.has(name) || name === '') continue;
    if (value.trim() !== '') extra[name] = value;
  }

  const sample: Sample = {
    sampleId,
    dataset: (record['dataset'] ?? '').trim() || 'custom',
    question,
    extra,
    manifestPath: ctx.manifestPath,
    row: ctx.row,
  };
  if (videoPath !== undefined) sample.videoPath = videoPath;
  if (audioPath !== undefined) sample.audioPath = audioPath;
  if (options !== undefined) sample.options = options;
  const answer = (record['answer'] ?? '').trim();
  if (answer !== '') sample.answer = answer;
  if (durationS !== undefined) sample.durationS = durationS;
  if (startS !== undefined) sample.startS = startS;
  if (endS !== undefined) sample.endS = endS;
  return { ok: true, sample };
}
