/**
 * `omni-bench datasets import <dataset> ...` (official annotations -> unified manifest) and
 * `omni-bench datasets validate MANIFEST [--probe]` (a per-row report; exit 0/1/2).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import Table from 'cli-table3';
import { resolve } from 'node:path';
import { ExitCode } from '../errors.js';
import { probe } from '../media/probe.js';
import { applyMediaFacts, importDataset, IMPORTERS, writeImport } from '../datasets/importers/index.js';
import { dropCounts, type ImportResult } from '../datasets/importers/common.js';
import { validateManifest, validationExitCode, type ValidationReport } from '../datasets/validate.js';

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

interface ImportFlags {
  annotations: string[];
  mediaDir: string;
  out: string;
  maxSamples?: number;
  seed?: string;
  duration?: string[];
  domain?: string[];
  taskType?: string[];
  questionsPerVideo?: number;
  maxVideos?: number;
  pattern?: string;
  probe?: boolean;
  absolutePaths?: boolean;
}

/** The import report: counts, drops by kind, the first few drop reasons. */
export function formatImportReport(result: ImportResult, out: string | undefined): string {
  const lines = [`${result.dataset}: read ${result.rowsRead} annotation rows, wrote ${result.rows.length} samples${out ? ` to ${out}` : ''}, dropped ${result.dropped.length}`];
  const counts = dropCounts(result.dropped);
  for (const [kind, n] of Object.entries(counts)) lines.push(`  dropped ${String(n).padStart(5)}  ${kind}`);
  const shown = result.dropped.filter((d) => d.kind !== 'not-selected' && d.kind !== 'filtered').slice(0, 10);
  for (const d of shown) lines.push(`  - ${d.ref}: ${d.reason}`);
  const hidden = result.dropped.filter((d) => d.kind !== 'not-selected' && d.kind !== 'filtered').length - shown.length;
  if (hidden > 0) lines.push(`  ... and ${hidden} more`);
  return `${lines.join('\n')}\n`;
}

async function runImport(dataset: string, flags: ImportFlags): Promise<void> {
  let result = await importDataset(dataset, {
    annotations: flags.annotations.map((a) => resolve(a)),
    mediaDir: resolve(flags.mediaDir),
    maxSamples: flags.maxSamples,
    seed: flags.seed,
    duration: flags.duration,
    domain: flags.domain,
    taskType: flags.taskType,
    questionsPerVideo: flags.questionsPerVideo,
    maxVideos: flags.maxVideos,
    pattern: flags.pattern,
  });
  if (flags.probe) {
    const rows = await applyMediaFacts(result.rows, async (p) => {
      const info = await probe(p);
      return { durationS: info.durationSeconds, hasVideo: info.video !== undefined, hasAudio: info.audio !== undefined };
    });
    result = { ...result, rows };
  }
  const out = resolve(flags.out);
  if (result.rows.length === 0) {
    process.stdout.write(formatImportReport(result, undefined));
    process.stderr.write(`omni-bench: no sample left to write; ${out} was not written (check --media-dir and the filters)\n`);
    process.exitCode = ExitCode.Usage;
    return;
  }
  await writeImport(result, out, { relativePaths: !flags.absolutePaths });
  process.stdout.write(formatImportReport(result, out));
  // Dropped media or unreadable rows are worth a non-zero exit; filters and sampling are not.
  const failures = result.dropped.some((d) => d.kind === 'media-missing' || d.kind === 'unreadable-row' || d.kind === 'duplicate');
  process.exitCode = failures ? ExitCode.Failures : ExitCode.Ok;
}

/** The per-row table and summary of `datasets validate`. */
export function formatValidation(report: ValidationReport, invalidOnly: boolean): string {
  const plain = process.stdout.isTTY !== true;
  const table = new Table({ head: ['row', 'sample_id', 'status', 'detail'], wordWrap: true, colWidths: [7, 28, 9, 80], ...(plain ? { style: { head: [], border: [] } } : {}) });
  for (const r of report.rows) {
    if (invalidOnly && r.status === 'ok') continue;
    if (r.status === 'ok') {
      const s = r.sample;
      const media = [s.videoPath ? 'video' : '', s.audioPath ? (s.audioPath === s.videoPath ? 'audio(track)' : 'audio') : ''].filter(Boolean).join('+');
      table.push([r.row, r.sampleId, 'ok', `${s.dataset}, ${media}`]);
    } else {
      table.push([r.row, r.sampleId ?? '', 'INVALID', r.reason]);
    }
  }
  const summary = `${report.manifestPath}: ${report.rowsRead} rows, ${report.valid} valid, ${report.invalid} invalid`;
  return `${table.length > 0 ? `${table.toString()}\n` : ''}${summary}\n`;
}

async function runValidate(manifest: string, flags: { probe?: boolean; invalidOnly?: boolean; json?: boolean }): Promise<void> {
  const report = await validateManifest(resolve(manifest), { probe: flags.probe === true });
  if (flags.json) {
    const rows = report.rows.map((r) => (r.status === 'ok' ? { row: r.row, sample_id: r.sampleId, status: 'ok' } : { row: r.row, sample_id: r.sampleId ?? null, status: 'invalid', reason: r.reason }));
    process.stdout.write(`${JSON.stringify({ manifest: report.manifestPath, rows_read: report.rowsRead, valid: report.valid, invalid: report.invalid, rows }, null, 2)}\n`);
  } else {
    process.stdout.write(formatValidation(report, flags.invalidOnly === true));
  }
  process.exitCode = validationExitCode(report);
}

/** Registers `datasets import` and `datasets validate`. */
export function datasetsCommand(program: Command): void {
  const datasets = program.command('datasets').description('import official dataset annotations into manifests, and validate manifests');
  datasets
    .command('import')
    .description('write a unified manifest from official annotations and a media folder')
    .addArgument(new Command().createArgument('<dataset>', `one of ${Object.keys(IMPORTERS).join(', ')}`).choices(Object.keys(IMPORTERS)))
    .requiredOption('--annotations <files...>', 'annotation file(s): video-mme the parquet; activitynet-qa test_q.json test_a.json (or one merged list); audiocaps the CSV; msvd-qa test_qa.json youtube_mapping.txt')
    .requiredOption('--media-dir <dir>', 'folder of the downloaded media')
    .requiredOption('--out <manifest.csv>', 'manifest to write (atomically: never half-written)')
    .option('--max-samples <n>', 'keep at most N samples', count)
    .option('--seed <seed>', 'with --max-samples (or --max-videos): a seeded random subset instead of the first N')
    .addOption(new Option('--duration <class>', 'video-mme: keep these duration classes (repeatable or comma list)').argParser(list))
    .addOption(new Option('--domain <domain>', 'video-mme: keep these domains (repeatable or comma list)').argParser(list))
    .addOption(new Option('--task-type <type>', 'video-mme: keep these task types (repeatable or comma list)').argParser(list))
    .option('--questions-per-video <n>', 'video-mme: questions kept per video (default all)', count)
    .option('--max-videos <n>', 'video-mme: videos kept (sampling is by video)', count)
    .option('--pattern <template>', 'audiocaps: clip file name, with {youtube_id} {start_time} {audiocap_id}', '{youtube_id}_{start_time}.wav')
    .option('--probe', 'probe each media file: fill duration_s, and take audio from a video only when it has an audio stream')
    .option('--absolute-paths', 'write absolute media paths (default: relative to the manifest folder)')
    .action(async (dataset: string, flags: ImportFlags) => runImport(dataset, flags));
  datasets
    .command('validate')
    .description('check every row of a manifest; exit 0 all valid, 1 some invalid, 2 unreadable or no valid row')
    .argument('<manifest>', 'manifest CSV')
    .option('--probe', 'also check that each media file decodes and has the streams the row needs')
    .option('--invalid-only', 'list only the invalid rows')
    .option('--json', 'print the report as JSON')
    .action(async (manifest: string, flags: { probe?: boolean; invalidOnly?: boolean; json?: boolean }) => runValidate(manifest, flags));
}
