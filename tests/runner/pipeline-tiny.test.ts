import { describe, it, expect } from 'vitest';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpec } from '../../src/runner/run.js';
import { loadRealModel, loadSamples, realMedia } from '../../src/runner/real-env.js';
import { profilerInstruments } from '../../src/runner/instruments.js';
import { ttftBreakdown } from '../../src/specs/ttft-breakdown.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';
import { writeOutputs } from '../../src/report/outputs.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { TTFT_STAGES } from '../../src/stages.js';
import { writeFixtureManifest } from './helpers/fixture-manifest.js';

describe('serial pipeline on the tiny preset with fixture media', () => {
  it('spans explain >= 98% of TTFT, every modality mix runs, and the writers get every file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'omni-bench-tiny-'));
    const options: SpecRunOptions = {
      ...defaultCommonOptions(),
      model: 'tiny',
      repeats: 2,
      warmup: 1,
      maxNewTokens: 3,
      out,
      specOptions: { audioPadding: 'pad-features', audioInVideo: true },
    };
    const { samples, invalid } = await loadSamples([writeFixtureManifest()], options);
    expect(samples.map((s) => s.sampleId)).toEqual(['va', 'v', 'a']);
    expect(invalid).toHaveLength(1);
    const outcome = await runSpec(
      { spec: ttftBreakdown, options, samples, invalid, outDir: out, existing: [], isolation: 'none' },
      { loadModel: () => loadRealModel(options), media: realMedia, instruments: profilerInstruments() },
    );
    const ok = outcome.records.filter((r) => r.status === 'ok');
    expect(ok).toHaveLength(6);
    const errors = outcome.records.filter((r) => r.status === 'error');
    expect(errors.map((r) => r.sampleId)).toEqual(['missing']);
    // The breakdown the table reports (means over trials): other <= 2% of TTFT, overall and per
    // sample. A single trial gets a looser bound: on a shared 2-core machine one preemption between
    // two stages of a 70 ms request is already 1%.
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const share = (rs: typeof ok): number => mean(rs.map((r) => r.measures.otherMs!)) / mean(rs.map((r) => r.measures.ttftMs!));
    expect(share(ok)).toBeLessThanOrEqual(0.02);
    for (const id of ['va', 'v', 'a']) expect(share(ok.filter((r) => r.sampleId === id)), id).toBeLessThanOrEqual(0.02);
    for (const r of ok) {
      const { ttftMs, otherMs } = r.measures;
      expect(ttftMs).toBeGreaterThan(0);
      expect(otherMs! / ttftMs!, `${r.sampleId}: other ${otherMs} of ${ttftMs} ms`).toBeLessThanOrEqual(0.05);
      const explained = TTFT_STAGES.reduce((a, s) => a + (r.measures.stageMs[s] ?? 0), 0);
      expect(explained + otherMs!).toBeCloseTo(ttftMs!, 6);
      expect(r.measures.rssPeakMb).toBeGreaterThan(0);
      if (process.platform === 'linux') {
        expect(r.measures.stageVmhwmPeakMb.prefill, 'per-stage VmHWM').toBeGreaterThan(0);
        expect(r.measures.vmhwmPeakMb).toBeGreaterThanOrEqual(r.measures.stageVmhwmPeakMb.prefill!);
      }
      expect(r.measures.outputTokens).toBeGreaterThanOrEqual(1);
    }
    const va = ok.find((r) => r.sampleId === 'va')!;
    for (const s of TTFT_STAGES) expect(va.measures.stageMs[s], s).toBeGreaterThan(0);
    expect(va.measures.audioTokens).toBe(100); // 4 s of audio -> 25 tokens/s
    expect(va.measures.videoTokens).toBeGreaterThan(0);
    const v = ok.find((r) => r.sampleId === 'v')!;
    expect(v.measures.stageMs.audio_encoder).toBe(0);
    expect(v.measures.audioTokens).toBe(0);
    const a = ok.find((r) => r.sampleId === 'a')!;
    expect(a.measures.stageMs.vision_encoder).toBe(0);
    expect(a.measures.correct).toBeNull();
    expect(outcome.model?.loadMs).toBeGreaterThan(0);

    const result = await writeOutputs(out, { spec: ttftBreakdown.name, records: outcome.records, complete: true, timeline: { spans: outcome.spans, memory: outcome.memory } });
    expect(result.failures).toEqual([]);
    for (const f of ['records.csv', 'summary.csv', 'summary.json', 'summary.md', 'trace.json', 'charts/ttft_breakdown.png', 'charts/stage_shares.png', 'charts/memory.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readRecordsCsv(join(out, 'records.csv')).records).toHaveLength(7);
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')) as { traceEvents: { name: string; ph: string }[] };
    expect(trace.traceEvents.some((e) => e.name === 'prefill' && e.ph === 'X')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'C')).toBe(true);
  });
});
