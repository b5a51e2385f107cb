import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from '../../src/profiler/clock.js';
import { MemoryPoller } from '../../src/profiler/memory-poller.js';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

let poller: MemoryPoller | undefined;
afterEach(async () => {
  await poller?.stop().catch(() => undefined);
  poller = undefined;
});

describe('MemoryPoller', () => {
  it('keeps sampling from its worker while the main thread is blocked', async () => {
    poller = new MemoryPoller({ intervalMs: 5 });
    await poller.start();
    const from = nowMs();
    busy(300); // like session.run: the main thread's event loop does not turn
    const to = nowMs();
    const { samples, method, intervalMs } = await poller.stop();
    poller = undefined;
    const inside = samples.filter((s) => s.tMs >= from && s.tMs <= to);
    // 60 at 5 ms; a main-thread timer would get none. Shared, loaded cores delay some ticks.
    expect(inside.length, `${inside.length} samples in ${(to - from).toFixed(0)} ms`).toBeGreaterThanOrEqual(20);
    expect(method).toBe('rss-poll');
    expect(intervalMs).toBe(5);
  });

  it('stamps samples on the shared clock, in order, with the process RSS', async () => {
    poller = new MemoryPoller({ intervalMs: 5 });
    const before = nowMs();
    await poller.start();
    await new Promise((r) => setTimeout(r, 50));
    const rss = process.memoryUsage.rss();
    const result = await poller.stop();
    poller = undefined;
    const after = nowMs();
    expect(result.source).toBe(process.platform === 'linux' ? 'statm' : 'memoryUsage');
    expect(result.samples.length).toBeGreaterThanOrEqual(3);
    for (const [i, s] of result.samples.entries()) {
      expect(s.tMs).toBeGreaterThanOrEqual(before);
      expect(s.tMs).toBeLessThanOrEqual(after);
      if (i > 0) expect(s.tMs).toBeGreaterThanOrEqual(result.samples[i - 1]!.tMs);
    }
    const last = result.samples.at(-1)!.bytes;
    expect(last / rss).toBeGreaterThan(0.8);
    expect(last / rss).toBeLessThan(1.25);
  });

  it('collect() returns the samples so far and stop() returns them all', async () => {
    poller = new MemoryPoller({ intervalMs: 5 });
    await poller.start();
    await new Promise((r) => setTimeout(r, 30));
    const early = await poller.collect();
    await new Promise((r) => setTimeout(r, 30));
    const { samples } = await poller.stop();
    poller = undefined;
    expect(early.length).toBeGreaterThan(0);
    expect(samples.slice(0, early.length)).toEqual(early);
    expect(samples.length).toBeGreaterThan(early.length);
  });

  it('rejects misuse: a bad interval, a second start, stop before start', async () => {
    expect(() => new MemoryPoller({ intervalMs: 0 })).toThrow(RangeError);
    const idle = new MemoryPoller();
    await expect(idle.stop()).rejects.toThrow(TypeError);
    poller = new MemoryPoller();
    await poller.start();
    await expect(poller.start()).rejects.toThrow(/already started/);
  });

  it('can be started again after stop', async () => {
    poller = new MemoryPoller({ intervalMs: 5 });
    await poller.start();
    const first = await poller.stop();
    await poller.start();
    const second = await poller.stop();
    poller = undefined;
    expect(first.samples.length).toBeGreaterThan(0);
    expect(second.samples[0]!.tMs).toBeGreaterThan(first.samples.at(-1)!.tMs);
  });
});
