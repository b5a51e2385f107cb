/**
 * Typed media errors. Each names the file (or binary) and suggests what to do; all extend
 * MediaError so callers that do not care about the kind catch one class.
 */
import { MediaError } from '../errors.js';

/** Why a media operation failed; `MediaFailure.kind` carries it for records and tests. */
export type MediaFailureKind =
  | 'not-found'
  | 'empty'
  | 'not-media'
  | 'undecodable'
  | 'no-audio'
  | 'no-video'
  | 'timeout'
  | 'binary'
  | 'interrupted'
  | 'window';

/** A media error with a machine-readable kind. */
export class MediaFailure extends MediaError {
  readonly kind: MediaFailureKind;
  constructor(kind: MediaFailureKind, message: string, path?: string, options?: { cause?: unknown }) {
    super(message, path, options);
    this.kind = kind;
  }
}

/** The file does not exist (or is not a regular file). */
export class MediaNotFoundError extends MediaFailure {
  constructor(path: string) {
    super('not-found', `${path}: no such file (check the path; relative paths resolve against the current folder)`, path);
  }
}

/** The file exists but holds 0 bytes. */
export class EmptyMediaError extends MediaFailure {
  constructor(path: string) {
    super('empty', `${path}: file is empty (0 bytes); re-download or re-create it`, path);
  }
}

/** ffprobe recognises no video or audio container in the file (a text file or a PNG renamed .mp4, say). */
export class NotMediaError extends MediaFailure {
  constructor(path: string, detail: string) {
    super('not-media', `${path}: not a video or audio file (${detail})`, path);
  }
}

/** A media container whose structure or streams cannot be decoded (truncated, corrupt). */
export class UndecodableMediaError extends MediaFailure {
  constructor(path: string, detail: string) {
    super('undecodable', `${path}: media is corrupt or truncated and cannot be decoded (${detail}); re-encode or replace the file`, path);
  }
}

/** The file has no audio stream; decodeAudioTrack reports it as `{ status: 'no-audio' }` instead. */
export class NoAudioError extends MediaFailure {
  constructor(path: string) {
    super('no-audio', `${path}: has no audio stream (use decodeAudioTrack to handle silent videos without an exception)`, path);
  }
}

/** The file has no video stream (or none with the 2 frames sampling needs). */
export class NoVideoError extends MediaFailure {
  constructor(path: string, detail = 'has no video stream') {
    super('no-video', `${path}: ${detail}`, path);
  }
}

/** ffmpeg or ffprobe ran past its time limit and was killed. */
export class MediaTimeoutError extends MediaFailure {
  /** Process id of the killed child. */
  readonly pid: number | undefined;
  constructor(tool: string, timeoutMs: number, path: string | undefined, pid: number | undefined) {
    super('timeout', `${path ?? tool}: ${tool} ran longer than ${timeoutMs} ms and was killed (raise the timeout with timeoutMs)`, path);
    this.pid = pid;
  }
}

/** The ffmpeg/ffprobe binary cannot be found or started. */
export class MediaBinaryError extends MediaFailure {
  constructor(message: string, options?: { cause?: unknown }) {
    super('binary', message, undefined, options);
  }
}

/** The clip window (start_s/end_s) selects nothing: it starts at or past the end of the media, or is too short. */
export class MediaWindowError extends MediaFailure {
  constructor(path: string, detail: string) {
    super('window', `${path}: ${detail}`, path);
  }
}
