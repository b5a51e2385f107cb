import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { readRecordsCsv, recordsCsv } from '../../src/report/csv.js';
import { keyString } from '../../src/report/record.js';

const ENTRY = join(PACKAGE_ROOT, 'tests/runner/helpers/double-cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the double CLI; `interruptAfter` sends SIGINT once that many records exist. */
function runDouble(args: string[], dir: string, interruptAfter?: number, signal: NodeJS.Signals = 'SIGINT'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'ttft-breakdown', ...args], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DOUBLE_STAGE_MS: '25' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (interruptAfter !== undefined) {
      timer = setInterval(() => {
        const path = join(dir, 'records.csv');
        if (!existsSync(path)) return;
        if (readRecordsCsv(path).records.length >= interruptAfter) {
          clearInterval(timer);
          child.kill(signal);
        }
      }, 20);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('SIGINT then --resume (DESIGN.md invariant 3)', () => {
  it('keeps every finished record, prints the resume command, and the resumed run has every key exactly once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omni-bench-sigint-')), 'run');
    const first = await runDouble(['--out', dir, '--repeats', '4', '--warmup', '1'], dir, 4);
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain(`--resume ${dir}`);
    const partial = readRecordsCsv(join(dir, 'records.csv')).records;
    expect(partial.length).toBeGreaterThanOrEqual(4);
    expect(partial.length).toBeLessThan(13);
    // The file on disk is complete: it re-serializes to the same text.
    expect(readFileSync(join(dir, 'records.csv'), 'utf8')).toBe(recordsCsv(partial, { comparesLogits: false }));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.complete).toBe(false);
    expect(summary.records).toBe(partial.length);

    const second = await runDouble(['--resume', dir, '--quiet'], dir);
    expect(second.code, second.stderr).toBe(1); // the invalid manifest row is an error record
    const records = readRecordsCsv(join(dir, 'records.csv')).records;
    const keys = records.map(keyString);
    expect(new Set(keys).size).toBe(keys.length);
    expect(records).toHaveLength(3 * 4 + 1); // 3 samples x 4 repeats (options from meta.json) + 1 invalid row
    for (const r of records.filter((x) => x.status === 'ok')) {
      expect(r.measures.ttftMs).toBeGreaterThan(0);
      expect(r.measures.answer).toBe('B');
    }
    // Records kept from the first run are unchanged.
    for (const r of partial) expect(records.find((x) => keyString(x) === keyString(r))).toEqual(r);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).complete).toBe(true);
  });

  it('SIGTERM stops a run like SIGINT: summary, meta.interrupted, the resume hint and exit 130 (issue 8, item 25)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omni-bench-sigterm-')), 'run');
    const run = await runDouble(['--out', dir, '--repeats', '4', '--warmup', '0'], dir, 2, 'SIGTERM');
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('interrupted (SIGTERM)');
    expect(run.stderr).toContain(`--resume ${dir}`);
    expect(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).interrupted).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).complete).toBe(false);
    expect(existsSync(join(dir, '.omni-bench.lock'))).toBe(false);
  });
});
