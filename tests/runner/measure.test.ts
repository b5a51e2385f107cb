import { describe, expect, it } from 'vitest';
import type { Span } from '../../src/profiler/types.js';
import { measureTrial, type TrialMeasurement } from '../../src/runner/measure.js';
import type { TrialOutput } from '../../src/specs/spec.js';
import { stageTrack } from '../../src/stages.js';

const T = 1000; // request start, epoch ms

/** A top-level span on its stage's track at T + start .. T + end, with CPU readings. */
const span = (name: string, start: number, end: number, cpu?: [number, number]): Span => ({
  name,
  startMs: T + start,
  endMs: T + end,
  depth: 0,
  track: stageTrack(name),
  ...(cpu ? { cpu } : {}),
});

const output: TrialOutput = {
  result: { ids: [1, 2, 3], text: 'B', firstTokenLogits: new Float32Array(1), promptTokens: { text: 1, audio: 0, video: 0, image: 0, total: 1 }, stopReason: 'eos' },
};

function trial(spans: Span[], over: Partial<TrialMeasurement> = {}): TrialMeasurement {
  return { spans, startMs: T, endMs: T + 200, output, startCpuMs: 500, modelLoadMs: null, ...over };
}

/** Serial stages with a 2 ms gap before the prompt, after a span left from the previous trial. */
const serial = (): Span[] => [
  span('audio_encoder', -100, -50),
  span('audio_decode', 0, 10, [500, 512]),
  span('audio_features', 10, 15, [512, 517]),
  span('video_decode', 15, 45, [517, 560]),
  span('vision_preprocess', 45, 50, [560, 565]),
  span('audio_encoder', 50, 70, [565, 625]),
  span('vision_encoder', 70, 100, [625, 710]),
  span('prompt', 102, 104, [711, 713]),
  span('embed', 104, 106, [713, 715]),
  span('prefill', 106, 150, [715, 840]),
  span('first_token', 150, 152, [840, 842]),
  span('decode', 152, 200, [842, 960]),
];

/** Both branches at once: audio 0-50 beside vision 0-90, then the main track to 137. */
const parallel = (): Span[] => [
  span('audio_decode', 0, 10, [500, 520]),
  span('video_decode', 0, 30, [500, 560]),
  span('audio_features', 10, 20, [520, 540]),
  span('audio_encoder', 20, 50, [540, 640]),
  span('vision_preprocess', 30, 40, [560, 580]),
  span('vision_encoder', 40, 90, [640, 760]),
  span('prompt', 90, 92, [760, 762]),
  span('embed', 92, 95, [762, 765]),
  span('prefill', 95, 135, [765, 895]),
  span('first_token', 135, 137, [895, 900]),
  span('decode', 137, 180, [900, 990]),
];

describe('measureTrial concurrency columns', () => {
  it('fills branch times, overlap 0, the critical path and branch CPU for a serial trial', () => {
    const m = measureTrial(trial(serial()));
    expect(m.ttftMs).toBe(152);
    expect(m.otherMs).toBe(2);
    expect(m.stageMs.audio_encoder).toBe(20);
    expect([m.audioBranchMs, m.visionBranchMs, m.overlapMs, m.criticalPathMs]).toEqual([35, 65, 0, 115]);
    // CPU of the trial's own spans only: the earlier trial's audio_encoder (no readings) is outside the window.
    expect([m.audioBranchCpuMs, m.visionBranchCpuMs]).toEqual([12 + 5 + 60, 43 + 5 + 85]);
    expect(m.ttftCpuMs).toBe(842 - 500);
  });

  it('fills overlap and the critical path of parallel branches, and leaves their CPU empty', () => {
    const m = measureTrial(trial(parallel()));
    expect(m.ttftMs).toBe(137);
    expect(m.otherMs).toBe(0);
    expect([m.audioBranchMs, m.visionBranchMs, m.overlapMs, m.criticalPathMs]).toEqual([50, 90, 50, 137]);
    expect([m.audioBranchCpuMs, m.visionBranchCpuMs]).toEqual([null, null]);
    expect(m.ttftCpuMs).toBe(400);
  });

  it('leaves ttft_cpu_ms empty without a CPU reading at request start, or when first_token has none', () => {
    expect(measureTrial(trial(parallel(), { startCpuMs: undefined })).ttftCpuMs).toBeNull();
    const noCpu = parallel().map(({ cpu: _cpu, ...s }) => s);
    const m = measureTrial(trial(noCpu));
    expect([m.ttftCpuMs, m.audioBranchCpuMs, m.visionBranchCpuMs]).toEqual([null, null, null]);
    expect(m.criticalPathMs).toBe(137);
  });

  it('leaves every concurrency column empty on a trial that failed', () => {
    const { output: _output, ...failed } = trial(parallel());
    const m = measureTrial(failed);
    expect(m.stageMs.audio_encoder).toBe(30);
    expect([m.audioBranchMs, m.visionBranchMs, m.overlapMs, m.criticalPathMs, m.audioBranchCpuMs, m.visionBranchCpuMs, m.ttftCpuMs]).toEqual([null, null, null, null, null, null, null]);
  });
});
