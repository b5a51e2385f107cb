/**
 * Media pipeline figures (issues 3 and 8): decodeAudio of a 10 s clip; logMel of 30 s (dynamic and
 * max_length, chunk 30 s) against transformers.js' WhisperFeatureExtractor on the same samples in
 * the same run; sampleFrames + patchify of a 10 s 640x360 clip at 2 fps; a 5 s clip's dynamic vs
 * max_length feature cost at Whisper's 30 s chunk and at Qwen2.5-Omni's 300 s chunk. Medians of --runs runs (3x for the 5 s comparison) after a warmup.
 * Usage: node --expose-gc --import tsx scripts/bench-media.ts [--runs N]
 * (--expose-gc lets it collect garbage between timed calls; without it timings are noisier.)
 */
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { FIXTURES_DIR } from '../src/paths.js';
import { decodeAudio } from '../src/media/audio.js';
import { logMel } from '../src/media/mel.js';
import { sampleFrames } from '../src/media/frames.js';
import { patchify } from '../src/media/patchify.js';

const media = (name: string): string => join(FIXTURES_DIR, 'media', name);

function parseRuns(argv: string[]): number {
  const i = argv.indexOf('--runs');
  const n = i >= 0 ? Number(argv[i + 1]) : 15;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--runs must be a positive integer, got ${argv[i + 1]}`);
  return n;
}

interface Timing {
  label: string;
  ms: number[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const collect = (globalThis as { gc?: () => void }).gc;

/** Wall time of one call; the heap is collected first (outside the timing) so no call pays for another's garbage. */
async function time(fn: () => unknown): Promise<number> {
  collect?.();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Deterministic 30 s speech-like test signal (harmonics under a syllable envelope, plus noise). */
function testSignal(seconds: number): Float32Array {
  const x = new Float32Array(seconds * 16000);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    const t = i / 16000;
    s = (s * 16807) % 2147483647;
    const env = 0.2 + 0.8 * Math.sin(Math.PI * 4 * t) ** 2;
    x[i] = env * (0.3 * Math.sin(2 * Math.PI * 130 * t + 6 * Math.sin(2 * Math.PI * 0.7 * t)) + 0.1 * Math.sin(2 * Math.PI * 1200 * t)) + 0.02 * (s / 2147483647 - 0.5);
  }
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  if (!collect) process.stderr.write('bench-media: run with node --expose-gc for timings free of other calls\' garbage collection\n');
  const fe = new WhisperFeatureExtractor({
    feature_size: 128, sampling_rate: 16000, hop_length: 160, n_fft: 400, chunk_length: 30,
    n_samples: 480000, nb_max_frames: 3000, padding_value: 0, return_attention_mask: true,
  });
  const x30 = testSignal(30);
  const x5 = x30.slice(0, 5 * 16000);
  const reference = async (x: Float32Array): Promise<Float32Array> =>
    ((await fe(x)) as { input_features: { data: Float32Array } }).input_features.data;

  // Equal output first: max abs diff against the reference.
  const diff30 = maxAbsDiff(logMel(x30, { padding: 'max_length', chunkLengthS: 30 }).data, await reference(x30));
  const diff5 = maxAbsDiff(logMel(x5, { padding: 'max_length', chunkLengthS: 30 }).data, await reference(x5));

  const timings: Timing[] = [
    { label: 'decodeAudio 10 s m4a (a04_speechlike_10s.m4a)', ms: [] },
    { label: 'logMel 30 s max_length', ms: [] },
    { label: 'logMel 30 s dynamic', ms: [] },
    { label: 'transformers.js WhisperFeatureExtractor 30 s', ms: [] },
    { label: 'logMel 5 s dynamic', ms: [] },
    { label: 'logMel 5 s max_length (padded to 30 s)', ms: [] },
    { label: 'transformers.js WhisperFeatureExtractor 5 s', ms: [] },
    { label: 'logMel 5 s max_length (padded to 300 s)', ms: [] },
    { label: 'sampleFrames 10 s 640x360 @ 2 fps (v03)', ms: [] },
    { label: 'patchify 20 frames 644x364', ms: [] },
  ];
  const [decode, mel30, dyn30, ref30, dyn5, mel5, ref5, mel5q, sample, patch] = timings as [Timing, Timing, Timing, Timing, Timing, Timing, Timing, Timing, Timing, Timing];
  const whisper = { chunkLengthS: 30 } as const;
  const qwen = { chunkLengthS: 300 } as const;
  let frames = await sampleFrames(media('v03_640x360_h264_aac_10s.mp4'));
  // Warmup; then each phase interleaves its variants so load changes hit them alike.
  await decodeAudio(media('a04_speechlike_10s.m4a'));
  logMel(x30, { padding: 'dynamic', ...whisper });
  logMel(x5, { padding: 'max_length', ...whisper });
  logMel(x5, { padding: 'max_length', ...qwen });
  patchify(frames);
  await reference(x5);
  // Phase 1: ours against transformers.js, interleaved on the same samples.
  for (let r = 0; r < runs; r++) {
    mel30.ms.push(await time(() => logMel(x30, { padding: 'max_length', ...whisper })));
    dyn30.ms.push(await time(() => logMel(x30, { padding: 'dynamic', ...whisper })));
    ref30.ms.push(await time(() => reference(x30)));
    ref5.ms.push(await time(() => reference(x5)));
  }
  // Phase 2: the 5 s clip's two padding modes, interleaved, apart from transformers.js (whose
  // allocations would put its garbage collection inside the short dynamic timings).
  for (let r = 0; r < 3 * runs; r++) {
    dyn5.ms.push(await time(() => logMel(x5, { padding: 'dynamic', ...qwen })));
    mel5.ms.push(await time(() => logMel(x5, { padding: 'max_length', ...whisper })));
    mel5q.ms.push(await time(() => logMel(x5, { padding: 'max_length', ...qwen })));
  }
  // Phase 3: ffmpeg work.
  for (let r = 0; r < runs; r++) {
    decode.ms.push(await time(() => decodeAudio(media('a04_speechlike_10s.m4a'))));
    sample.ms.push(await time(async () => (frames = await sampleFrames(media('v03_640x360_h264_aac_10s.mp4')))));
    patch.ms.push(await time(() => patchify(frames)));
  }

  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`media benchmark: ${runs} runs each (after warmup), ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load}\n\n`);
  for (const t of timings) {
    process.stdout.write(`${t.label.padEnd(50)} median ${median(t.ms).toFixed(1).padStart(7)} ms  (min ${Math.min(...t.ms).toFixed(1)}, max ${Math.max(...t.ms).toFixed(1)})\n`);
  }
  process.stdout.write('\n');
  process.stdout.write(`max |logMel - transformers.js|: 30 s ${diff30.toExponential(2)}, 5 s ${diff5.toExponential(2)}\n`);
  process.stdout.write(`logMel max_length vs transformers.js (30 s): ${(median(ref30.ms) / median(mel30.ms)).toFixed(1)}x faster\n`);
  process.stdout.write(`logMel dynamic vs transformers.js (30 s): ${(median(ref30.ms) / median(dyn30.ms)).toFixed(1)}x faster\n`);
  process.stdout.write(`5 s clip: dynamic ${(median(mel5.ms) / median(dyn5.ms)).toFixed(1)}x cheaper than max_length at 30 s, ${(median(mel5q.ms) / median(dyn5.ms)).toFixed(1)}x at 300 s\n`);
  process.stdout.write(`sampleFrames + patchify (10 s 640x360, 2 fps): ${(median(sample.ms) + median(patch.ms)).toFixed(1)} ms (${frames.frames.length} frames)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-media: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
