import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { PACKAGE_ROOT, VERSION } from '../../src/paths.js';

describe('CLI frame', () => {
  it('prints help listing the program name and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: omni-bench');
  });

  it('prints the package version with --version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it('exits 2 with one line for an unknown command', async () => {
    const result = await runCli(['no-such-command']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^error: (unknown command|too many arguments)/);
  });

  it('the built bin/omni-bench runs (what npm ci leaves for npx omni-bench)', () => {
    if (!existsSync(join(PACKAGE_ROOT, 'dist/cli.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, stdio: 'ignore' });
    }
    const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/omni-bench'), '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });
});
