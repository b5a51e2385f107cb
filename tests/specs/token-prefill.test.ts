import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-token-prefill-'));

describe('omni-bench token-prefill (tiny preset, Video-MME fixtures)', () => {
  it("adds exactly each requested token count to every sample's prompt, and makes a target past context_length an error record that says so", async () => {
    const out = join(tmp(), 'run');
    const targets = [0, 37, 300];
    const result = await runCli(['token-prefill', '--model', 'tiny', '--max-samples', '2', '--tokens', [...targets, 40000].join(','), '--repeats', '1', '--max-new-tokens', '1', '--out', out]);
    // The 40000 target fails (exit 1); every other trial runs.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Prefill against filler tokens');
    expect(result.stdout).toContain('Cost against prompt tokens');
    expect(existsSync(join(out, 'charts', 'token_prefill.png'))).toBe(true);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records).toHaveLength(2 * 4);
    const samples = [...new Set(records.map((r) => r.sampleId))];
    expect(samples).toHaveLength(2);
    for (const sampleId of samples) {
      const own = records.find((r) => r.sampleId === sampleId && r.params?.['tokens'] === 0);
      expect(own?.status).toBe('ok');
      const base = own?.measures.promptTokens as number;
      expect(base).toBeGreaterThan(0);
      for (const tokens of targets) {
        const r = records.find((x) => x.sampleId === sampleId && x.params?.['tokens'] === tokens);
        expect(r?.status, `${sampleId} at ${tokens}`).toBe('ok');
        expect((r?.measures.promptTokens as number) - base).toBe(tokens);
        expect(r?.measures.stageMs.prefill).toBeGreaterThan(0);
      }
      const beyond = records.find((x) => x.sampleId === sampleId && x.params?.['tokens'] === 40000);
      expect(beyond?.status).toBe('error');
      expect(beyond?.status === 'error' && beyond.error).toMatch(/--tokens 40000: .*context_length \(32768 tokens/);
    }
  });
});
