/**
 * Figures for the datasets issue: import time of a synthetic Video-MME parquet the size of the
 * real one (900 videos x 3 questions = 2,700 rows; media are empty placeholder files, which is
 * all an import with --no-probe looks at), the same import probing every video as
 * `datasets import` does by default (the placeholders replaced by copies of a 2 s fixture
 * video; --probe-runs, default 1, as it spawns 900 ffprobes), loading the written manifest, and
 * `validate --probe` over the committed fixture manifests. Median of --runs (default 7).
 * Usage: `npx tsx scripts/bench-datasets.ts [--runs N] [--probe-runs N]`.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FIXTURES_DIR } from '../src/paths.js';
import { importVideoMme } from '../src/datasets/importers/video-mme.js';
import { applyMediaFacts, writeImport } from '../src/datasets/importers/index.js';
import { loadManifest } from '../src/datasets/manifest.js';
import { validateManifest } from '../src/datasets/validate.js';
import { inspectFixture, videoMmeParquetFromColumns } from './make-dataset-fixtures.js';

const VIDEOS = 900;
const QUESTIONS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function timeIt(runs: number, fn: () => Promise<unknown>, warmup = true): Promise<{ medianMs: number; minMs: number; maxMs: number }> {
  const ms: number[] = [];
  if (warmup) await fn(); // not recorded
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
}

function fmt(r: { medianMs: number; minMs: number; maxMs: number }): string {
  return `median ${r.medianMs.toFixed(1)} ms (min ${r.minMs.toFixed(1)}, max ${r.maxMs.toFixed(1)})`;
}

async function main(): Promise<void> {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 7;
  const probeRunsFlag = process.argv.indexOf('--probe-runs');
  const probeRuns = probeRunsFlag > 0 ? Number(process.argv[probeRunsFlag + 1]) : 1;
  const dir = await mkdtemp(join(tmpdir(), 'omni-bench-datasets-'));
  try {
    const DOMAINS = ['Knowledge', 'Film & Television', 'Sports Competition', 'Artistic Performance', 'Life Record', 'Multilingual'];
    const cols: Record<string, unknown[]> = { video_id: [], duration: [], domain: [], sub_category: [], url: [], videoID: [], question_id: [], task_type: [], question: [], options: [], answer: [] };
    const media = join(dir, 'data');
    await mkdir(media);
    for (let v = 0; v < VIDEOS; v++) {
      const num = String(v + 1).padStart(3, '0');
      const videoID = `yt${num}_${(v * 7919).toString(36)}`;
      await writeFile(join(media, `${videoID}.mp4`), '');
      for (let q = 0; q < QUESTIONS; q++) {
        cols['video_id']!.push(num);
        cols['duration']!.push(['short', 'medium', 'long'][Math.floor(v / 300)]);
        cols['domain']!.push(DOMAINS[v % DOMAINS.length]);
        cols['sub_category']!.push('Other');
        cols['url']!.push(`https://www.youtube.com/watch?v=${videoID}`);
        cols['videoID']!.push(videoID);
        cols['question_id']!.push(`${num}-${q + 1}`);
        cols['task_type']!.push('Object Recognition');
        cols['question']!.push(`In video ${num}, what does question ${q + 1} ask about the scene, roughly?`);
        cols['options']!.push(['A. first option text', 'B. second option text', 'C. third, with a comma', 'D. fourth "quoted"']);
        cols['answer']!.push('ABCD'[(v + q) % 4]);
      }
    }
    const parquet = join(dir, 'test-00000-of-00001.parquet');
    const bytes = videoMmeParquetFromColumns(cols);
    await writeFile(parquet, bytes);
    const out = join(dir, 'manifest.csv');
    process.stdout.write(`synthetic Video-MME parquet: ${VIDEOS * QUESTIONS} rows, ${(bytes.byteLength / 1024).toFixed(0)} KB; ${VIDEOS} empty placeholder videos\n`);

    let written = 0;
    const importTime = await timeIt(runs, async () => {
      const result = await importVideoMme({ annotations: [parquet], mediaDir: media });
      await writeImport(result, out);
      written = result.rows.length;
    });
    process.stdout.write(`import video-mme --no-probe (read parquet, find media, write manifest), ${written} rows: ${fmt(importTime)}\n`);

    // The default import probes every video: real media this time (a 2 s, 39 KB fixture video).
    const probeMedia = join(dir, 'probed');
    await mkdir(probeMedia);
    for (const videoID of new Set(cols['videoID'] as string[])) await copyFile(join(FIXTURES_DIR, 'media', 'v04_320x240_h264_aac_2s.mp4'), join(probeMedia, `${videoID}.mp4`));
    let kept = 0;
    const probeOut = join(dir, 'probed.csv');
    // A fresh inspect function per run: the probe cache is per function, so every run probes.
    const probedTime = await timeIt(probeRuns, async () => {
      const result = await applyMediaFacts(await importVideoMme({ annotations: [parquet], mediaDir: probeMedia }), (p) => inspectFixture(p));
      await writeImport(result, probeOut);
      kept = result.rows.length;
    }, false);
    process.stdout.write(`import video-mme with probing (the default; ${VIDEOS} videos, 4 ffprobes at a time), ${kept} rows: ${fmt(probedTime)}\n`);
    const inspectOnce = (p: string) => inspectFixture(p);
    const imported = await importVideoMme({ annotations: [parquet], mediaDir: probeMedia });
    await applyMediaFacts(imported, inspectOnce);
    const cachedTime = await timeIt(runs, () => applyMediaFacts(imported, inspectOnce));
    process.stdout.write(`probing again, unchanged files (cached by path, size and mtime): ${fmt(cachedTime)}\n`);
    const loadTime = await timeIt(runs, () => loadManifest(out));
    process.stdout.write(`loadManifest of that manifest (with media existence checks): ${fmt(loadTime)}\n`);

    const manifests = ['video-mme', 'activitynet-qa', 'audiocaps', 'msvd-qa', 'bad'].map((d) => join(FIXTURES_DIR, 'datasets', d, 'manifest.csv'));
    let rows = 0;
    const probeTime = await timeIt(runs, async () => {
      rows = 0;
      for (const m of manifests) rows += (await validateManifest(m, { probe: true })).rowsRead;
    });
    process.stdout.write(`validate --probe over the 5 fixture manifests (${rows} rows): ${fmt(probeTime)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
