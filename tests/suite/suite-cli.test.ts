import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { formatValue } from '../../src/suite/expect.js';
import type { SuiteResult } from '../../src/suite/types.js';
import { runCli } from '../helpers/cli.js';
import { suiteFile } from './helpers.js';

/** One cheap entry: ttft-breakdown on the tiny preset, one sample, one repeat, two tokens. */
function tinySuite(expectation: string): string {
  return `
args: [--model, tiny, --repeats, 1, --max-samples, 1, --max-new-tokens, 2, --warmup, 0]
runs:
  - name: ttft
    spec: ttft-breakdown
    expect:
      - ${expectation}
`;
}

function tempOut(): string {
  return join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), 'out');
}

describe('omni-bench suite (tiny preset, fixture media)', () => {
  it('runs an entry into DIR/<name>/ and exits 0 when its expectation holds; exits 1 and shows the measured value when one fails', async () => {
    const out = tempOut();
    const ok = await runCli(['suite', suiteFile(tinySuite('{ metric: other_ms, stat: mean, lessThan: { metric: ttft_ms, times: 0.5 } }')), '--out', out]);
    expect(ok.code, ok.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as SuiteResult;
    expect(result.complete).toBe(true);
    expect(result.entries[0]).toMatchObject({ name: 'ttft', status: 'passed', exitCode: 0, dir: 'ttft' });
    expect(result.entries[0]?.wallMs).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'ttft', 'records.csv'), 'utf8')).toContain('ttft-breakdown');
    expect(ok.stdout).toMatch(/ttft\s+│\s+ttft-breakdown\s+│\s+0\s+│/);

    const failing = tempOut();
    const bad = await runCli(['suite', suiteFile(tinySuite('{ metric: ttft_ms, stat: p50, variant: baseline, atMost: 0.001 }')), '--out', failing, '--quiet']);
    expect(bad.code, bad.stderr).toBe(1);
    const summary = JSON.parse(readFileSync(join(failing, 'ttft', 'summary.json'), 'utf8')) as { variants: { metrics: Record<string, { p50: number }> }[] };
    const measured = formatValue(summary.variants[0]?.metrics['ttft_ms']?.p50);
    expect(bad.stderr).toContain(`suite: ttft: expectation failed: ttft_ms p50 of baseline <= 0.001: baseline: ${measured} vs 0.001`);
    const markdown = readFileSync(join(failing, 'suite.md'), 'utf8');
    expect(markdown).toContain(`| ttft_ms p50 of baseline <= 0.001 | baseline | ${measured} | - | 0.001 | FAIL |`);
    expect(markdown).toContain('**failed**: 1 of 1 entries did not pass.');
  });

  it('SIGINT stops the running entry cleanly, starts no other, and exits 130', async () => {
    const out = tempOut();
    const text = `${tinySuite('{ metric: ttft_ms, stat: p50, atLeast: 0 }')}  - { name: second, spec: ttft-breakdown }\n`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'tests/helpers/cli-entry.ts'), 'suite', suiteFile(text), '--out', out], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && stderr.includes('suite: [1/2] ttft')) sent = child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const result = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as SuiteResult;
    expect(result.complete).toBe(false);
    expect(result.entries.map((e) => e.status)).toEqual(['interrupted', 'not-run']);
  });
});
