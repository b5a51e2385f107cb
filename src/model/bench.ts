/**
 * `model bench`: each component on the reference request (flops.ts referenceRequest: 10 s of
 * audio, 20 frames of 392x280, the prompt they imply), plus prefill at 1,000 and 2,000 tokens
 * and decode at a 2,000-token context, with warmup and repeats. Records hold raw samples;
 * medians, GFLOP/s and % of the calibrated MatMul peak are derived when reported.
 */
import type { Tensor } from 'onnxruntime-node';
import * as ort from 'onnxruntime-node';
import { decoderFlops, speechFlops, visionFlops } from './flops.js';
import type { ComponentName } from './genai-config.js';
import { calibrateMatMul, overPeakWarning, type CalibrationWarning, type MatMulCalibration } from './calibrate.js';
import { OmniModel } from './omni-model.js';
import { pseudoRandom, referenceInputs, referenceMessages, referenceParts } from './reference-request.js';
import type { KvCache } from './types.js';
import { median } from '../profiler/stats.js';
import { achievedGflops, peakShare } from '../profiler/roofline.js';

/** Options of {@link benchModel}. */
export interface ModelBenchOptions {
  /** Intra-op threads for the sessions and the calibration. Default: ONNX Runtime's choice. */
  threads?: number;
  /** Unrecorded runs per row. Default 1. */
  warmup?: number;
  /** Recorded runs per row. Default 5. */
  repeats?: number;
  /** Execution provider. Default `cpu`. */
  executionProvider?: string;
  /** Progress lines (stderr in the CLI). */
  onProgress?: (message: string) => void;
}

/** One measured row: raw samples and the FLOPs of one run. */
export interface BenchRow {
  /** Stable id: speech, vision, embedding, prefill_reference, prefill_1000, prefill_2000, decode_2000. */
  id: string;
  component: ComponentName;
  /** What was run, for the table. */
  input: string;
  /** FLOPs of one run (flops.ts); null for the embedding (a gather). */
  flops: number | null;
  /** Wall time of each recorded run, ms. */
  samplesMs: number[];
}

/** Everything `model bench` measured. */
export interface ModelBenchResult {
  dir: string;
  threads: number | null;
  executionProvider: string;
  warmup: number;
  repeats: number;
  loadMs: number;
  /** Tokens of the reference prompt as the chat template builds it. */
  referencePromptTokens: number;
  calibration: MatMulCalibration;
  rows: BenchRow[];
}

/** A row with its derived figures. */
export interface BenchSummaryRow extends BenchRow {
  medianMs: number;
  minMs: number;
  gflopPerSecond: number | null;
  /** Achieved GFLOP/s over the calibrated MatMul peak, %. */
  percentOfPeak: number | null;
}

export { median, pseudoRandom };

/** Derives median, GFLOP/s and % of peak per row. */
export function summarizeBench(result: ModelBenchResult): BenchSummaryRow[] {
  return result.rows.map((row) => {
    const medianMs = median(row.samplesMs);
    const gflopPerSecond = row.flops === null ? null : achievedGflops(row.flops, medianMs);
    return {
      ...row,
      medianMs,
      minMs: row.samplesMs.reduce((a, b) => Math.min(a, b), Infinity),
      gflopPerSecond,
      percentOfPeak: gflopPerSecond === null ? null : peakShare(gflopPerSecond, result.calibration.peakGflops),
    };
  });
}

/**
 * Warnings about the result: the calibration's own (bursts too far apart) and one per stage
 * above 100% of the peak (the peak was measured low).
 */
export function benchWarnings(result: ModelBenchResult, summary: readonly BenchSummaryRow[] = summarizeBench(result)): CalibrationWarning[] {
  const warnings = [...result.calibration.warnings];
  for (const row of summary) {
    const w = row.percentOfPeak === null ? undefined : overPeakWarning(row.id, row.percentOfPeak);
    if (w) warnings.push(w);
  }
  return warnings;
}

/** Sequential text positions [3, S] from `start`. */
function textPositions(length: number, start = 0): Int32Array {
  const p = new Int32Array(3 * length);
  for (let r = 0; r < 3; r++) for (let i = 0; i < length; i++) p[r * length + i] = start + i;
  return p;
}

async function measure(warmup: number, repeats: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Runs the benchmark on the model directory `dir`. */
export async function benchModel(dir: string, options: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const warmup = options.warmup ?? 1;
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`warmup must be an integer >= 0, got ${warmup}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be an integer >= 1, got ${repeats}`);
  const progress = options.onProgress ?? ((): void => {});
  const model = await OmniModel.load(dir, {
    ...(options.executionProvider !== undefined ? { executionProvider: options.executionProvider } : {}),
    ...(options.threads !== undefined ? { intraOpThreads: options.threads } : {}),
  });
  // The provider the decoder runs on: the caller's, else genai_config.json's, else cpu; the calibration uses the same.
  const ep = model.sessionOptionsUsed.decoder?.executionProvider ?? 'cpu';
  try {
    const config = model.config;
    const H = model.hiddenSize;
    // The reference request's inputs, as module-profile runs them (reference-request.ts).
    const v = config.model.vision;
    const sp = config.model.speech;
    // The parts of the reference request the family takes: Qwen2.5-VL the video, phi4mm the audio.
    const parts = referenceParts(model);
    const ref = referenceInputs({ melBins: sp?.num_mel_bins ?? 128, patchDim: v ? 3 * v.temporal_patch_size * v.patch_size * v.patch_size : 1176 });
    const { mel, patches, grid } = ref;
    const rows: BenchRow[] = [];
    const run = async (row: Omit<BenchRow, 'samplesMs'>, fn: () => Promise<unknown>): Promise<void> => {
      progress(`${row.id}: ${row.input}`);
      rows.push({ ...row, samplesMs: await measure(warmup, repeats, fn) });
    };

    if (parts.audio) {
      await run({ id: 'speech', component: 'speech', input: `${mel.frames / 100} s audio (${mel.frames} mel frames)`, flops: speechFlops(config, mel.frames) }, () =>
        model.encodeAudio(mel),
      );
    }
    if (parts.video) {
      await run({ id: 'vision', component: 'vision', input: `${ref.frames} frames ${grid[2] * 14}x${grid[1] * 14} (grid ${grid.join('x')})`, flops: visionFlops(config, grid) }, () =>
        model.encodeVision(patches),
      );
    }

    // The reference prompt: the video with its audio interleaved (use_audio_in_video) and a question.
    const audio = parts.audio ? await model.encodeAudio(mel) : undefined;
    const video = parts.video ? await model.encodeVision(patches) : undefined;
    const messages = referenceMessages(audio, video, grid);
    const prompt = model.buildPrompt(messages);
    const S = prompt.ids.length;
    await run({ id: 'embedding', component: 'embedding', input: `reference prompt (${S} tokens)`, flops: null }, () =>
      model.embed(prompt.ids, prompt.imageFeatures, prompt.audioFeatures),
    );
    const embeds = await model.embed(prompt.ids, prompt.imageFeatures, prompt.audioFeatures);
    await run({ id: 'prefill_reference', component: 'decoder', input: `prefill, reference prompt (${S} tokens)`, flops: decoderFlops(config, S, 0) }, () =>
      model.prefill(embeds, prompt.positionIds),
    );

    let past2000: KvCache | undefined;
    for (const tokens of [1000, 2000]) {
      const random: Tensor = new ort.Tensor('float32', pseudoRandom(tokens * H, 0.05, 3), [1, tokens, H]);
      const positions = textPositions(tokens);
      await run({ id: `prefill_${tokens}`, component: 'decoder', input: `prefill, ${tokens} tokens (random embeds)`, flops: decoderFlops(config, tokens, 0) }, () =>
        model.prefill(random, positions),
      );
      if (tokens === 2000) past2000 = (await model.prefill(random, positions)).past;
    }
    const past = past2000 as KvCache;
    await run({ id: 'decode_2000', component: 'decoder', input: `decode 1 token at ${past.length} context (ms/token)`, flops: decoderFlops(config, 1, past.length) }, () =>
      model.decodeStep(0, past, past.length),
    );

    progress(`calibrating fp32 MatMul (${options.threads ?? 'default'} threads)`);
    const calibration = await calibrateMatMul({ executionProvider: ep, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
    return {
      dir: model.dir,
      threads: options.threads ?? null,
      executionProvider: ep,
      warmup,
      repeats,
      loadMs: model.loadMs,
      referencePromptTokens: S,
      calibration,
      rows,
    };
  } finally {
    await model.release();
  }
}

