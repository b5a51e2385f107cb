/**
 * `audio-length`: how the audio stages grow with the audio's length. Each sample's real audio is
 * trimmed or looped to each of --audio-seconds (as audio-padding does) and run audio-only under
 * `pad-features` (the Qwen2.5-Omni processor: features for the whole chunk, the mask strips the
 * padding before the encoder; the reference) and `dynamic` (the dynamic-padding middleware:
 * features and encoder for the real length only); audio_features_ms and audio_encoder_ms are
 * fitted against the seconds heard, linear and quadratic (src/profiler/fit.ts).
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { FIXTURES_DIR } from '../paths.js';
import { fitPoints, fitSeries, fitTable, type FitPoint, type ReportedFit } from '../report/fit-report.js';
import { formatMs, type TextTable } from '../report/format.js';
import type { TrialRecord } from '../report/record.js';
import type { Summary, VariantSummary } from '../report/summary.js';
import { lineChart, type SpecChart } from '../report/sweep-charts.js';
import { runSerialRequest } from '../runner/pipeline.js';
import { audioSecondsOf, chunkSecondsOf } from './audio-padding.js';
import type { PlannedTrial, Spec } from './spec.js';

/** Default --audio-seconds: 1 s to the 300 s chunk. */
export const DEFAULT_AUDIO_LENGTHS = [1, 2, 5, 10, 30, 60, 120, 300];

/** The two variants, the reference first. */
const VARIANTS = ['pad-features', 'dynamic'] as const;

/** The audio stages fitted against seconds. */
const STAGES = ['audio_features', 'audio_encoder'] as const;

const lengthsOf = (options: Parameters<Spec['variants']>[0]): number[] =>
  options.specOptions['audioSeconds'] === undefined ? DEFAULT_AUDIO_LENGTHS : audioSecondsOf(options);

/** Every sample at every length, per variant and repeat (repeat-major, lengths inside each sample). */
function plan(input: Parameters<Spec['plan']>[0]): PlannedTrial[] {
  const seconds = lengthsOf(input.options);
  const trials: PlannedTrial[] = [];
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const sample of input.samples) {
        for (const audioS of seconds) trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn: 0, params: { audio_s: audioS }, sample });
      }
    }
  }
  return trials;
}

/** (seconds heard, stage ms) of every ok record of `variant` (audio_s in the record: the chunk cuts longer audio). */
function pointsOf(records: readonly TrialRecord[], variant: string, stage: (typeof STAGES)[number]): FitPoint[] {
  return records.flatMap((r) => {
    const x = r.measures.audioSeconds;
    const y = r.measures.stageMs[stage];
    return r.status === 'ok' && r.variant === variant && r.params?.['audio_s'] !== undefined && x !== null && y !== null ? [[x, y] as const] : [];
  });
}

/** Fits of each audio stage against seconds, per variant (labels `<variant> <stage>_ms`). */
export function audioLengthFits(records: readonly TrialRecord[]): ReportedFit[] {
  const variants = VARIANTS.filter((v) => records.some((r) => r.variant === v));
  return variants.flatMap((variant) => STAGES.map((stage) => fitPoints(`${variant} ${stage}_ms`, pointsOf(records, variant, stage))));
}

/** Per length and variant: mean features and encoder ms, audio tokens, TTFT. */
function lengthTable(summary: Summary, records: readonly TrialRecord[]): TextTable {
  const swept = summary.variants.filter((v) => typeof v.params['audio_s'] === 'number');
  const lengths = [...new Set(swept.map((v) => Number(v.params['audio_s'])))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const seconds of lengths) {
    for (const variant of VARIANTS) {
      const v: VariantSummary | undefined = swept.find((g) => g.variant === variant && g.params['audio_s'] === seconds);
      if (!v) continue;
      const heard = records.find((r) => r.status === 'ok' && r.variant === variant && r.params?.['audio_s'] === seconds)?.measures;
      const features = v.metrics['audio_features_ms']?.mean;
      const encoder = v.metrics['audio_encoder_ms']?.mean;
      rows.push([
        String(seconds),
        variant,
        String(v.metrics['ttft_ms']?.n ?? 0),
        heard?.audioSeconds === null || heard?.audioSeconds === undefined ? '-' : String(heard.audioSeconds),
        heard?.audioTokens === null || heard?.audioTokens === undefined ? '-' : String(heard.audioTokens),
        formatMs(features),
        formatMs(encoder),
        formatMs(features === undefined || encoder === undefined ? undefined : features + encoder),
        formatMs(v.metrics['ttft_ms']?.mean),
      ]);
    }
  }
  return {
    title: 'Audio stages per length (mean over ok trials; heard s = after the chunk cut)',
    header: ['audio s', 'variant', 'n', 'heard s', 'audio tokens', 'features ms', 'encoder ms', 'audio stage ms', 'TTFT ms'],
    rows,
  };
}

function audioLengthCharts(records: readonly TrialRecord[]): SpecChart[] {
  const fits = audioLengthFits(records);
  return STAGES.map((stage) => ({
    file: `${stage}_length.png`,
    config: lineChart({
      title: `${stage}_ms against audio seconds, with linear and quadratic least-squares fits`,
      xLabel: 'audio s (heard)',
      yLabel: 'ms',
      // A linear axis: a straight fit line reads as linear cost at a glance.
      series: fits.filter((f) => f.label.endsWith(` ${stage}_ms`)).flatMap((f) => fitSeries(f)),
    }),
  }));
}

/** The audio-length spec. */
export const audioLength: Spec = {
  name: 'audio-length',
  description: 'audio_features_ms and audio_encoder_ms against audio seconds under pad-features and dynamic padding, with linear and quadratic fits',
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'audiocaps', 'manifest.csv')],
  // The audio stages are what is fitted; one token ends the request soonest.
  defaultMaxNewTokens: 1,
  options: [
    { flags: '--audio-seconds <list>', key: 'audioSeconds', description: 'audio lengths, seconds (each sample trimmed or looped to each)', defaultValue: DEFAULT_AUDIO_LENGTHS.join(',') },
    { flags: '--chunk-seconds <s>', key: 'chunkSeconds', description: "the chunk pad-features pads to and longer audio is cut to (default: the model's processor config, 300 s)" },
  ],
  requires: { audio: true, whisperFeatures: true },
  defaultIsolation: 'none',
  reference: 'pad-features',
  // Both variants side by side, so that a drifting machine biases neither's curve.
  interleaveVariants: true,
  parameters: ['audio_s'],
  variants: () => [
    { name: 'pad-features', description: 'Qwen2.5-Omni processor: features padded to the chunk, the mask strips the padding before the encoder', settings: {} },
    { name: 'dynamic', description: 'dynamic-padding middleware: features and encoder for the real length only', settings: {}, middleware: ['dynamic-padding'] },
  ],
  plan,
  async run(ctx) {
    const audioSeconds = Number(ctx.key.params?.['audio_s']);
    const { result, media, work, mel } = await runSerialRequest(
      ctx.sample,
      { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule },
      {
        maxNewTokens: ctx.options.maxNewTokens,
        audioPadding: 'pad-features',
        audioSeconds,
        // Without --chunk-seconds the pipeline takes the model's own (no file read inside the trial).
        ...(ctx.options.specOptions['chunkSeconds'] !== undefined ? { chunkSeconds: chunkSecondsOf(ctx.options) } : {}),
        audioOnly: true,
      },
    );
    if (!mel) throw new UsageError(`${ctx.sample.audioPath ?? ctx.sample.videoPath ?? ctx.sample.sampleId}: no audio (audio-length needs samples with sound)`);
    return { result, media, work, audioFeatures: mel, measures: { encoderFrames: mel.validFrames } };
  },
  summarize: (summary, records) => [lengthTable(summary, records), fitTable({ title: 'Audio stage cost against seconds heard (least squares over ok trials)', xUnit: 's', fits: audioLengthFits(records) })],
  charts: (_summary, records) => audioLengthCharts(records),
};
