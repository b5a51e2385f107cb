import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nowMs } from '../../src/profiler/clock.js';
import { findOnPath, GpuPoller, nvidiaSmiArgs } from '../../src/profiler/gpu-poller.js';

const fixture = (dir: string): string => fileURLToPath(new URL(`./fixtures/${dir}`, import.meta.url));
const withDir = (dir: string): string => `${fixture(dir)}${delimiter}${process.env.PATH ?? ''}`;
const MiB = 1024 * 1024;

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('GpuPoller with a fake nvidia-smi on PATH', () => {
  it('parses one line per GPU per tick into bytes on the shared clock and skips a malformed line', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'omni-smi-')), 'args');
    process.env.FAKE_NVIDIA_SMI_LOG = log;
    const poller = new GpuPoller({ intervalMs: 20, pathEnv: withDir('fake-nvidia-smi') });
    const before = nowMs();
    try {
      expect(await poller.start()).toEqual({ available: true, gpus: 2 });
    } finally {
      delete process.env.FAKE_NVIDIA_SMI_LOG;
    }
    await new Promise((r) => setTimeout(r, 250));
    const result = await poller.stop();
    const after = nowMs();
    if (!result.available) throw new Error(`expected samples, got: ${result.reason}`);

    expect(readFileSync(log, 'utf8')).toContain(`args=${nvidiaSmiArgs(20).join(' ')}`);
    expect(result.method).toBe('nvidia-smi');
    expect(result.gpus).toBe(2);
    expect(result.skippedLines).toBe(1);
    expect(result.skippedExamples).toEqual(['[N/A]']);
    expect(result.exitedEarly).toBeUndefined();
    const gpu0 = result.samples.filter((s) => s.gpu === 0);
    const gpu1 = result.samples.filter((s) => s.gpu === 1);
    expect(gpu0.length).toBeGreaterThanOrEqual(4);
    expect(gpu0.slice(0, 3).map((s) => s.bytes)).toEqual([1000 * MiB, 1001 * MiB, 1002 * MiB]);
    // tick 2 of GPU 1 was "[N/A]"
    expect(gpu1.slice(0, 3).map((s) => s.bytes)).toEqual([2000 * MiB, 2001 * MiB, 2003 * MiB]);
    expect(result.samples.every((s) => s.gpu <= 1 && s.tMs >= before && s.tMs <= after)).toBe(true);
  });

  it('kills nvidia-smi on stop', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'omni-smi-')), 'args');
    process.env.FAKE_NVIDIA_SMI_LOG = log;
    const poller = new GpuPoller({ intervalMs: 10, pathEnv: withDir('fake-nvidia-smi') });
    try {
      await poller.start();
    } finally {
      delete process.env.FAKE_NVIDIA_SMI_LOG;
    }
    await new Promise((r) => setTimeout(r, 100));
    const pid = Number(/pid=(\d+)/.exec(readFileSync(log, 'utf8'))![1]);
    expect(pidAlive(pid)).toBe(true);
    await poller.stop();
    expect(pidAlive(pid)).toBe(false);
  });

  it('keeps the samples of a loop that dies and says why', async () => {
    process.env.FAKE_NVIDIA_SMI_TICKS = '2';
    const poller = new GpuPoller({ intervalMs: 10, pathEnv: withDir('fake-nvidia-smi') });
    try {
      await poller.start();
    } finally {
      delete process.env.FAKE_NVIDIA_SMI_TICKS;
    }
    await new Promise((r) => setTimeout(r, 150));
    const result = await poller.stop();
    if (!result.available) throw new Error(`expected samples, got: ${result.reason}`);
    expect(result.samples.map((s) => [s.gpu, s.bytes / MiB])).toEqual([[0, 1000], [1, 2000], [0, 1001], [1, 2001]]);
    expect(result.exitedEarly).toMatch(/^nvidia-smi exited with code 15: Unable to determine .* GPU is lost/);
  });

  it('reports a failing nvidia-smi as unavailable, with its message', async () => {
    const poller = new GpuPoller({ intervalMs: 20, pathEnv: withDir('failing-nvidia-smi') });
    const started = await poller.start();
    expect(started.available).toBe(false);
    const result = await poller.stop();
    expect(result).toEqual(started);
    if (!result.available) expect(result.reason).toMatch(/^nvidia-smi exited with code 9: NVIDIA-SMI has failed/);
  });
});

describe('GpuPoller without nvidia-smi', () => {
  it('says unavailable and why, and nothing fails', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'omni-nopath-'));
    expect(findOnPath('nvidia-smi', empty)).toBeUndefined();
    const poller = new GpuPoller({ pathEnv: empty });
    expect(await poller.start()).toEqual({ available: false, reason: 'nvidia-smi not found on PATH' });
    expect(await poller.stop()).toEqual({ available: false, reason: 'nvidia-smi not found on PATH' });
  });

  it('rejects a bad interval', () => {
    expect(() => new GpuPoller({ intervalMs: -1 })).toThrow(RangeError);
  });
});
