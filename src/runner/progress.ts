/**
 * Progress on stderr: a bar with ETA redrawn in place on an interactive terminal, plain
 * periodic lines otherwise (CI logs, pipes), nothing with --quiet.
 */
import type { TrialRecord } from '../report/record.js';

/** What the runner tells about its progress. */
export interface Progress {
  start(total: number): void;
  tick(record: TrialRecord): void;
  stop(): void;
}

/** A Progress that says nothing. */
export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Options of createProgress. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Label before the counts, e.g. the spec name. */
  label: string;
  /** Minimum ms between plain lines on a non-TTY stream. Default 5000. */
  lineIntervalMs?: number;
  now?: () => number;
}

/** The progress display that suits `stream` (default stderr). */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const interactive = stream.isTTY === true;
  const lineIntervalMs = options.lineIntervalMs ?? 5000;
  let total = 0;
  let doneCount = 0;
  let errors = 0;
  let startedAt = 0;
  let lastLine = 0;

  const status = (): string => {
    const elapsed = now() - startedAt;
    const eta = doneCount > 0 ? (elapsed / doneCount) * (total - doneCount) : NaN;
    return `${doneCount}/${total} trials${errors > 0 ? `, ${errors} failed` : ''}, elapsed ${formatDuration(elapsed)}, ETA ${formatDuration(eta)}`;
  };
  const draw = (): void => {
    const width = 24;
    const filled = total > 0 ? Math.round((doneCount / total) * width) : 0;
    stream.write(`\r${options.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${status()}\x1b[K`);
  };

  return {
    start(n) {
      total = n;
      startedAt = now();
      lastLine = startedAt;
      if (interactive) draw();
      else stream.write(`${options.label}: ${n} trials to run\n`);
    },
    tick(record) {
      doneCount++;
      if (record.status === 'error') errors++;
      if (interactive) draw();
      else if (now() - lastLine >= lineIntervalMs || doneCount === total) {
        lastLine = now();
        stream.write(`${options.label}: ${status()}\n`);
      }
    },
    stop() {
      if (interactive && total > 0) stream.write('\n');
    },
  };
}
