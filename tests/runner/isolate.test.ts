import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import { keyString } from '../../src/report/record.js';

describe('--isolate process', () => {
  it('runs each variant in its own child process and summarizes them together', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omni-bench-isolate-')), 'run');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(PACKAGE_ROOT, 'tests/runner/helpers/double-cli.ts'), 'double-variants', '--out', dir, '--repeats', '1', '--quiet'],
      { cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, DOUBLE_STAGE_MS: '2' }, timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(1); // the invalid manifest row, once per variant
    // Two children (one per variant) plus the parent printed "ready <pid>".
    expect(new Set(result.stderr.match(/ready \d+/g)).size).toBe(3);
    const records = readRecordsCsv(join(dir, 'records.csv')).records;
    expect(records).toHaveLength(2 * (3 + 1));
    expect(new Set(records.map(keyString)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.isolation))).toEqual(new Set(['process']));
    expect(new Set(records.map((r) => r.variant))).toEqual(new Set(['pad-features', 'dynamic']));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.variants.map((v: { variant: string }) => v.variant)).toEqual(['pad-features', 'dynamic']);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(meta.isolation).toBe('process');
    expect(meta.options.isolate).toBe('process');
  });
});
