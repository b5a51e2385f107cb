import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadResumeState } from '../../src/runner/resume.js';
import { writeMeta, environmentFacts, type RunMeta } from '../../src/report/meta.js';
import { defaultCommonOptions } from '../../src/specs/common-options.js';
import type { SpecRunOptions } from '../../src/specs/spec.js';

async function folder(options: Partial<SpecRunOptions>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-resume-'));
  const meta: RunMeta = {
    format: 'omni-bench-meta/1',
    spec: 'ttft-breakdown',
    command: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    environment: environmentFacts(),
    options: { ...defaultCommonOptions(), specOptions: { audioPadding: 'dynamic' }, ...options } as Record<string, unknown>,
    variants: [],
    memory: { method: 'rss-poll', intervalMs: 5, vmhwm: false, gpu: 'unavailable' },
    isolation: 'none',
  };
  await writeMeta(join(dir, 'meta.json'), meta);
  return dir;
}

describe('--resume', () => {
  it('takes the stored options, with the ones given again on the command line on top', async () => {
    const dir = await folder({ repeats: 5, model: 'tiny', manifest: ['/m.csv'] });
    const cli: SpecRunOptions = { ...defaultCommonOptions(), quiet: true, repeats: 3, specOptions: { audioPadding: 'pad-features' }, resume: dir };
    const state = loadResumeState(dir, 'ttft-breakdown', cli, new Set(['quiet', 'resume']));
    expect(state.options).toMatchObject({ repeats: 5, model: 'tiny', manifest: ['/m.csv'], quiet: true, out: dir, resume: dir });
    expect(state.options.specOptions).toEqual({ audioPadding: 'dynamic' });
    expect(state.records).toEqual([]);
    expect(state.startedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses a folder of another spec, naming the right command', async () => {
    const dir = await folder({});
    expect(() => loadResumeState(dir, 'audio-padding', { ...defaultCommonOptions(), specOptions: {} }, new Set())).toThrow(
      `run omni-bench ttft-breakdown --resume ${dir}`,
    );
  });

  it('refuses a folder without meta.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-bench-resume-'));
    expect(() => loadResumeState(dir, 'ttft-breakdown', { ...defaultCommonOptions(), specOptions: {} }, new Set())).toThrow(/no readable meta\.json/);
  });
});
