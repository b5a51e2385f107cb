/**
 * `omni-bench datasets import <dataset> ...` (official annotations -> unified manifest, media
 * probed so that no row is written that `validate --probe` rejects) and
 * `omni-bench datasets validate MANIFEST [--probe]` (a per-row report; exit 0/1/2). Cells from
 * the user's files are printed terminal-safe (no escape sequences reach the terminal).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import Table from 'cli-table3';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';
import { probe } from '../media/probe.js';
import type { MediaToolOptions } from '../media/ffmpeg.js';
import { terminalSafe } from '../safe-text.js';
import { statRegularFile } from '../safe-fs.js';
import { applyMediaFacts, importDataset, IMPORTERS, writeImport, type InspectMedia } from '../datasets/importers/index.js';
import { dropCounts, FAILURE_DROP_KINDS, type ImportResult } from '../datasets/importers/common.js';
import { checkManifestOut, createManifestFolders, manifestWriteError } from '../datasets/out-path.js';
import { validateManifest, validationExitCode, type ValidationReport } from '../datasets/validate.js';

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** --ffmpeg / --ffprobe, as `inspect-media` and `doctor` take them. */
interface ToolFlags {
  ffmpeg?: string;
  ffprobe?: string;
}

function addToolOptions(command: Command): Command {
  return command
    .option('--ffmpeg <path>', 'ffmpeg binary (default: $OMNI_BENCH_FFMPEG, else the bundled one)')
    .option('--ffprobe <path>', 'ffprobe binary used to probe media (default: $OMNI_BENCH_FFPROBE, else the bundled one)');
}

/** The media tool options of the flags; a named binary that does not exist or cannot run is bad usage. */
function toolOptions(flags: ToolFlags): MediaToolOptions {
  for (const [flag, path] of [['--ffmpeg', flags.ffmpeg], ['--ffprobe', flags.ffprobe]] as const) {
    if (path === undefined) continue;
    statRegularFile(path, flag, (message) => new UsageError(message));
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new UsageError(`${flag} ${path} is not executable (chmod +x it, or name another binary)`);
    }
  }
  return { ...(flags.ffmpeg !== undefined ? { ffmpegPath: flags.ffmpeg } : {}), ...(flags.ffprobe !== undefined ? { ffprobePath: flags.ffprobe } : {}) };
}

/** src/media's probe as what an import needs to know about a file. */
function inspectWith(tools: MediaToolOptions): InspectMedia {
  return async (path) => {
    const info = await probe(path, tools);
    return { durationS: info.durationSeconds, hasVideo: info.video !== undefined, hasAudio: info.audio !== undefined };
  };
}

interface ImportFlags extends ToolFlags {
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

/** The import report: counts, drops by kind, the first few drop reasons (terminal-safe). */
export function formatImportReport(result: ImportResult, out: string | undefined): string {
  const lines = [`${result.dataset}: read ${result.rowsRead} annotation rows, wrote ${result.rows.length} samples${out ? ` to ${terminalSafe(out)}` : ''}, dropped ${result.dropped.length}`];
  const counts = dropCounts(result.dropped);
  for (const [kind, n] of Object.entries(counts)) lines.push(`  dropped ${String(n).padStart(5)}  ${kind}`);
  const failures = result.dropped.filter((d) => d.kind !== 'not-selected' && d.kind !== 'filtered');
  const shown = failures.slice(0, 10);
  for (const d of shown) lines.push(`  - ${terminalSafe(d.ref)}: ${terminalSafe(d.reason)}`);
  if (failures.length > shown.length) lines.push(`  ... and ${failures.length - shown.length} more`);
  return `${lines.join('\n')}\n`;
}

async function runImport(dataset: string, flags: ImportFlags): Promise<void> {
  const out = resolve(flags.out);
  // Bad usage is found before any work: the output path, then the binaries.
  checkManifestOut(out);
  const probing = flags.probe !== false;
  const tools = probing ? toolOptions(flags) : {};
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
  if (probing) result = await applyMediaFacts(result, inspectWith(tools));
  if (result.rows.length === 0) {
    process.stdout.write(formatImportReport(result, undefined));
    process.stderr.write(`omni-bench: no sample left to write; ${terminalSafe(out)} was not written (check --media-dir and the filters)\n`);
    process.exitCode = ExitCode.Usage;
    return;
  }
  createManifestFolders(out);
  try {
    await writeImport(result, out, { relativePaths: !flags.absolutePaths });
  } catch (error) {
    throw manifestWriteError(out, error);
  }
  process.stdout.write(formatImportReport(result, out));
  // Dropped media or unreadable rows are worth a non-zero exit; filters and sampling are not.
  process.exitCode = result.dropped.some((d) => FAILURE_DROP_KINDS.has(d.kind)) ? ExitCode.Failures : ExitCode.Ok;
}

/** The per-row table and summary of `datasets validate`; every cell terminal-safe. */
export function formatValidation(report: ValidationReport, invalidOnly: boolean): string {
  const plain = process.stdout.isTTY !== true;
  const table = new Table({ head: ['row', 'sample_id', 'status', 'detail'], wordWrap: true, colWidths: [7, 28, 9, 80], ...(plain ? { style: { head: [], border: [] } } : {}) });
  for (const r of report.rows) {
    if (invalidOnly && r.status === 'ok') continue;
    if (r.status === 'ok') {
      const s = r.sample;
      const media = [s.videoPath ? 'video' : '', s.audioPath ? (s.audioPath === s.videoPath ? 'audio(track)' : 'audio') : ''].filter(Boolean).join('+');
      table.push([r.row, terminalSafe(r.sampleId), 'ok', `${terminalSafe(s.dataset)}, ${media}`]);
    } else {
      table.push([r.row, terminalSafe(r.sampleId ?? ''), 'INVALID', terminalSafe(r.reason)]);
    }
  }
  const path = terminalSafe(report.manifestPath);
  const summary = report.rowsRead === 0 ? `${path}: header only, no data rows` : `${path}: ${report.rowsRead} rows, ${report.valid} valid, ${report.invalid} invalid`;
  return `${table.length > 0 ? `${table.toString()}\n` : ''}${summary}\n`;
}

/** JSON text with DEL and C1 characters escaped too (JSON.stringify leaves them raw; C1 holds the 8-bit CSI). */
function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface ValidateFlags extends ToolFlags {
  probe?: boolean;
  invalidOnly?: boolean;
  json?: boolean;
}

async function runValidate(manifest: string, flags: ValidateFlags): Promise<void> {
  const tools = flags.probe ? toolOptions(flags) : {};
  const report = await validateManifest(resolve(manifest), { probe: flags.probe === true, probeFn: (p) => probe(p, tools) });
  if (flags.json) {
    const rows = report.rows.map((r) => (r.status === 'ok' ? { row: r.row, sample_id: r.sampleId, status: 'ok' } : { row: r.row, sample_id: r.sampleId ?? null, status: 'invalid', reason: r.reason }));
    process.stdout.write(`${terminalSafeJson({ manifest: report.manifestPath, rows_read: report.rowsRead, valid: report.valid, invalid: report.invalid, rows })}\n`);
  } else {
    process.stdout.write(formatValidation(report, flags.invalidOnly === true));
  }
  process.exitCode = validationExitCode(report);
}

/** Registers `datasets import` and `datasets validate`. */
export function datasetsCommand(program: Command): void {
  const datasets = program.command('datasets').description('import official dataset annotations into manifests, and validate manifests');
  addToolOptions(
    datasets
      .command('import')
      .description('write a unified manifest from official annotations and a media folder (media probed: no row is written that validate --probe rejects)')
      .addArgument(new Command().createArgument('<dataset>', `one of ${Object.keys(IMPORTERS).join(', ')}`).choices(Object.keys(IMPORTERS)))
      .requiredOption('--annotations <files...>', 'annotation file(s): video-mme the parquet; activitynet-qa test_q.json test_a.json (or one merged list); audiocaps the CSV; msvd-qa test_qa.json youtube_mapping.txt')
      .requiredOption('--media-dir <dir>', 'folder of the downloaded media (every media file must lie inside it)')
      .requiredOption('--out <manifest.csv>', 'manifest to write (atomically: never half-written)')
      .option('--max-samples <n>', 'keep at most N samples', count)
      .option('--seed <seed>', 'with --max-samples (or --max-videos): a seeded random subset instead of the first N')
      .addOption(new Option('--duration <class>', 'video-mme: keep these duration classes (repeatable or comma list)').argParser(list))
      .addOption(new Option('--domain <domain>', 'video-mme: keep these domains (repeatable or comma list)').argParser(list))
      .addOption(new Option('--task-type <type>', 'video-mme: keep these task types (repeatable or comma list)').argParser(list))
      .option('--questions-per-video <n>', 'video-mme: questions kept per video (default all)', count)
      .option('--max-videos <n>', 'video-mme: videos kept (sampling is by video)', count)
      .option('--pattern <template>', 'audiocaps: clip file name inside --media-dir, with {youtube_id} {start_time} {audiocap_id}', '{youtube_id}_{start_time}.wav')
      .option('--probe', 'probe each media file with ffprobe (the default): fill duration_s, take audio from a video only when it has an audio stream, drop rows whose media do not decode')
      .option('--no-probe', 'do not probe: faster, but a video without sound keeps audio_path (validate --probe will reject it)')
      .option('--absolute-paths', 'write absolute media paths (default: relative to the manifest folder)'),
  ).action(async (dataset: string, flags: ImportFlags) => runImport(dataset, flags));
  addToolOptions(
    datasets
      .command('validate')
      .description('check every row of a manifest; exit 0 all valid, 1 some invalid, 2 unreadable or no valid row')
      .argument('<manifest>', 'manifest CSV')
      .option('--probe', 'also check that each media file decodes and has the streams the row needs')
      .option('--invalid-only', 'list only the invalid rows')
      .option('--json', 'print the report as JSON'),
  ).action(async (manifest: string, flags: ValidateFlags) => runValidate(manifest, flags));
}
