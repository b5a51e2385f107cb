/**
 * The one data model every writer reads (hyperfine's BenchmarkResult): a TrialRecord per
 * trial, holding raw measurements only, and the columns that map it to records.csv and back.
 * Ratios and shares are derived at report time, never stored.
 */
import { STAGES, TTFT_STAGES, type StageName } from '../stages.js';
import { csvCellUnescape } from '../safe-text.js';

/** What identifies one trial: resume runs exactly the keys that have no record yet. */
export interface TrialKey {
  dataset: string;
  sampleId: string;
  variant: string;
  /** 0-based repeat index (warmups are never recorded). */
  repeat: number;
  /** 0-based conversation turn; 0 for single-turn specs. */
  turn: number;
  /**
   * The point of the spec's sweep (audio seconds, chunk seconds...): one `param_<name>` column
   * each, part of the key. Absent or empty for specs without axes.
   */
  params?: Readonly<Record<string, number | string>>;
}

/** Value of one sweep parameter. */
export type ParamValue = number | string;

/** How the process that ran a trial was isolated: `process` = one fresh child process per variant. */
export type Isolation = 'none' | 'process';

/** Raw measurements of a trial. Every field may be null on an error record or when not measured. */
export interface Measures {
  /** Milliseconds per canonical stage (summed over the trial's spans; 0 when the stage did not run). */
  stageMs: Record<StageName, number | null>;
  /** Request start to first token id, ms. */
  ttftMs: number | null;
  /** Mean ms per generated token after the first (decode_ms / (output_tokens - 1)); null with < 2 tokens. */
  tpotMs: number | null;
  /** TTFT not explained by any top-level stage span, ms. */
  otherMs: number | null;
  /** Request start to the last token, ms. */
  totalMs: number | null;
  /** Prompt tokens per modality and generated tokens. */
  textTokens: number | null;
  audioTokens: number | null;
  videoTokens: number | null;
  imageTokens: number | null;
  promptTokens: number | null;
  outputTokens: number | null;
  /** Media fed to the model: seconds of audio, seconds of video, sampled frames and their size. */
  audioSeconds: number | null;
  videoSeconds: number | null;
  videoFrames: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
  /** Mel frames given to the audio encoder (padding included) and patches given to the vision encoder. */
  melFrames: number | null;
  visionPatches: number | null;
  /** Bytes of the media files on disk, in MB (10^6 bytes). */
  mediaFileMb: number | null;
  /** Process RSS at request start and its peak during the trial (method `rss-poll`), MB. */
  rssStartMb: number | null;
  rssPeakMb: number | null;
  /** Peak process RSS per TTFT stage (method `rss-poll`), MB. */
  stageRssPeakMb: Record<StageName, number | null>;
  /**
   * Growth of process RSS over the trial's start: the trial's peak minus rssStartMb, and each
   * stage's peak minus rssStartMb (method `rss-poll`), MB. Unlike the peaks, these do not carry
   * what ONNX Runtime's arena kept from earlier, larger requests (0 when the arena already
   * holds enough).
   */
  rssGrowthMb: number | null;
  stageRssGrowthMb: Record<StageName, number | null>;
  /** Kernel high-water mark over the trial (method `vmhwm`, reset at request start), MB. */
  vmhwmPeakMb: number | null;
  /** Kernel high-water mark per TTFT stage (method `vmhwm`, reset before each stage), MB. */
  stageVmhwmPeakMb: Record<StageName, number | null>;
  /** GPU memory.used peak over the trial (method `nvidia-smi`), MB; null without a GPU. */
  gpuPeakMb: number | null;
  /** Generated text. */
  answer: string | null;
  /** Letter parsed from the answer (A-D...) for multiple-choice samples. */
  choice: string | null;
  /** Expected answer from the manifest. */
  expected: string | null;
  /** Whether the parsed choice equals the expected letter; null when the sample has no options. */
  correct: boolean | null;
  /** Max |first-token logits - reference logits| for specs that compare variants. */
  logitsMaxAbsDiff: number | null;
  /** Work of the compute stages in GFLOP (from the model's dimensions and the input sizes), for roofline figures. */
  stageGflop: Record<RooflineStage, number | null>;
  /** Load time of the model in the process that ran this trial, ms (never inside TTFT). */
  modelLoadMs: number | null;
  /** Middleware active in the trial (comma-separated names, `none` without). */
  middleware: string | null;
  /** Encoder-cache lookups that hit / missed during the turn, and the cache's size after it, MB. */
  cacheHits: number | null;
  cacheMisses: number | null;
  cacheMb: number | null;
  /** Prompt tokens served from the KV cache and tokens prefilled in this turn. */
  cachedTokens: number | null;
  newTokens: number | null;
  /** Decoder KV cache kept after the turn, MB. */
  kvCacheMb: number | null;
  /** Mel frames the audio encoder ran on (padding included when it encoded padding). */
  encoderFrames: number | null;
  /** Max abs diff of the real frames' log-mel against the spec's reference features. */
  audioFeaturesMaxAbsDiff: number | null;
}

/** The spec- and middleware-reported measures a trial may fill (TrialOutput.measures). */
export type ExtraMeasures = Partial<Pick<Measures, 'middleware' | 'cacheHits' | 'cacheMisses' | 'cacheMb' | 'cachedTokens' | 'newTokens' | 'kvCacheMb' | 'encoderFrames' | 'audioFeaturesMaxAbsDiff'>>;

interface RecordBase extends TrialKey {
  spec: string;
  isolation: Isolation;
  /** ISO time the trial started. */
  startedAt: string;
  measures: Measures;
}

/**
 * One trial's outcome, tagged: read numbers only after narrowing on status. `skipped`: a turn
 * after a failed turn of the same conversation (its reason in `error`).
 */
export type TrialRecord = (RecordBase & { status: 'ok' }) | (RecordBase & { status: 'error'; error: string }) | (RecordBase & { status: 'skipped'; error: string });

/** Stages whose FLOPs are computed (achieved GFLOP/s and % of the MatMul peak are derived in reports). */
export const ROOFLINE_STAGES = ['audio_encoder', 'vision_encoder', 'prefill'] as const;
/** One of ROOFLINE_STAGES. */
export type RooflineStage = (typeof ROOFLINE_STAGES)[number];

/** A Measures with nothing measured. */
export function emptyMeasures(): Measures {
  const perStage = (): Record<StageName, number | null> =>
    Object.fromEntries(STAGES.map((s) => [s, null])) as Record<StageName, number | null>;
  return {
    stageMs: perStage(),
    ttftMs: null,
    tpotMs: null,
    otherMs: null,
    totalMs: null,
    textTokens: null,
    audioTokens: null,
    videoTokens: null,
    imageTokens: null,
    promptTokens: null,
    outputTokens: null,
    audioSeconds: null,
    videoSeconds: null,
    videoFrames: null,
    frameWidth: null,
    frameHeight: null,
    melFrames: null,
    visionPatches: null,
    mediaFileMb: null,
    rssStartMb: null,
    rssPeakMb: null,
    stageRssPeakMb: perStage(),
    rssGrowthMb: null,
    stageRssGrowthMb: perStage(),
    vmhwmPeakMb: null,
    stageVmhwmPeakMb: perStage(),
    gpuPeakMb: null,
    answer: null,
    choice: null,
    expected: null,
    correct: null,
    logitsMaxAbsDiff: null,
    stageGflop: { audio_encoder: null, vision_encoder: null, prefill: null },
    modelLoadMs: null,
    middleware: null,
    cacheHits: null,
    cacheMisses: null,
    cacheMb: null,
    cachedTokens: null,
    newTokens: null,
    kvCacheMb: null,
    encoderFrames: null,
    audioFeaturesMaxAbsDiff: null,
  };
}

/** The parameters of a key as `name=value` pairs in name order (empty string without any). */
export function paramsString(params: TrialKey['params']): string {
  return Object.keys(params ?? {})
    .sort()
    .map((name) => `${name}=${String(params?.[name])}`)
    .join(',');
}

/** The key of a record or planned trial as one string (dataset/sample|variant|repeat|turn[|params]). */
export function keyString(key: TrialKey): string {
  const params = paramsString(key.params);
  return `${key.dataset}/${key.sampleId}|${key.variant}|r${key.repeat}|t${key.turn}${params ? `|${params}` : ''}`;
}

/** The conversation a key belongs to: its key without the turn (the unit of resume). */
export function conversationString(key: TrialKey): string {
  return keyString({ ...key, turn: 0 });
}

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
