import { describe, expect, it } from 'vitest';
import { nowMs } from '../../src/profiler/clock.js';
import { createTracker, otherMs, stageTotals } from '../../src/profiler/tracker.js';
import type { Span } from '../../src/profiler/types.js';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

const span = (name: string, startMs: number, endMs: number, depth = 0, track = 'main'): Span => ({
  name,
  startMs,
  endMs,
  depth,
  track,
});

describe('createTracker', () => {
  it('records a span on the shared epoch clock with its name, the tracker\'s track and info', async () => {
    const tracker = createTracker('worker-1');
    const before = nowMs();
    const value = await tracker.track('tokenize', () => {
      busy(5);
      return 42;
    }, { tokens: 7 });
    const after = nowMs();
    expect(value).toBe(42);
    const [s] = tracker.spans();
    expect(s).toMatchObject({ name: 'tokenize', depth: 0, track: 'worker-1', info: { tokens: 7 } });
    expect(s).not.toHaveProperty('cpu');
    expect(s!.startMs).toBeGreaterThanOrEqual(before);
    expect(s!.endMs).toBeLessThanOrEqual(after);
    expect(s!.endMs - s!.startMs).toBeGreaterThanOrEqual(5);
    expect(Math.abs(s!.startMs - Date.now())).toBeLessThan(1000);
  });

  it('gives nested spans depth 1 inside their parent, parents listed first', async () => {
    const tracker = createTracker();
    await tracker.stage('audio_encoder', async () => {
      await tracker.track('conv', () => busy(1));
      await tracker.track('layers', async () => tracker.track('attn', () => busy(1)));
    });
    const spans = tracker.spans();
    expect(spans.map((s) => [s.name, s.depth])).toEqual([
      ['audio_encoder', 0],
      ['conv', 1],
      ['layers', 1],
      ['attn', 2],
    ]);
    const [outer, ...inner] = spans;
    for (const s of inner) {
      expect(s.startMs).toBeGreaterThanOrEqual(outer!.startMs);
      expect(s.endMs).toBeLessThanOrEqual(outer!.endMs);
    }
  });

  it('ends a span whose function throws, marks it failed and rethrows', async () => {
    const tracker = createTracker();
    await expect(tracker.stage('video_decode', () => Promise.reject(new Error('bad mp4')))).rejects.toThrow('bad mp4');
    await expect(tracker.stage('prompt', () => {
      throw new TypeError('sync');
    })).rejects.toThrow(TypeError);
    expect(tracker.spans().map((s) => [s.name, s.failed])).toEqual([
      ['video_decode', true],
      ['prompt', true],
    ]);
  });

  it('keeps stages awaited concurrently both top-level', async () => {
    const tracker = createTracker();
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await Promise.all([tracker.stage('audio_encoder', () => wait(20)), tracker.stage('vision_encoder', () => wait(10))]);
    expect(tracker.spans().map((s) => s.depth)).toEqual([0, 0]);
  });

  it('puts a canonical stage on its stage track (audio_encoder on audio, prefill on main) whatever the tracker\'s label', async () => {
    const tracker = createTracker('worker-1');
    for (const stage of ['audio_decode', 'audio_encoder', 'video_decode', 'vision_preprocess', 'vision_encoder', 'prompt', 'prefill', 'first_token', 'decode'] as const) {
      await tracker.stage(stage, () => undefined);
    }
    expect(Object.fromEntries(tracker.spans().map((s) => [s.name, s.track]))).toEqual({
      audio_decode: 'audio',
      audio_encoder: 'audio',
      video_decode: 'vision',
      vision_preprocess: 'vision',
      vision_encoder: 'vision',
      prompt: 'main',
      prefill: 'main',
      first_token: 'main',
      decode: 'main',
    });
  });

  it('puts a nested span of another name on its enclosing span\'s track', async () => {
    const tracker = createTracker();
    await tracker.stage('vision_encoder', () => tracker.track('patch_embed', () => tracker.track('conv', () => undefined)));
    await tracker.track('glue', () => undefined);
    expect(tracker.spans().map((s) => [s.name, s.depth, s.track])).toEqual([
      ['vision_encoder', 0, 'vision'],
      ['patch_embed', 1, 'vision'],
      ['conv', 2, 'vision'],
      ['glue', 0, 'main'],
    ]);
  });

  it('records the CPU reader\'s readings at span start and end when given one', async () => {
    let reading = 0;
    const tracker = createTracker('main', { cpuMs: () => (reading += 10) });
    await tracker.stage('audio_encoder', () => tracker.track('conv', () => undefined));
    await expect(tracker.stage('prefill', () => Promise.reject(new Error('oom')))).rejects.toThrow('oom');
    // Readings in call order: outer start 10, inner 20 and 30, outer end 40, then 50 and 60.
    expect(tracker.spans().map((s) => [s.name, s.cpu])).toEqual([
      ['audio_encoder', [10, 40]],
      ['conv', [20, 30]],
      ['prefill', [50, 60]],
    ]);
  });

  it('forgets its spans on reset', async () => {
    const tracker = createTracker();
    await tracker.stage('embed', () => undefined);
    tracker.reset();
    expect(tracker.spans()).toEqual([]);
  });
});

describe('stageTotals', () => {
  it('sums a stage entered several times and leaves nested spans out', () => {
    const spans = [
      span('prefill', 0, 10),
      span('attn', 2, 5, 1),
      span('decode', 10, 13),
      span('decode', 13, 17),
      span('decode', 17, 22),
    ];
    expect(stageTotals(spans)).toEqual({ prefill: 10, decode: 12 });
  });

  it('clips spans to the window', () => {
    const spans = [span('audio_decode', 0, 10), span('prefill', 10, 30), span('decode', 40, 50)];
    expect(stageTotals(spans, { from: 5, to: 20 })).toEqual({ audio_decode: 5, prefill: 10 });
  });
});

describe('otherMs', () => {
  it('is TTFT minus the union of top-level spans (parallel tracks not counted twice)', () => {
    const spans = [
      span('audio_encoder', 10, 50, 0, 'worker-1'),
      span('vision_encoder', 20, 60, 0, 'worker-2'),
      span('inner', 20, 30, 1),
      span('prefill', 70, 90),
      span('decode', 100, 200),
    ];
    // union 10..60 and 70..90 = 70 ms of a 100 ms TTFT; decode left out
    expect(otherMs(100, spans)).toBe(30);
  });

  it('clips to [startMs, startMs + ttftMs] when the request start is given', () => {
    const spans = [span('prompt', 5, 15), span('first_token', 15, 40), span('decode', 40, 60)];
    expect(otherMs(40, spans, { startMs: 0 })).toBe(5);
    expect(otherMs(38, spans, { startMs: 2 })).toBe(3);
    expect(otherMs(20, spans, { startMs: 10 })).toBe(0);
  });

  it('is never negative', () => {
    expect(otherMs(5, [span('prefill', 0, 10)])).toBe(0);
  });
});
