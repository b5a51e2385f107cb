/**
 * Validation of a manifest, row by row: the loader's checks (required columns, well-formed
 * values, unique ids, media present) and, with probe, that each media file decodes and has
 * the streams the row needs (a video stream for video_path, an audio stream for audio_path).
 */
import { errorMessage, ExitCode } from '../errors.js';
import { probe as probeMedia } from '../media/probe.js';
import { loadManifest, type Sample } from './manifest.js';

/** The verdict on one row. */
export type RowReport =
  | { status: 'ok'; row: number; sampleId: string; sample: Sample }
  | { status: 'invalid'; row: number; sampleId?: string; reason: string };

/** What validateManifest finds. */
export interface ValidationReport {
  manifestPath: string;
  rowsRead: number;
  /** One entry per data row, in file order. */
  rows: RowReport[];
  valid: number;
  invalid: number;
}

/** Facts probe gives about a media file (a subset of src/media's MediaInfo). */
export interface ProbeFacts {
  durationSeconds: number;
  video?: unknown;
  audio?: unknown;
}

/** Options of validateManifest. */
export interface ValidateOptions {
  /** Decode-check every media file with ffprobe. Default false. */
  probe?: boolean;
  /** Files probed at once. Default 4. */
  concurrency?: number;
  /** The probe to use (default src/media's probe). */
  probeFn?: (path: string) => Promise<ProbeFacts>;
  /** Whether a missing media file makes a row invalid (default true). */
  checkMedia?: boolean;
}

/** Why a probed sample cannot run, or undefined when it can. */
async function probeProblem(sample: Sample, probeOnce: (path: string) => Promise<ProbeFacts>): Promise<string | undefined> {
  const checks: { path: string; column: string; need: 'video' | 'audio' }[] = [];
  if (sample.videoPath !== undefined) checks.push({ path: sample.videoPath, column: 'video_path', need: 'video' });
  if (sample.audioPath !== undefined) checks.push({ path: sample.audioPath, column: 'audio_path', need: 'audio' });
  for (const { path, column, need } of checks) {
    let facts: ProbeFacts;
    try {
      facts = await probeOnce(path);
    } catch (error) {
      return `${column} does not decode: ${errorMessage(error)}`;
    }
    if (!facts[need]) {
      const fix = need === 'audio' ? (sample.videoPath === path ? ' (leave audio_path empty for a video without sound)' : '') : '';
      return `${column} '${path}' has no ${need} stream${fix}`;
    }
    if (sample.startS !== undefined && facts.durationSeconds > 0 && sample.startS >= facts.durationSeconds) {
      return `start_s ${sample.startS} is past the end of ${column} (${facts.durationSeconds.toFixed(2)} s)`;
    }
  }
  return undefined;
}

/**
 * Validates every row of a manifest. Throws DatasetError when the file itself cannot be read
 * (the CLI exits 2); otherwise reports each row.
 */
export async function validateManifest(path: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const loaded = await loadManifest(path, { checkMedia: options.checkMedia ?? true });
  const rows: RowReport[] = [
    ...loaded.samples.map((sample): RowReport => ({ status: 'ok', row: sample.row, sampleId: sample.sampleId, sample })),
    ...loaded.invalid.map((inv): RowReport => (inv.sampleId === undefined ? { status: 'invalid', row: inv.row, reason: inv.reason } : { status: 'invalid', row: inv.row, sampleId: inv.sampleId, reason: inv.reason })),
  ].sort((a, b) => a.row - b.row);

  if (options.probe) {
    const probeFn = options.probeFn ?? ((p: string) => probeMedia(p));
    const cache = new Map<string, Promise<ProbeFacts>>();
    const probeOnce = (p: string): Promise<ProbeFacts> => {
      let pending = cache.get(p);
      if (!pending) {
        pending = probeFn(p);
        cache.set(p, pending);
      }
      return pending;
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const i = next++;
        const r = rows[i];
        if (!r || r.status !== 'ok') continue;
        const problem = await probeProblem(r.sample, probeOnce);
        if (problem) rows[i] = { status: 'invalid', row: r.row, sampleId: r.sampleId, reason: problem };
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  }
  const valid = rows.filter((r) => r.status === 'ok').length;
  return { manifestPath: path, rowsRead: loaded.rowsRead, rows, valid, invalid: rows.length - valid };
}

/** The exit code of `datasets validate`: 0 all valid, 1 some invalid, 2 no valid row. */
export function validationExitCode(report: ValidationReport): ExitCode {
  if (report.valid === 0) return ExitCode.Usage;
  return report.invalid > 0 ? ExitCode.Failures : ExitCode.Ok;
}
