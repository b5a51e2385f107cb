/**
 * Profiler overhead: TTFT of the serial pipeline with the profiler on (scoped spans, the 5 ms
 * RSS poller in its worker, VmHWM reset per stage; what the runner does) against the same
 * requests with it off (only the first-token instant is taken), interleaved in one process so
 * that both see the same machine. Usage:
 *   npx tsx scripts/bench-profiler-overhead.ts [--model small] [--rounds 4] [--manifest PATH]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FIXTURES_DIR } from '../src/paths.js';
import { runStage, type StageRunner } from '../src/stages.js';
import { OmniModel } from '../src/model/omni-model.js';
import { ensureModel } from '../src/model/builder/cache.js';
import { createTracker } from '../src/profiler/tracker.js';
import { MemoryPoller } from '../src/profiler/memory-poller.js';
import { resetPeakRss, withPeakRss } from '../src/profiler/vmhwm.js';
import { computeStatistics } from '../src/profiler/stats.js';
import { loadSamples, realMedia } from '../src/runner/real-env.js';
import { runSerialRequest } from '../src/runner/pipeline.js';
import { defaultCommonOptions } from '../src/specs/common-options.js';
import type { BenchSample } from '../src/runner/types.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'small' },
    rounds: { type: 'string', default: '4' },
    manifest: { type: 'string', default: join(FIXTURES_DIR, 'datasets', 'video-mme', 'manifest-1q.csv') },
    'mem-interval-ms': { type: 'string', default: '5' },
  },
});
const rounds = Number(values.rounds);
const intervalMs = Number(values['mem-interval-ms']);

const model = await OmniModel.load(await ensureModel(values.model ?? 'small'));
const { samples } = await loadSamples([values.manifest ?? ''], { ...defaultCommonOptions(), specOptions: {} });

/** TTFT of one request, ms: request start to the end of the first_token stage. */
async function ttft(sample: BenchSample, profiled: boolean): Promise<number> {
  let firstTokenAt = Number.NaN;
  const markFirst = (inner: StageRunner): StageRunner => async (name, fn, info) => {
    const value = await inner(name, fn, info);
    if (name === 'first_token') firstTokenAt = performance.now();
    return value;
  };
  let stage: StageRunner = markFirst(runStage);
  let poller: MemoryPoller | undefined;
  if (profiled) {
    poller = new MemoryPoller({ intervalMs });
    await poller.start();
    resetPeakRss();
    stage = markFirst(withPeakRss(createTracker('main').stage, () => undefined));
  }
  const start = performance.now();
  await runSerialRequest(sample, { model, media: realMedia, stage }, { maxNewTokens: 1 });
  const ms = firstTokenAt - start;
  await poller?.stop();
  return ms;
}

// One unrecorded request of each sample first (page cache, ORT arenas).
for (const sample of samples) await ttft(sample, false);
const on: number[] = [];
const off: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const sample of samples) {
    // Alternate which goes first, so drift within a pair does not favour one side.
    const first = round % 2 === 0;
    const a = await ttft(sample, first);
    const b = await ttft(sample, !first);
    const [onMs, offMs] = first ? [a, b] : [b, a];
    on.push(onMs);
    off.push(offMs);
    ratios.push(onMs / offMs);
  }
}
await model.release();
const [sOn, sOff, sRatio] = [on, off, ratios].map((v) => computeStatistics(v as [number, ...number[]]));
const pct = (x: number): string => `${((x - 1) * 100).toFixed(2)}%`;
process.stdout.write(
  [
    `model ${values.model}, ${samples.length} samples x ${rounds} rounds, poller ${intervalMs} ms`,
    `TTFT profiled   p50 ${sOn!.p50.toFixed(1)} ms, mean ${sOn!.mean.toFixed(1)} ms (n ${sOn!.n})`,
    `TTFT unprofiled p50 ${sOff!.p50.toFixed(1)} ms, mean ${sOff!.mean.toFixed(1)} ms (n ${sOff!.n})`,
    `overhead: median of paired ratios ${pct(sRatio!.p50)} (95% CI of mean ratio ${pct(sRatio!.ci95Low)} .. ${pct(sRatio!.ci95High)}); ratio of means ${pct(sOn!.mean / sOff!.mean)}`,
    '',
  ].join('\n'),
);
