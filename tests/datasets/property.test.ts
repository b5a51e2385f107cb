import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/errors.js';
import { FIXTURES_DIR } from '../../src/paths.js';
import { MAX_TEXT_FILE_BYTES } from '../../src/safe-fs.js';
import { parseCsvTable } from '../../src/datasets/csv.js';
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
  fc.string({ unit: fc.constantFrom('"', ',', '\n', '\r', 'a', ' ', '\uFEFF', 'é', '\u0000', '\u001b'), maxLength: 8 }),
);
const headerNames = fc.constantFrom('sample_id', 'dataset', 'video_path', 'audio_path', 'question', 'options', 'answer', 'duration_s', 'duration', 'start_s', 'end_s', 'extra', 'has_audio', 'unknown_col');
const optionalNames = ['dataset', 'audio_path', 'options', 'answer', 'duration_s', 'duration', 'start_s', 'end_s', 'extra', 'has_audio', 'unknown_col'];

/** A header: mostly one with the required columns (so that rows get read), sometimes any. */
const header = fc.oneof(
  { weight: 4, arbitrary: fc.shuffledSubarray(optionalNames, { maxLength: 6 }).chain((extra) => fc.shuffledSubarray(['sample_id', 'question', 'video_path', ...extra], { minLength: 3 + extra.length })) },
  { weight: 1, arbitrary: fc.uniqueArray(headerNames, { minLength: 1, maxLength: 8 }) },
);

/** The hand-made shapes of malformed lines that used to be merged, shifted or dropped silently. */
const shapedLine = (width: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(`ok,${V01},What?`.split(',').concat(Array<string>(Math.max(0, width - 3)).fill('')).join(',')),
    fc.constant('s1,a.mp4,"What is it?'), // a quote opened and closed on a later line, or never
    fc.constant('s3,a.mp4,Why?"'),
    fc.constant(','.repeat(Math.max(1, width - 1))), // only commas
    fc.constant(Array<string>(width).fill('  ').join(',')), // whitespace cells
    fc.constant('"",""'),
    fc.constant(`s2,${V01},What, really?,`), // an unquoted comma plus an empty last column
    fc.constant('s4,a.mp4'), // too few cells
    fc.constant(''),
    fc.constant('   '),
  );

const csvText = fc
  .record({
    header,
    rows: fc.array(fc.array(cell, { maxLength: 10 }), { maxLength: 12 }),
    shaped: fc.array(fc.nat(), { maxLength: 6 }),
    quoteAll: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    raw: fc.boolean(),
  })
  .chain(({ header, rows, shaped, quoteAll, eol, bom, raw }) =>
    fc.array(shapedLine(header.length), { minLength: shaped.length, maxLength: shaped.length }).map((extraLines) => {
      const quote = (c: string): string => (quoteAll ? `"${c.replaceAll('"', '""')}"` : c);
      // raw: cells written unescaped, so stray quotes and separators make genuinely malformed CSV.
      const line = (cells: string[]): string => cells.map((c) => (raw ? c : quote(c))).join(',');
      const body = rows.map(line);
      extraLines.forEach((l, i) => body.splice((shaped[i] ?? 0) % (body.length + 1), 0, l));
      return `${bom ? '\uFEFF' : ''}${[line(header), ...body].join(eol)}${eol}`;
    }),
  );

/** Lines of the text as the parser numbers them (BOM dropped, CRLF and CR normalized). */
function physicalLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
}

/** Errors a whole file may end in: no header, or a header without the columns every row needs. */
const FILE_LEVEL = /no header row|header row cannot be read|has no sample_id column|has no .*column in its header/;

describe('loadManifest on random malformed CSVs (fast-check)', () => {
  it('accounts for every physical data line as a sample or an invalid row, and never throws past its boundary', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const path = join(dir, `m${n++}.csv`);
        await writeFile(path, text);
        let loaded;
        try {
          loaded = await loadManifest(path);
        } catch (error) {
          expect(error).toBeInstanceOf(DatasetError);
          expect((error as Error).message).toMatch(FILE_LEVEL);
          return;
        }
        // The table covers every non-blank line exactly once: records never overlap or skip one.
        const table = parseCsvTable(text.replace(/^\uFEFF/, ''), path);
        const lines = physicalLines(text);
        const covered = new Map<number, number>();
        for (const span of [{ row: table.headerRow, endRow: table.headerRow }, ...table.records]) {
          expect(span.endRow).toBeGreaterThanOrEqual(span.row);
          for (let l = span.row; l <= span.endRow; l++) covered.set(l, (covered.get(l) ?? 0) + 1);
        }
        lines.forEach((line, i) => {
          if (line.trim() !== '') expect(covered.get(i + 1), `line ${i + 1} ${JSON.stringify(line)}`).toBe(1);
        });
        // And each record is one sample or one invalid row, on its own line number.
        const rows = [...loaded.samples.map((s) => s.row), ...loaded.invalid.map((r) => r.row)].sort((a, b) => a - b);
        expect(rows).toEqual(table.records.map((r) => r.row));
        expect(loaded.rowsRead).toBe(loaded.samples.length + loaded.invalid.length);
        expect(loaded.notSelected).toBe(0);
        const ids = loaded.samples.map((s) => s.sampleId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const s of loaded.samples) expect(s.sampleId).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        for (const r of loaded.invalid) expect(r.reason.length).toBeGreaterThan(0);
        for (const r of loaded.invalid) expect(r.manifestPath).toBe(path);
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it('refuses files that are not regular text files, naming the file, instead of reading forever', async () => {
    const fifo = join(dir, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'folder.csv');
    await mkdir(folder);
    const loop = join(dir, 'loop.csv');
    await symlink(loop, loop);
    const huge = join(dir, 'huge.csv');
    await writeFile(huge, 'sample_id,video_path,question\n');
    await truncate(huge, MAX_TEXT_FILE_BYTES + 1); // sparse: no disk space used
    const cases: [string, RegExp][] = [
      ['/dev/zero', /character device/],
      ['/dev/urandom', /character device/],
      [fifo, /FIFO/],
      [folder, /is a directory/],
      [loop, /symlink loop/],
      [huge, /over the limit of 256 MiB/],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), async ([path, reason]) => {
        const error = await loadManifest(path).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).toMatch(reason);
      }),
      { numRuns: 12, seed: 5 },
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
