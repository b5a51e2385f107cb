/**
 * How the encode middleware's thread split and ONNX Runtime's spinning change the media stages
 * of one request (decode, features, patches, both encoders; no LLM): serial against parallel
 * and streaming at 1+1, 1+2 and 2+2 intra-op threads, interleaved, median of `ROUNDS` rounds,
 * as a ratio to serial measured in the same rounds. The data behind defaultBranchThreads and
 * the non-spinning worker pools (docs/middleware.md).
 *
 *   npm run bench:branch-threads -- [video] [--spin]     (default: the 10 s fixture video, no spinning)
 */
import { ensureModel } from '../src/model/builder/cache.js';
import { OmniModel } from '../src/model/omni-model.js';
import { createEncodeWorkers } from '../src/middleware/encode-workers.js';
import type { Schedule, Stack } from '../src/middleware/types.js';
import { realMedia } from '../src/runner/real-env.js';
import { encodeRequestMedia } from '../src/runner/pipeline.js';
import { median } from '../src/profiler/stats.js';
import { runStage } from '../src/stages.js';

const ROUNDS = 4;
const args = process.argv.slice(2);
const spin = args.includes('--spin');
const video = args.find((a) => !a.startsWith('--')) ?? 'fixtures/media/v03_640x360_h264_aac_10s.mp4';

const model = await OmniModel.load(await ensureModel('small'));
const configs: [Exclude<Schedule, 'serial'>, number, number][] = [
  ['parallel', 1, 1],
  ['parallel', 1, 2],
  ['parallel', 2, 2],
  ['streaming', 1, 1],
  ['streaming', 1, 2],
  ['streaming', 2, 2],
];
const variants = configs.map(([schedule, audio, vision]) => {
  const middleware = createEncodeWorkers({ schedule, threads: { audio, vision }, spinning: spin });
  const stack = middleware.wrap({ model, media: realMedia });
  return { name: `${schedule} ${audio}+${vision}`, middleware, stack };
});
const sample = { sampleId: 'bench', dataset: 'bench', prompt: '', videoPath: video };
const times = new Map<string, number[]>();
async function once(name: string, stack: Stack): Promise<void> {
  const started = performance.now();
  await encodeRequestMedia(sample, { model: stack.model, media: stack.media, stage: runStage, schedule: stack.schedule ?? 'serial' }, {});
  if (name !== 'warmup') times.set(name, [...(times.get(name) ?? []), performance.now() - started]);
}
const serial: Stack = { model, media: realMedia };
await once('warmup', serial);
for (const v of variants) await once('warmup', v.stack);
for (let round = 0; round < ROUNDS; round++) {
  await once('serial', serial);
  for (const v of variants) await once(v.name, v.stack);
}
const base = median(times.get('serial') ?? []);
console.log(`media stages of ${video}, small preset, median of ${ROUNDS} interleaved rounds, worker pools ${spin ? 'spinning (ORT default)' : 'not spinning (the middleware default)'}`);
for (const [name, values] of times) console.log(`${name.padEnd(16)} ${median(values).toFixed(0).padStart(6)} ms  ${(median(values) / base).toFixed(2)}x serial`);
for (const v of variants) v.middleware.dispose();
await model.release();
