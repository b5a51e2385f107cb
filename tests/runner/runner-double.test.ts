import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpec } from '../../src/runner/run.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { writeOutputs } from '../../src/report/outputs.js';
import { DEFAULT_TIMES, doubleDeps, doubleSamples } from './helpers/model-double.js';

function options(over: Partial<SpecRunOptions> = {}): SpecRunOptions {
  return { ...defaultCommonOptions(), repeats: 2, warmup: 1, specOptions: { audioPadding: 'pad-features', audioInVideo: true }, ...over };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-runner-'));

describe('runner with a model double (given stage times)', () => {
  it('records exact stage times, TTFT as their sum plus the unspanned gap, and never the warmup', async () => {
    const out = tmp();
    const { deps, calls } = doubleDeps({ gapMs: 1, outputTokens: 4 });
    const outcome = await runSpec(
      { spec: ttftBreakdown, options: options(), samples: doubleSamples(), invalid: [], outDir: out, existing: [], isolation: 'none' },
      deps,
    );
    expect(outcome.interrupted).toBe(false);
    expect(outcome.records).toHaveLength(6); // 3 samples x 2 repeats, warmup not recorded
    // Warmup ran once (first sample: video+audio) before the recorded trials.
    expect(calls.filter((c) => c === 'prefill')).toHaveLength(7);
    const va = outcome.records.find((r) => r.sampleId === 'va' && r.repeat === 0);
    expect(va?.status).toBe('ok');
    const m = va!.measures;
    const ttftStages = ['audio_decode', 'audio_features', 'video_decode', 'vision_preprocess', 'audio_encoder', 'vision_encoder', 'prompt', 'embed', 'prefill', 'first_token'] as const;
    for (const s of ttftStages) expect(m.stageMs[s]).toBe(DEFAULT_TIMES[s]);
    const sum = ttftStages.reduce((a, s) => a + DEFAULT_TIMES[s], 0);
    expect(m.ttftMs).toBe(sum + 1);
    expect(m.otherMs).toBe(1);
    expect(m.stageMs.decode).toBe(3 * DEFAULT_TIMES.decode);
    expect(m.tpotMs).toBe(DEFAULT_TIMES.decode);
    expect(m.totalMs).toBe(sum + 1 + 3 * DEFAULT_TIMES.decode);
    expect(m.outputTokens).toBe(4);
    expect(m.audioTokens).toBe(100); // 4 s of audio -> 400 mel frames -> 100 tokens (double)
    expect(m.videoTokens).toBe(140);
    expect(m.melFrames).toBe(400); // pad-features: the padding is stripped before the encoder
    expect(m.modelLoadMs).toBe(1500);
    expect(m.correct).toBe(true);
    // Video without sound: no audio stages after the decode attempt finds no stream.
    const v = outcome.records.find((r) => r.sampleId === 'v')!;
    expect(v.measures.stageMs.audio_encoder).toBe(0);
    expect(v.measures.stageMs.audio_decode).toBe(DEFAULT_TIMES.audio_decode);
    expect(v.measures.correct).toBe(false); // answered B, expected C
    // Audio only: no vision stages; no options, so not graded.
    const a = outcome.records.find((r) => r.sampleId === 'a')!;
    expect(a.measures.stageMs.video_decode).toBe(0);
    expect(a.measures.correct).toBeNull();
  });

  it('turns a failing sample and an invalid manifest row into error records and goes on', async () => {
    const out = tmp();
    const { deps } = doubleDeps();
    const samples = [...doubleSamples(), { sampleId: 'bad', dataset: 'video-mme', videoPath: '/m/broken.mp4', prompt: 'bad' }];
    const outcome = await runSpec(
      {
        spec: ttftBreakdown,
        options: options({ repeats: 1, warmup: 0 }),
        samples,
        invalid: [{ sampleId: 'row-7', dataset: 'video-mme', reason: "manifest.csv row 7: video_path 'x.mp4' not found" }],
        outDir: out,
        existing: [],
        isolation: 'none',
      },
      deps,
    );
    const errors = outcome.records.filter((r) => r.status === 'error');
    expect(errors.map((r) => r.sampleId).sort()).toEqual(['bad', 'row-7']);
    const bad = errors.find((r) => r.sampleId === 'bad')!;
    expect(bad.status === 'error' && bad.error).toMatch(/moov atom not found/);
    expect(bad.measures.stageMs.audio_decode).toBe(DEFAULT_TIMES.audio_decode); // measured before the failure
    expect(bad.measures.ttftMs).toBeNull();
    expect(outcome.records.filter((r) => r.status === 'ok')).toHaveLength(3);
  });

  it('writes records.csv after every record and every output file at the end', async () => {
    const out = tmp();
    let sizes: number[] = [];
    const { deps } = doubleDeps();
    const base = deps.progress;
    expect(base).toBeUndefined();
    deps.progress = {
      start() {},
      tick() {
        sizes.push(readRecordsCsv(join(out, 'records.csv')).records.length);
      },
      stop() {},
    };
    const outcome = await runSpec(
      { spec: ttftBreakdown, options: options(), samples: doubleSamples(), invalid: [], outDir: out, existing: [], isolation: 'none' },
      deps,
    );
    expect(sizes).toEqual([1, 2, 3, 4, 5, 6]);
    const result = await writeOutputs(out, { spec: 'ttft-breakdown', records: outcome.records, complete: true, timeline: { spans: outcome.spans, memory: [] } });
    expect(result.failures).toEqual([]);
    for (const f of ['records.csv', 'summary.csv', 'summary.json', 'summary.md', 'trace.json', 'charts/ttft_breakdown.png', 'charts/stage_shares.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const baseline = summary.variants[0];
    expect(baseline.metrics.prefill_ms.mean).toBe(DEFAULT_TIMES.prefill);
    expect(baseline.metrics.prefill_ms.n).toBe(6);
    expect(baseline.accuracy).toEqual({ total: 4, answered: 4, correct: 2, accuracy: 0.5 });
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('| prefill |');
    // Round trip: the records read back from records.csv give the same summary.
    const back = readRecordsCsv(join(out, 'records.csv')).records;
    expect(back).toEqual(outcome.records);
  });

  it('resume runs only the keys that have no record', async () => {
    const out = tmp();
    const first = doubleDeps();
    const all = await runSpec(
      { spec: ttftBreakdown, options: options(), samples: doubleSamples(), invalid: [], outDir: out, existing: [], isolation: 'none' },
      first.deps,
    );
    const kept = all.records.filter((r) => !(r.sampleId === 'a' && r.repeat === 1) && !(r.sampleId === 'va' && r.repeat === 0));
    const second = doubleDeps();
    const outcome = await runSpec(
      { spec: ttftBreakdown, options: options(), samples: doubleSamples(), invalid: [], outDir: out, existing: kept, isolation: 'none' },
      second.deps,
    );
    expect(outcome.ran).toBe(2);
    expect(outcome.records).toHaveLength(6);
    const keys = outcome.records.map((r) => `${r.sampleId}|${r.repeat}`);
    expect(new Set(keys).size).toBe(6);
  });

  it('an abort between stages drops the trial in flight and keeps every finished record', async () => {
    const out = tmp();
    const controller = new AbortController();
    let prefills = 0;
    const { deps } = doubleDeps({
      onStage: (stage) => {
        if (stage === 'prefill' && ++prefills === 4) controller.abort(); // warmup + 2 trials done, 3rd in flight
      },
    });
    deps.signal = controller.signal;
    const outcome = await runSpec(
      { spec: ttftBreakdown, options: options(), samples: doubleSamples(), invalid: [], outDir: out, existing: [], isolation: 'none' },
      deps,
    );
    expect(outcome.interrupted).toBe(true);
    expect(outcome.records).toHaveLength(2);
    expect(readRecordsCsv(join(out, 'records.csv')).records).toHaveLength(2);
  });
});
