/**
 * The columns of records.csv: how each field of a TrialRecord maps to a named cell and back
 * (docs/results-format.md lists every one). The record model itself is in record.ts.
 */
import { ROOFLINE_STAGES, STAGES, TTFT_STAGES } from '../stages.js';
import { csvCellUnescape } from '../safe-text.js';
import { emptyMeasures, type Measures, type TrialRecord } from './record.js';

/** A cell of records.csv before stringification. */
export type Cell = string | number | boolean | null;

/** One records.csv column: its name and how to read and write it on a record. */
export interface Column {
  name: string;
  kind: 'string' | 'number' | 'boolean';
  get(record: TrialRecord): Cell;
  set(record: TrialRecord, value: Cell): void;
}

type NumericMeasure = {
  [K in keyof Measures]: Measures[K] extends number | null ? K : never;
}[keyof Measures];

function measure(name: string, field: NumericMeasure): Column {
  return {
    name,
    kind: 'number',
    get: (r) => r.measures[field],
    set: (r, v) => {
      r.measures[field] = v as number | null;
    },
  };
}

function text(name: string, field: 'answer' | 'choice' | 'expected'): Column {
  return {
    name,
    kind: 'string',
    get: (r) => r.measures[field],
    set: (r, v) => {
      r.measures[field] = v === null ? null : String(v);
    },
  };
}

const KEY_COLUMNS: Column[] = [
  { name: 'spec', kind: 'string', get: (r) => r.spec, set: (r, v) => void (r.spec = String(v ?? '')) },
  { name: 'variant', kind: 'string', get: (r) => r.variant, set: (r, v) => void (r.variant = String(v ?? '')) },
  { name: 'dataset', kind: 'string', get: (r) => r.dataset, set: (r, v) => void (r.dataset = String(v ?? '')) },
  { name: 'sample_id', kind: 'string', get: (r) => r.sampleId, set: (r, v) => void (r.sampleId = String(v ?? '')) },
  { name: 'repeat', kind: 'number', get: (r) => r.repeat, set: (r, v) => void (r.repeat = Number(v ?? 0)) },
  { name: 'turn', kind: 'number', get: (r) => r.turn, set: (r, v) => void (r.turn = Number(v ?? 0)) },
  {
    name: 'status',
    kind: 'string',
    get: (r) => r.status,
    set: (r, v) => void ((r as { status: string }).status = v === 'error' || v === 'skipped' ? v : 'ok'),
  },
  {
    name: 'error',
    kind: 'string',
    get: (r) => (r.status === 'ok' ? null : r.error),
    set: (r, v) => {
      if (r.status !== 'ok') r.error = String(v ?? '');
    },
  },
];

const TIMING_COLUMNS: Column[] = [
  ...STAGES.map(
    (stage): Column => ({
      name: `${stage}_ms`,
      kind: 'number',
      get: (r) => r.measures.stageMs[stage],
      set: (r, v) => void (r.measures.stageMs[stage] = v as number | null),
    }),
  ),
  measure('ttft_ms', 'ttftMs'),
  measure('tpot_ms', 'tpotMs'),
  measure('other_ms', 'otherMs'),
  measure('total_ms', 'totalMs'),
];

const CONCURRENCY_COLUMNS: Column[] = [
  measure('audio_branch_ms', 'audioBranchMs'),
  measure('vision_branch_ms', 'visionBranchMs'),
  measure('overlap_ms', 'overlapMs'),
  measure('critical_path_ms', 'criticalPathMs'),
  measure('audio_branch_cpu_ms', 'audioBranchCpuMs'),
  measure('vision_branch_cpu_ms', 'visionBranchCpuMs'),
  measure('ttft_cpu_ms', 'ttftCpuMs'),
];

const SIZE_COLUMNS: Column[] = [
  measure('text_tokens', 'textTokens'),
  measure('audio_tokens', 'audioTokens'),
  measure('video_tokens', 'videoTokens'),
  measure('image_tokens', 'imageTokens'),
  measure('prompt_tokens', 'promptTokens'),
  measure('output_tokens', 'outputTokens'),
  measure('audio_s', 'audioSeconds'),
  measure('video_s', 'videoSeconds'),
  measure('video_frames', 'videoFrames'),
  measure('frame_width', 'frameWidth'),
  measure('frame_height', 'frameHeight'),
  measure('mel_frames', 'melFrames'),
  measure('vision_patches', 'visionPatches'),
  { name: 'media_note', kind: 'string', get: (r) => r.measures.mediaNote, set: (r, v) => void (r.measures.mediaNote = v === null ? null : String(v)) },
  measure('media_file_mb', 'mediaFileMb'),
  ...ROOFLINE_STAGES.map(
    (stage): Column => ({
      name: `${stage}_gflop`,
      kind: 'number',
      get: (r) => r.measures.stageGflop[stage],
      set: (r, v) => void (r.measures.stageGflop[stage] = v as number | null),
    }),
  ),
];

const MEMORY_COLUMNS: Column[] = [
  measure('rss_poll_start_mb', 'rssStartMb'),
  measure('rss_poll_peak_mb', 'rssPeakMb'),
  ...TTFT_STAGES.map(
    (stage): Column => ({
      name: `${stage}_rss_poll_peak_mb`,
      kind: 'number',
      get: (r) => r.measures.stageRssPeakMb[stage],
      set: (r, v) => void (r.measures.stageRssPeakMb[stage] = v as number | null),
    }),
  ),
  measure('rss_poll_growth_mb', 'rssGrowthMb'),
  ...TTFT_STAGES.map(
    (stage): Column => ({
      name: `${stage}_rss_poll_growth_mb`,
      kind: 'number',
      get: (r) => r.measures.stageRssGrowthMb[stage],
      set: (r, v) => void (r.measures.stageRssGrowthMb[stage] = v as number | null),
    }),
  ),
  measure('vmhwm_peak_mb', 'vmhwmPeakMb'),
  ...TTFT_STAGES.map(
    (stage): Column => ({
      name: `${stage}_vmhwm_peak_mb`,
      kind: 'number',
      get: (r) => r.measures.stageVmhwmPeakMb[stage],
      set: (r, v) => void (r.measures.stageVmhwmPeakMb[stage] = v as number | null),
    }),
  ),
  measure('gpu_smi_peak_mb', 'gpuPeakMb'),
];

const ANSWER_COLUMNS: Column[] = [
  text('answer', 'answer'),
  text('choice', 'choice'),
  text('expected', 'expected'),
  {
    name: 'correct',
    kind: 'boolean',
    get: (r) => r.measures.correct,
    set: (r, v) => void (r.measures.correct = v === null ? null : v === true || v === 'true'),
  },
];

const LOGITS_COLUMN: Column = measure('logits_max_abs_diff', 'logitsMaxAbsDiff');

const MIDDLEWARE_COLUMNS: Column[] = [
  { name: 'middleware', kind: 'string', get: (r) => r.measures.middleware, set: (r, v) => void (r.measures.middleware = v === null ? null : String(v)) },
  measure('cache_hits', 'cacheHits'),
  measure('cache_misses', 'cacheMisses'),
  measure('cache_mb', 'cacheMb'),
  measure('cached_tokens', 'cachedTokens'),
  measure('new_tokens', 'newTokens'),
  measure('kv_cache_mb', 'kvCacheMb'),
  measure('encoder_frames', 'encoderFrames'),
  measure('audio_features_max_abs_diff', 'audioFeaturesMaxAbsDiff'),
  measure('encoder_features_max_abs_diff', 'encoderFeaturesMaxAbsDiff'),
];

/** Prefix of the sweep parameter columns (hyperfine's `parameter_<name>`). */
export const PARAM_PREFIX = 'param_';

/** The `param_<name>` column of one sweep parameter (numbers stay numbers when read back). */
function paramColumn(name: string): Column {
  return {
    name: `${PARAM_PREFIX}${name}`,
    kind: 'string',
    get: (r) => (r.params?.[name] === undefined ? null : String(r.params[name])),
    set: (r, v) => {
      if (v === null) return;
      const text = String(v);
      const n = Number(text);
      r.params = { ...(r.params ?? {}), [name]: text !== '' && Number.isFinite(n) ? n : text };
    },
  };
}

const RUN_COLUMNS: Column[] = [
  measure('model_load_ms', 'modelLoadMs'),
  {
    name: 'isolation',
    kind: 'string',
    get: (r) => r.isolation,
    set: (r, v) => void (r.isolation = v === 'process' ? 'process' : 'none'),
  },
  { name: 'started_at', kind: 'string', get: (r) => r.startedAt, set: (r, v) => void (r.startedAt = String(v ?? '')) },
];

/**
 * The columns of records.csv in order. `logits_max_abs_diff` is present only for specs that
 * compare variants' answers (docs/results-format.md lists every column).
 */
export function recordColumns(options: { comparesLogits: boolean; params?: readonly string[] }): Column[] {
  return [
    ...KEY_COLUMNS,
    ...(options.params ?? []).map(paramColumn),
    ...TIMING_COLUMNS,
    ...CONCURRENCY_COLUMNS,
    ...SIZE_COLUMNS,
    ...MEMORY_COLUMNS,
    ...ANSWER_COLUMNS,
    ...(options.comparesLogits ? [LOGITS_COLUMN] : []),
    ...MIDDLEWARE_COLUMNS,
    ...RUN_COLUMNS,
  ];
}

/** Every known column by name (for reading a records.csv that may or may not hold logits). */
const ALL_COLUMNS = new Map(recordColumns({ comparesLogits: true }).map((c) => [c.name, c]));

/** The key columns records.csv must have to be read back. */
export const REQUIRED_COLUMNS = KEY_COLUMNS.map((c) => c.name);

/** One records.csv row as cells, in `columns` order. */
export function recordToRow(record: TrialRecord, columns: Column[]): Cell[] {
  return columns.map((c) => c.get(record));
}

/** Parses one cell from its CSV text (empty = null). */
function parseCell(kind: Column['kind'], raw: string | undefined): Cell {
  if (raw === undefined || raw === '') return null;
  if (kind === 'number') {
    const value = Number(raw);
    return Number.isFinite(value) ? value : null;
  }
  if (kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : null;
  return csvCellUnescape(raw);
}

/** Names the first numeric cell of a records.csv row that is not a number (strict reading), or undefined. */
export function numericColumnError(row: Readonly<Record<string, string>>): string | undefined {
  for (const [name, raw] of Object.entries(row)) {
    const column = ALL_COLUMNS.get(name);
    if (column?.kind === 'number' && raw !== '' && !Number.isFinite(Number(raw))) return `${name} '${raw}' is not a number`;
  }
  return undefined;
}

/** Rebuilds a record from a records.csv row given as column name -> text; unknown columns are ignored. */
export function recordFromRow(row: Readonly<Record<string, string>>): TrialRecord {
  const record = {
    spec: '',
    variant: '',
    dataset: '',
    sampleId: '',
    repeat: 0,
    turn: 0,
    status: row['status'] === 'error' ? 'error' : 'ok',
    error: '',
    isolation: 'none',
    startedAt: '',
    measures: emptyMeasures(),
  } as TrialRecord;
  for (const [name, raw] of Object.entries(row)) {
    const column = ALL_COLUMNS.get(name) ?? (name.startsWith(PARAM_PREFIX) ? paramColumn(name.slice(PARAM_PREFIX.length)) : undefined);
    if (column) column.set(record, parseCell(column.kind, raw));
  }
  if (record.status === 'ok') delete (record as { error?: string }).error;
  return record;
}
