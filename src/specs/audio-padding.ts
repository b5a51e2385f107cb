/**
 * `audio-padding`: what padding audio to a fixed chunk costs. Each sample's real audio is
 * trimmed or looped to each of --audio-seconds, and run three ways: `pad-features` (the
 * Qwen2.5-Omni processor: features padded to the chunk, padding stripped by the mask before the
 * encoder; the reference), `pad-all` (features padded and the encoder run over every padded
 * frame, as Whisper does) and `dynamic` (the dynamic-padding middleware: features and encoder for
 * the real length only). The LLM sees only the real audio's tokens in every mode.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { loadProcessorConfig, QWEN_OMNI_PROCESSOR_CONFIG } from '../model/processor-config.js';
import { FIXTURES_DIR } from '../paths.js';
import { formatMs, type TextTable } from '../report/format.js';
import type { Summary, VariantSummary } from '../report/summary.js';
import { lineChart, type Series, type SpecChart } from '../report/sweep-charts.js';
import { runSerialRequest, type AudioPadding } from '../runner/pipeline.js';
import type { PlannedTrial, Spec, SpecRunOptions } from './spec.js';

/** Default --audio-seconds. */
export const DEFAULT_AUDIO_SECONDS = [1, 2, 5, 10, 30, 60];

/** The three modes, the reference first. */
const MODES = ['pad-features', 'pad-all', 'dynamic'] as const;

function positiveSeconds(flag: string, raw: string): number {
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} '${raw}': expected seconds > 0`);
  return value;
}

/** --audio-seconds as numbers (a comma-separated list). */
export function audioSecondsOf(options: SpecRunOptions): number[] {
  const raw = options.specOptions['audioSeconds'];
  if (raw === undefined) return DEFAULT_AUDIO_SECONDS;
  return [...new Set(String(raw).split(',').map((s) => positiveSeconds('--audio-seconds', s)))];
}

/**
 * The chunk features are padded to: --chunk-seconds, else the model's processor config
 * (`chunk_length`: 300 s for Qwen2.5-Omni and the reference presets).
 */
export function chunkSecondsOf(options: SpecRunOptions): number {
  const raw = options.specOptions['chunkSeconds'];
  if (raw !== undefined) return positiveSeconds('--chunk-seconds', String(raw));
  if (existsSync(options.model) && statSync(options.model).isDirectory()) return loadProcessorConfig(options.model).config.chunk_length;
  return QWEN_OMNI_PROCESSOR_CONFIG.chunk_length;
}

/** Every sample at every length, per variant and repeat (repeat-major). */
function plan(input: Parameters<Spec['plan']>[0]): PlannedTrial[] {
  const seconds = audioSecondsOf(input.options);
  const chunk = chunkSecondsOf(input.options);
  const trials: PlannedTrial[] = [];
  for (const variant of input.variants) {
    for (let repeat = 0; repeat < input.options.repeats; repeat++) {
      for (const sample of input.samples) {
        for (const audioS of seconds) {
          trials.push({ dataset: sample.dataset, sampleId: sample.sampleId, variant: variant.name, repeat, turn: 0, params: { audio_s: audioS, chunk_s: chunk }, sample });
        }
      }
    }
  }
  return trials;
}

const audioMs = (v: VariantSummary | undefined): number | undefined => {
  if (!v) return undefined;
  const f = v.metrics['audio_features_ms']?.mean;
  const e = v.metrics['audio_encoder_ms']?.mean;
  return f === undefined || e === undefined ? undefined : f + e;
};

/**
 * Per length and mode: the audio stage (features + encoder) ms, the encoder's frames, and the
 * speed-up of each mode over the others with the ideal ratio the frames predict.
 */
function paddingTable(summary: Summary): TextTable {
  const header = ['audio s', 'chunk s', 'mode', 'n', 'features ms', 'encoder ms', 'audio stage ms', 'encoder frames', 'vs pad-all (ideal)', 'vs pad-features', 'TTFT ms'];
  const rows: string[][] = [];
  // Error records of invalid manifest rows have no sweep point: the errors table lists them.
  const swept = summary.variants.filter((v) => v.params['audio_s'] !== undefined);
  const points = [...new Map(swept.map((v) => [JSON.stringify([v.params['audio_s'], v.params['chunk_s']]), v.params])).values()];
  points.sort((a, b) => Number(a['audio_s']) - Number(b['audio_s']));
  for (const p of points) {
    const at = (mode: string): VariantSummary | undefined => summary.variants.find((v) => v.variant === mode && v.params['audio_s'] === p['audio_s'] && v.params['chunk_s'] === p['chunk_s']);
    const padAll = at('pad-all');
    const padFeatures = at('pad-features');
    for (const mode of MODES) {
      const v = at(mode);
      if (!v) continue;
      const ms = audioMs(v);
      const frames = v.metrics['encoder_frames']?.mean;
      const allFrames = padAll?.metrics['encoder_frames']?.mean;
      const ratio = (base: number | undefined): string => (base !== undefined && ms !== undefined && ms > 0 ? `${(base / ms).toFixed(1)}x` : '-');
      const ideal = allFrames !== undefined && frames !== undefined && frames > 0 ? ` (${(allFrames / frames).toFixed(1)}x)` : '';
      rows.push([
        String(p['audio_s']),
        String(p['chunk_s']),
        mode,
        String(v.metrics['ttft_ms']?.n ?? 0),
        formatMs(v.metrics['audio_features_ms']?.mean),
        formatMs(v.metrics['audio_encoder_ms']?.mean),
        formatMs(ms),
        frames === undefined ? '-' : String(Math.round(frames)),
        `${ratio(audioMs(padAll))}${ideal}`,
        ratio(audioMs(padFeatures)),
        formatMs(v.metrics['ttft_ms']?.mean),
      ]);
    }
  }
  return { title: 'Audio stage per length and mode (mean over ok trials; "vs X" = X ms / this mode ms; ideal = pad-all frames / this mode\'s encoder frames)', header, rows };
}

/** Audio stage ms against seconds per mode, with the ideal (pad-all's ms scaled by encoder frames) dashed; memory growth against seconds. */
function paddingCharts(summary: Summary): SpecChart[] {
  const seconds = (v: VariantSummary): number => Number(v.params['audio_s']);
  const byMode = (mode: string): VariantSummary[] => summary.variants.filter((v) => v.variant === mode && v.params['audio_s'] !== undefined).sort((a, b) => seconds(a) - seconds(b));
  const padAll = new Map(byMode('pad-all').map((v) => [seconds(v), v]));
  const series: Series[] = [];
  for (const mode of MODES) {
    const groups = byMode(mode);
    series.push({ label: mode, points: groups.flatMap((v) => (audioMs(v) === undefined ? [] : [[seconds(v), audioMs(v) as number] as const])) });
    if (mode === 'pad-all') continue;
    const ideal = groups.flatMap((v) => {
      const all = padAll.get(seconds(v));
      const allMs = audioMs(all);
      const frames = v.metrics['encoder_frames']?.mean;
      const allFrames = all?.metrics['encoder_frames']?.mean;
      return allMs === undefined || !frames || !allFrames ? [] : [[seconds(v), (allMs * frames) / allFrames] as const];
    });
    if (ideal.length > 0) series.push({ label: `${mode} ideal (pad-all x frames ratio)`, points: ideal, dashed: true });
  }
  const memory: Series[] = MODES.map((mode) => ({
    label: mode,
    points: byMode(mode).flatMap((v) => {
      const mb = v.metrics['rss_poll_growth_mb']?.mean;
      return mb === undefined ? [] : [[seconds(v), mb] as const];
    }),
  }));
  return [
    { file: 'audio_stage.png', config: lineChart({ title: 'Audio stage (features + encoder) against audio length', xLabel: 'audio s', yLabel: 'ms (mean)', series, logX: true }) },
    { file: 'audio_memory.png', config: lineChart({ title: 'RSS growth over the request start against audio length (rss-poll)', xLabel: 'audio s', yLabel: 'MB (mean)', series: memory, logX: true }) },
  ];
}

/** The audio-padding spec. */
export const audioPadding: Spec = {
  name: 'audio-padding',
  description: 'audio padded to the processor chunk (pad-all, pad-features) against dynamic padding, at each audio length',
  defaultManifests: [join(FIXTURES_DIR, 'datasets', 'audiocaps', 'manifest.csv')],
  defaultMaxNewTokens: 4,
  options: [
    { flags: '--audio-seconds <list>', key: 'audioSeconds', description: 'audio lengths to test, seconds (each sample trimmed or looped to each)', defaultValue: DEFAULT_AUDIO_SECONDS.join(',') },
    { flags: '--chunk-seconds <s>', key: 'chunkSeconds', description: "the chunk features are padded to (default: the model's processor config, 300 s for Qwen2.5-Omni; 30 reproduces Whisper)" },
  ],
  // Memory is compared across modes: each in a fresh process, so no arena carries over.
  requires: { audio: true, whisperFeatures: true },
  defaultIsolation: 'process',
  reference: 'pad-features',
  parameters: ['audio_s', 'chunk_s'],
  variants: () => [
    { name: 'pad-features', description: 'Qwen2.5-Omni processor: features padded to the chunk, the mask strips the padding before the encoder', settings: { audioPadding: 'pad-features' } },
    { name: 'pad-all', description: 'Whisper style: features padded to the chunk and the encoder run over every padded frame', settings: { audioPadding: 'pad-all' } },
    { name: 'dynamic', description: 'dynamic-padding middleware: features and encoder for the real length only', settings: { audioPadding: 'pad-features' }, middleware: ['dynamic-padding'] },
  ],
  plan,
  async run(ctx) {
    const audioSeconds = Number(ctx.key.params?.['audio_s']);
    const chunkSeconds = Number(ctx.key.params?.['chunk_s']);
    const padding = ctx.variant.settings['audioPadding'] as AudioPadding;
    const { result, media, work, mel } = await runSerialRequest(
      ctx.sample,
      { model: ctx.model, media: ctx.media, stage: ctx.stage, schedule: ctx.schedule },
      { maxNewTokens: ctx.options.maxNewTokens, audioPadding: padding, audioSeconds, chunkSeconds, audioOnly: true },
    );
    if (!mel) throw new UsageError(`${ctx.sample.audioPath ?? ctx.sample.videoPath ?? ctx.sample.sampleId}: no audio to pad (audio-padding needs samples with sound)`);
    // Frames the encoder ran on; the dynamic-padding middleware reports its own.
    const encoderFrames = padding === 'pad-all' ? mel.frames : mel.validFrames;
    return { result, media, work, audioFeatures: mel, measures: { encoderFrames } };
  },
  summarize: (summary) => [paddingTable(summary)],
  charts: (summary) => paddingCharts(summary),
};
