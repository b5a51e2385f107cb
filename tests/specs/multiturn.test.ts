import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecordsCsv } from '../../src/report/csv.js';
import type { TrialRecord } from '../../src/report/record.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'omni-bench-multiturn-'));

describe('omni-bench multiturn (tiny preset, Video-MME fixtures)', () => {
  it('runs each video\'s questions as turns; kv-cache and encoder-cache keep the answer of none at every turn and skip the work they cache', async () => {
    const out = join(tmp(), 'run');
    const result = await runCli(['multiturn', '--model', 'tiny', '--max-samples', '3', '--turns', '5', '--repeats', '1', '--warmup', '1', '--max-new-tokens', '3', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('TTFT per turn');
    expect(existsSync(join(out, 'charts', 'turns.png'))).toBe(true);
    expect(result.stdout).toContain('answer check: all 6 compared records within logits tolerance 0.0001');
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    // The first video has three questions: --turns 5 gives three turns (nothing is repeated).
    expect(records).toHaveLength(3 * 3);
    const at = (variant: string, turn: number): TrialRecord => records.find((r) => r.variant === variant && r.turn === turn) as TrialRecord;
    for (const r of records) expect(r.status).toBe('ok');
    for (const r of records.filter((x) => x.variant !== 'none')) expect(r.measures.logitsMaxAbsDiff).toBeLessThanOrEqual(1e-4);
    // Later turns: none decodes and encodes again, kv-cache neither decodes nor encodes and prefills only the new tokens.
    for (const turn of [1, 2]) {
      expect(at('none', turn).measures.stageMs.video_decode).toBeGreaterThan(0);
      expect(at('kv-cache', turn).measures.stageMs.video_decode).toBe(0);
      expect(at('kv-cache', turn).measures.stageMs.vision_encoder).toBe(0);
      expect(at('kv-cache', turn).measures.cachedTokens).toBeGreaterThan(0);
      expect(at('kv-cache', turn).measures.newTokens).toBeLessThan(at('none', turn).measures.promptTokens as number);
      expect(at('kv-cache', turn).measures.kvCacheMb).toBeGreaterThan(0);
      expect(at('encoder-cache', turn).measures.cacheHits).toBeGreaterThan(0);
      expect(at('encoder-cache', turn).measures.cacheMisses).toBe(0);
      // FLOPs of what ran: a cache hit is 0 encoder GFLOP; a prefill on a kept cache counts only the new tokens' work (attending to the past).
      expect(at('encoder-cache', turn).measures.stageGflop.vision_encoder).toBe(0);
      expect(at('none', turn).measures.stageGflop.vision_encoder).toBeGreaterThan(0);
      expect(at('kv-cache', turn).measures.stageGflop.vision_encoder).toBeNull();
      expect(at('kv-cache', turn).measures.stageGflop.prefill).toBeGreaterThan(0);
      expect(at('kv-cache', turn).measures.stageGflop.prefill as number).toBeLessThan(at('none', turn).measures.stageGflop.prefill as number);
    }
    expect(at('encoder-cache', 0).measures.cacheMisses).toBeGreaterThan(0);
    expect(records.every((r) => r.measures.middleware === (r.variant === 'none' ? 'none' : r.variant))).toBe(true);
  });

  it('asks the questions of --questions FILE about every video, makes an empty question an error turn, and refuses an empty file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'q.txt'), 'What colour dominates?\nHow many bars are there?\n\n');
    const out = join(dir, 'run');
    const result = await runCli(['multiturn', '--model', 'tiny', '--max-samples', '1', '--questions', join(dir, 'q.txt'), '--repeats', '1', '--warmup', '0', '--max-new-tokens', '2', '--variants', 'none', '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const records = readRecordsCsv(join(out, 'records.csv')).records;
    expect(records.map((r) => r.turn)).toEqual([0, 1]);
    // A blank line between questions is an empty question: an error record, the later turns skipped.
    writeFileSync(join(dir, 'gap.txt'), '\nWhat colour dominates?\n\nHow many bars are there?\n\n');
    const gapOut = join(dir, 'gap');
    const gap = await runCli(['multiturn', '--model', 'tiny', '--max-samples', '1', '--questions', join(dir, 'gap.txt'), '--repeats', '1', '--warmup', '0', '--max-new-tokens', '2', '--variants', 'none', '--out', gapOut, '--quiet']);
    expect(gap.code).toBe(1);
    const turns = readRecordsCsv(join(gapOut, 'records.csv')).records;
    expect(turns.map((r) => r.status)).toEqual(['ok', 'error', 'skipped']);
    expect(turns[1]?.status === 'error' && turns[1].error).toContain('turn 1: the question is empty');
    writeFileSync(join(dir, 'empty.txt'), '\n \n');
    const empty = await runCli(['multiturn', '--model', 'tiny', '--questions', join(dir, 'empty.txt'), '--out', join(dir, 'run2')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`--questions ${join(dir, 'empty.txt')}: no question in it`);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).reference).toBe('none');
  });
});
