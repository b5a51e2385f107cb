import { describe, it, expect } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** Running (a killed child whose parent died may linger as a zombie until init reaps it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('interrupting a run', () => {
  it('kills the ffmpeg child when the process gets SIGINT', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'tests/media/helpers/hold-ffmpeg.ts')], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => parent.stdout.once('data', () => resolve()));
    const children = execFileSync('pgrep', ['-P', String(parent.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    expect(children.length).toBeGreaterThan(0);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
    parent.kill('SIGINT');
    expect(await exited).toBe('SIGINT'); // Node's default Ctrl-C behaviour is kept
    await new Promise((r) => setTimeout(r, 100));
    for (const pid of children) expect(alive(pid)).toBe(false);
  });
});
