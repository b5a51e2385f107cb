/**
 * The ttft-breakdown command wired to the real-time model double (stage times slept, real
 * profiler instruments), run as a child process by the SIGINT/resume test.
 * Usage: node --import tsx double-cli.ts ttft-breakdown [options]
 */
import { Command } from 'commander';
import { addSpecCommand } from '../../../src/commands/specs.js';
import { ttftBreakdown } from '../../../src/specs/ttft-breakdown.js';
import type { SpecEnvironment } from '../../../src/runner/execute.js';
import type { Spec } from '../../../src/specs/spec.js';
import { doubleDeps, doubleSamples } from './model-double.js';

const stageMs = Number(process.env['DOUBLE_STAGE_MS'] ?? '20');
const { deps } = doubleDeps({
  realTime: true,
  times: {
    audio_decode: stageMs,
    audio_features: stageMs,
    video_decode: stageMs,
    vision_preprocess: stageMs,
    audio_encoder: stageMs,
    vision_encoder: stageMs,
    prefill: stageMs,
    decode: 1,
  },
});
const env: SpecEnvironment = {
  loadSamples: async () => ({ samples: doubleSamples(), invalid: [{ sampleId: 'row-9', dataset: 'video-mme', reason: 'manifest.csv row 9: question is empty' }] }),
  loadModel: () => deps.loadModel(),
  media: deps.media,
  instruments: deps.instruments,
};
/** A two-variant spec whose summary compares memory: isolated per process by default. */
const twoVariants: Spec = {
  ...ttftBreakdown,
  name: 'double-variants',
  defaultIsolation: 'process',
  variants: () => [
    { name: 'pad-features', settings: { audioPadding: 'pad-features', audioInVideo: true } },
    { name: 'dynamic', settings: { audioPadding: 'dynamic', audioInVideo: true } },
  ],
};
const program = new Command('omni-bench').exitOverride();
addSpecCommand(program, ttftBreakdown, async () => env);
addSpecCommand(program, twoVariants, async () => env);
process.stderr.write(`ready ${process.pid}\n`);
program.parseAsync(process.argv).then(
  () => {
    process.exitCode ??= 0;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 2;
  },
);
