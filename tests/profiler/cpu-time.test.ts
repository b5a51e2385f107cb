import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { clockTicksPerSecond, parseProcStatTicks, processCpuMs } from '../../src/profiler/cpu-time.js';

const hasProc = existsSync('/proc/self/stat');

/** Fields 3-22 of a /proc/[pid]/stat line with utime=420, stime=37, cutime=1234, cstime=56. */
const FIELDS = 'S 1 4242 4242 0 -1 4194304 11723 0 0 0 420 37 1234 56 20 0 11 0 7890';

describe('parseProcStatTicks', () => {
  it('reads utime, stime, cutime and cstime (fields 14-17)', () => {
    expect(parseProcStatTicks(`4242 (node) ${FIELDS}`)).toEqual({ utime: 420, stime: 37, cutime: 1234, cstime: 56 });
  });

  it('counts fields after the last parenthesis, so a command name with spaces and parentheses does not shift them', () => {
    expect(parseProcStatTicks(`4242 (my (odd) prog) ${FIELDS}`)).toEqual({ utime: 420, stime: 37, cutime: 1234, cstime: 56 });
  });

  it('is undefined for a line without the fields', () => {
    expect(parseProcStatTicks('4242 (node) S 1 2')).toBeUndefined();
    expect(parseProcStatTicks('')).toBeUndefined();
  });
});

describe('processCpuMs', () => {
  it('grows by the CPU a busy loop spends, in ms, and by no more than the cores could spend', () => {
    // Spin until the process's own counter has advanced 40 ms (a wall-clock loop may be descheduled on a busy machine).
    const own = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const wallStart = performance.now();
    const before = processCpuMs();
    const ownStart = own();
    while (own() - ownStart < 40);
    const spent = processCpuMs() - before;
    const wallMs = performance.now() - wallStart;
    expect(spent).toBeGreaterThanOrEqual(40);
    expect(spent).toBeLessThanOrEqual(wallMs * availableParallelism() + 1);
  });

  it.skipIf(!hasProc)('counts the CPU of a child process once it has been reaped', () => {
    const before = processCpuMs();
    const child = spawnSync('sh', ['-c', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; cat /proc/$$/stat'], { encoding: 'utf8' });
    const childTicks = parseProcStatTicks(child.stdout);
    const childMs = ((childTicks?.utime ?? 0) + (childTicks?.stime ?? 0)) * (1000 / clockTicksPerSecond());
    // The shell's own CPU, read by itself just before it exited, is part of what this process now counts.
    expect(childMs).toBeGreaterThan(20);
    expect(processCpuMs() - before).toBeGreaterThanOrEqual(childMs);
  });

  it.skipIf(!hasProc)('reads the clock tick rate from the auxiliary vector', () => {
    const hz = clockTicksPerSecond();
    expect(Number.isInteger(hz)).toBe(true);
    expect(hz).toBeGreaterThanOrEqual(100);
  });
});
