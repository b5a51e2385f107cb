/**
 * Typed errors. The CLI prints `error.message` as one line and exits with `exitCode`;
 * stack traces only with --verbose. Messages name the file, row or tensor and suggest the fix.
 */

/** Exit codes shared by every command. */
export const ExitCode = {
  /** Everything ran and every trial succeeded. */
  Ok: 0,
  /** The run finished but some trials or files failed (results still written). */
  Failures: 1,
  /** Bad usage or configuration: nothing was run. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class of every error omni-bench raises on purpose. */
export class OmniBenchError extends Error {
  /** Exit code the CLI uses when this error ends a command. */
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.Usage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage or configuration (exit 2). */
export class UsageError extends OmniBenchError {}

/** A model directory, config or ONNX file that cannot be used, or a tensor of the wrong shape (exit 2). */
export class ModelError extends OmniBenchError {}

/** A media file that cannot be probed or decoded, or an ffmpeg/ffprobe failure. */
export class MediaError extends OmniBenchError {
  /** The media file concerned, when there is one. */
  readonly path: string | undefined;
  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
    this.path = path;
  }
}

/** A manifest or annotation file that cannot be read (exit 2). */
export class DatasetError extends OmniBenchError {}

/** One-line text of any thrown value, for error records and the CLI. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
