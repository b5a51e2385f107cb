import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/errors.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { loadManifest } from '../../src/datasets/manifest.js';

const V01 = join(FIXTURES_DIR, 'media', 'v01_320x240_h264_aac_4s.mp4');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omni-ds-prop-'));
});

/** Cells that stress the parser: quotes, separators, newlines, JSON-ish text, paths. */
const cell = fc.oneof(
  fc.constantFrom('', ' ', 's1', 's2', 'dup', V01, 'missing.mp4', 'What?', '["A. x","B. y"]', '[A. x]', '{"k":1}', '{bad', '12.5', '-3', 'abc', 'true'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('"', ',', '\n', '\r', 'a', ' ', '\uFEFF', 'é'), maxLength: 8 }),
);
const headerNames = fc.constantFrom('sample_id', 'dataset', 'video_path', 'audio_path', 'question', 'options', 'answer', 'duration_s', 'duration', 'start_s', 'end_s', 'extra', 'has_audio', 'unknown_col');

const csvText = fc
  .record({
    header: fc.uniqueArray(headerNames, { minLength: 1, maxLength: 8 }),
    rows: fc.array(fc.array(cell, { maxLength: 10 }), { maxLength: 12 }),
    quoteAll: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    raw: fc.boolean(),
  })
  .map(({ header, rows, quoteAll, eol, bom, raw }) => {
    const quote = (c: string): string => (quoteAll ? `"${c.replaceAll('"', '""')}"` : c);
    // raw: cells written unescaped, so stray quotes and separators make genuinely malformed CSV.
    const line = (cells: string[]): string => cells.map((c) => (raw ? c : quote(c))).join(',');
    return `${bom ? '\uFEFF' : ''}${[line(header), ...rows.map(line)].join(eol)}${eol}`;
  });

describe('loadManifest on random malformed CSVs (fast-check)', () => {
  it('never throws past its boundary, and rows read = valid + invalid', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const path = join(dir, `m${n++}.csv`);
        await writeFile(path, text);
        let loaded;
        try {
          loaded = await loadManifest(path);
        } catch (error) {
          // The only allowed failure: a file without a header row, as a DatasetError.
          expect(error).toBeInstanceOf(DatasetError);
          expect((error as Error).message).toMatch(/no header row/);
          return;
        }
        expect(loaded.rowsRead).toBe(loaded.samples.length + loaded.invalid.length);
        expect(loaded.notSelected).toBe(0);
        const ids = loaded.samples.map((s) => s.sampleId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of loaded.invalid) expect(r.reason.length).toBeGreaterThan(0);
        for (const s of [...loaded.samples, ...loaded.invalid]) expect(s.row).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it('with a shard, the N shards partition the rows (valid and invalid) exactly', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.integer({ min: 1, max: 4 }), async (text, count) => {
        const path = join(dir, `s${n2++}.csv`);
        await writeFile(path, text);
        let whole;
        try {
          whole = await loadManifest(path);
        } catch {
          return;
        }
        const parts = await Promise.all(Array.from({ length: count }, (_, index) => loadManifest(path, { shard: { index, count } })));
        const rows = parts.flatMap((p) => [...p.samples.map((s) => s.row), ...p.invalid.map((i) => i.row)]).sort((a, b) => a - b);
        const all = [...whole.samples.map((s) => s.row), ...whole.invalid.map((i) => i.row)].sort((a, b) => a - b);
        expect(rows).toEqual(all);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
let n2 = 0;
