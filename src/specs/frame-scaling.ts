/**
 * `frame-scaling`: TTFT and every stage against the number of video frames and the per-frame
 * pixel budget. Each sample's video is sampled at exactly each of --frames (spread over the clip
 * as Qwen's processor spreads them) under each of --max-pixels (qwen-omni-utils' max_pixels),
 * and run through the serial pipeline with its audio; a video with fewer frames than asked is an
 * error record that says so. vision_encoder_ms, prefill_ms and ttft_ms are fitted against the
 * vision tokens, linear and quadratic (src/profiler/fit.ts), with the verdict of chooseModel.
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { VIDEO_MAX_PIXELS } from '../media/frames.js';
import { FIXTURES_DIR } from '../paths.js';
import { fitPoints, fitSeries, fitTable, formatCoefficient, type ReportedFit } from '../report/fit-report.js';
import { formatMs, type TextTable } from '../report/format.js';
import type { TrialRecord } from '../report/record.js';
import type { Summary, VariantSummary } from '../report/summary.js';
import { lineChart, stackedStageChart, type Series, type SpecChart } from '../report/sweep-charts.js';
import { runSerialRequest } from '../runner/pipeline.js';
import { TTFT_STAGES } from '../stages.js';
import type { PlannedTrial, Spec, SpecRunOptions } from './spec.js';

/** Default --frames. */
export const DEFAULT_FRAMES = [4, 8, 16, 32, 64];
/** Default --max-pixels: the processor's per-frame cap (768 x 28 x 28), under which the fixtures keep their size. */
export const DEFAULT_MAX_PIXELS = [VIDEO_MAX_PIXELS];
/** Smallest budget smart_resize can meet: one 28 x 28 patch. */
const MIN_BUDGET = 28 * 28;

/** The metrics fitted against vision tokens. */
const FITTED = ['vision_encoder_ms', 'prefill_ms', 'ttft_ms'] as const;
type Fitted = (typeof FITTED)[number];

/** A comma-separated list of integers, each checked by `valid` (whose message ends the error). */
function integerList(flag: string, raw: unknown, fallback: number[], valid: (n: number) => string | undefined): number[] {
  if (raw === undefined) return fallback;
  const values = String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s);
      const problem = /^\d+$/.test(s) ? valid(n) : 'expected a whole number';
      if (problem) throw new UsageError(`${flag} '${s}': ${problem}`);
      return n;
    });
  if (values.length === 0) throw new UsageError(`${flag}: give at least one value`);
  return [...new Set(values)];
}

/** --frames as even counts >= 2. */
export function framesOf(options: Pick<SpecRunOptions, 'specOptions'>): number[] {
  return integerList('--frames', options.specOptions['frames'], DEFAULT_FRAMES, (n) =>
    n < 2 ? 'expected at least 2 frames' : n % 2 !== 0 ? `frame counts must be even (the vision encoder takes frames in pairs; Qwen's processor would round ${n} to ${n - 1})` : undefined,
  );
}

/** --max-pixels as budgets of at least one 28 x 28 patch. */
export function maxPixelsOf(options: Pick<SpecRunOptions, 'specOptions'>): number[] {
  return integerList('--max-pixels', options.specOptions['maxPixels'], DEFAULT_MAX_PIXELS, (n) => (n < MIN_BUDGET ? `expected at least ${MIN_BUDGET} pixels (one 28x28 patch)` : undefined));
}

/**
 * Every sample at every setting, per repeat (repeat-major). Inside a sample the largest frame
 * count runs first, so the warmup (the first planned trial) sizes ONNX Runtime's arena for the
 * largest request before any recorded one.
 */
function plan(input: Parameters<Spec['plan']>[0]): PlannedTrial[] {
  const frames = [...framesOf(input.options)].sort((a, b) => b - a);
  const budgets = [...maxPixelsOf(input.options)].sort((a, b) => b - a);
  const trials: PlannedTrial[] = [];
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const sample of input.samples) {
        for (const maxPixels of budgets) {
          for (const n of frames) trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn: 0, params: { frames: n, max_pixels: maxPixels }, sample });
        }
      }
    }
  }
  return trials;
}

/** Ok records of a sweep point (invalid manifest rows have none). */
const swept = (records: readonly TrialRecord[]): TrialRecord[] => records.filter((r) => r.status === 'ok' && typeof r.params?.['frames'] === 'number');

/** (vision tokens, metric) of every ok record. */
function pointsOf(records: readonly TrialRecord[], metric: Fitted): (readonly [number, number])[] {
  return swept(records).flatMap((r) => {
    const x = r.measures.videoTokens;
    const y = metric === 'ttft_ms' ? r.measures.ttftMs : r.measures.stageMs[metric === 'vision_encoder_ms' ? 'vision_encoder' : 'prefill'];
    return x !== null && y !== null ? [[x, y] as const] : [];
  });
}

/** Fits of vision_encoder_ms, prefill_ms and ttft_ms against vision tokens. */
export function frameScalingFits(records: readonly TrialRecord[]): ReportedFit[] {
  return FITTED.map((metric) => fitPoints(metric, pointsOf(records, metric)));
}

/** The sweep points of the summary, by budget then frames. */
function settings(summary: Summary): VariantSummary[] {
  return summary.variants
    .filter((v) => typeof v.params['frames'] === 'number' && v.ok > 0)
    .sort((a, b) => Number(a.params['max_pixels']) - Number(b.params['max_pixels']) || Number(a.params['frames']) - Number(b.params['frames']));
}

const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length);

/** The ok records of one setting. */
const recordsAt = (records: readonly TrialRecord[], v: VariantSummary): TrialRecord[] =>
  swept(records).filter((r) => r.variant === v.variant && r.params?.['frames'] === v.params['frames'] && r.params?.['max_pixels'] === v.params['max_pixels']);

/** Frame sizes of a setting's records: `644x364`, or several joined by '/'. */
function sizes(records: readonly TrialRecord[]): string {
  const distinct = [...new Set(records.flatMap((r) => (r.measures.frameWidth !== null && r.measures.frameHeight !== null ? [`${r.measures.frameWidth}x${r.measures.frameHeight}`] : [])))];
  return distinct.length === 0 ? '-' : distinct.join('/');
}

/** Per setting: the frames and their size, the vision tokens, the vision stages, prefill, the rest and TTFT. */
function settingsTable(summary: Summary, records: readonly TrialRecord[]): TextTable {
  const shown = ['video_decode', 'vision_preprocess', 'vision_encoder', 'prefill'] as const;
  const rows = settings(summary).map((v) => {
    const mine = recordsAt(records, v);
    const tokens = mean(mine.flatMap((r) => (r.measures.videoTokens === null ? [] : [r.measures.videoTokens])));
    const ttft = v.metrics['ttft_ms']?.mean;
    const listed = shown.reduce((n, s) => n + (v.metrics[`${s}_ms`]?.mean ?? 0), 0);
    return [
      String(v.params['frames']),
      String(v.params['max_pixels']),
      String(v.metrics['ttft_ms']?.n ?? 0),
      sizes(mine),
      tokens === undefined ? '-' : String(Math.round(tokens)),
      ...shown.map((s) => formatMs(v.metrics[`${s}_ms`]?.mean)),
      formatMs(ttft === undefined ? undefined : ttft - listed),
      formatMs(ttft),
    ];
  });
  return {
    title: 'Stages per setting (mean over ok trials; frames sampled exactly, spread over the clip as the processor spreads them)',
    header: ['frames', 'max pixels', 'n', 'frame size', 'vision tokens', 'video_decode ms', 'vision_preprocess ms', 'vision_encoder ms', 'prefill ms', 'other stages ms', 'TTFT ms'],
    rows,
    note: 'other stages = TTFT minus the four listed (audio decode, features and encoder, prompt, embed, first token, unexplained); the stacked chart charts/frame_scaling_stages.png shows every stage.',
  };
}

/** The linear fits' ms per vision token times each budget's vision tokens per frame: ms per frame. */
function perFrameTable(records: readonly TrialRecord[], fits: readonly ReportedFit[]): TextTable {
  const budgets = [...new Set(swept(records).map((r) => Number(r.params?.['max_pixels'])))].sort((a, b) => a - b);
  const rows = budgets.map((budget) => {
    const perFrame = mean(
      swept(records)
        .filter((r) => r.params?.['max_pixels'] === budget && r.measures.videoTokens !== null && (r.measures.videoFrames ?? 0) > 0)
        .map((r) => (r.measures.videoTokens as number) / (r.measures.videoFrames as number)),
    );
    return [
      String(budget),
      perFrame === undefined ? '-' : String(Number(perFrame.toFixed(1))),
      ...fits.map((f) => (f.status === 'ok' && perFrame !== undefined ? formatCoefficient((f.choice.linear.coefficients[1] ?? 0) * perFrame) : '-')),
    ];
  });
  return {
    title: 'Fitted cost per frame (linear fit: ms per vision token x vision tokens per frame)',
    header: ['max pixels', 'vision tokens / frame', ...fits.map((f) => `${f.label.replace(/_ms$/, '')} ms / frame`)],
    rows,
  };
}

/** The settings as stacked stage bars, the fits against vision tokens, and TTFT with its two largest stages against frames. */
function frameScalingCharts(summary: Summary, records: readonly TrialRecord[]): SpecChart[] {
  const points = settings(summary);
  if (points.length === 0) return [];
  const budgets = [...new Set(points.map((v) => Number(v.params['max_pixels'])))];
  const label = (v: VariantSummary): string => (budgets.length > 1 ? `${v.params['frames']} fr, ${v.params['max_pixels']} px` : `${v.params['frames']} frames`);
  const fits = frameScalingFits(records);
  const charts: SpecChart[] = [
    { file: 'frame_scaling_stages.png', config: stackedStageChart({ title: 'Stage ms per setting (mean over ok trials)', groups: points.map((v) => ({ label: label(v), summary: v })) }), width: Math.max(1000, 90 * points.length) },
  ];
  for (const metric of ['vision_encoder_ms', 'prefill_ms'] as const) {
    const fit = fits.find((f) => f.label === metric);
    if (!fit) continue;
    charts.push({
      file: `frame_scaling_${metric.replace(/_ms$/, '')}.png`,
      config: lineChart({ title: `${metric} against vision tokens, with linear and quadratic least-squares fits`, xLabel: 'vision tokens', yLabel: 'ms', series: fitSeries(fit) }),
    });
  }
  const lines: Series[] = budgets.flatMap((budget) =>
    (['ttft', 'vision_encoder', 'prefill'] as const).map((stage) => ({
      label: budgets.length > 1 ? `${stage} (${budget} px)` : stage,
      points: points.filter((v) => Number(v.params['max_pixels']) === budget).flatMap((v) => {
        const ms = v.metrics[`${stage}_ms`]?.mean;
        return ms === undefined ? [] : [[Number(v.params['frames']), ms] as const];
      }),
    })),
  );
  charts.push({ file: 'frame_scaling_ttft.png', config: lineChart({ title: 'TTFT, vision encoder and prefill against frames (mean)', xLabel: 'frames', yLabel: 'ms (mean)', series: lines, logX: true }) });
  return charts;
}

/** The frame-scaling spec. */
export const frameScaling: Spec = {
  name: 'frame-scaling',
  description: 'TTFT and every stage against the number of video frames and the per-frame pixel budget, with vision_encoder_ms and prefill_ms fitted against vision tokens',
  // The two fixture videos with enough frames for 64 (640x360, 10 s and 12 s, with sound).
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest-medium-1q.csv')],
  // TTFT is what is swept: one token ends the request soonest.
  defaultMaxNewTokens: 1,
  options: [
    { flags: '--frames <list>', key: 'frames', description: 'frame counts to sample from each video (even; each sampled exactly, spread over the clip)', defaultValue: DEFAULT_FRAMES.join(',') },
    { flags: '--max-pixels <list>', key: 'maxPixels', description: "per-frame pixel budgets (qwen-omni-utils' max_pixels; default the processor's cap, 768x28x28)", defaultValue: DEFAULT_MAX_PIXELS.join(',') },
  ],
  requires: { video: true },
  defaultIsolation: 'none',
  parameters: ['frames', 'max_pixels'],
  variants(options) {
    framesOf(options);
    maxPixelsOf(options);
    return [{ name: 'baseline', description: 'serial pipeline, video sampled at exactly each frame count and pixel budget', settings: {} }];
  },
  plan,
  async run(ctx) {
    if (ctx.sample.videoPath === undefined) throw new UsageError(`${ctx.sample.audioPath ?? ctx.sample.sampleId}: no video (frame-scaling needs samples with a video)`);
    const nframes = Number(ctx.key.params?.['frames']);
    const maxPixels = Number(ctx.key.params?.['max_pixels']);
    const { result, media, work } = await runSerialRequest(
      ctx.sample,
      { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule },
      { maxNewTokens: ctx.options.maxNewTokens, frames: { nframes, maxPixels } },
    );
    return { result, media, work };
  },
  summarize(summary, records) {
    const fits = frameScalingFits(records);
    return [
      settingsTable(summary, records),
      fitTable({ title: 'Cost against vision tokens (least squares over ok trials)', xUnit: 'token', fits }),
      perFrameTable(records, fits),
    ];
  },
  charts: (summary, records) => frameScalingCharts(summary, records),
};
