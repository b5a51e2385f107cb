/**
 * ffmpeg/ffprobe: which binary runs, and one way to run it. Every call spawns with an argument
 * array (never a shell string), has a time limit, keeps stderr for the error message, and the
 * child is killed on timeout, on abort, and when this process is interrupted or exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { MediaBinaryError, MediaFailure, MediaTimeoutError } from './errors.js';

/** Default time limit of one ffmpeg/ffprobe run: 120 s. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Options every media function accepts to choose binaries and limits. */
export interface MediaToolOptions {
  /** ffmpeg binary; default `$OMNI_BENCH_FFMPEG`, else the one in @ffmpeg-installer/ffmpeg. */
  ffmpegPath?: string;
  /** ffprobe binary; default `$OMNI_BENCH_FFPROBE`, else the one in @ffprobe-installer/ffprobe. */
  ffprobePath?: string;
  /** Time limit of each child process in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** Aborting kills the child and rejects with an 'interrupted' MediaFailure. */
  signal?: AbortSignal;
}

/** Which tool. */
export type MediaTool = 'ffmpeg' | 'ffprobe';

/** A resolved binary and where its path came from. */
export interface ResolvedBinary {
  tool: MediaTool;
  path: string;
  source: 'option' | 'env' | 'bundled';
}

const ENV_VARS: Record<MediaTool, string> = { ffmpeg: 'OMNI_BENCH_FFMPEG', ffprobe: 'OMNI_BENCH_FFPROBE' };

/** How to choose another binary: the environment variable works for every command, the flag where a command has it. */
export function binaryHint(tool: MediaTool): string {
  return `set ${ENV_VARS[tool]}=PATH (or pass --${tool} PATH)`;
}

/** "ffmpeg at PATH", plus where the path came from when it was the environment variable. */
function named(binary: ResolvedBinary): string {
  return `${binary.tool} at ${binary.path}${binary.source === 'env' ? ` (from ${ENV_VARS[binary.tool]})` : ''}`;
}

/**
 * A media path as ffmpeg/ffprobe must be given it: with the `file:` protocol, so that a name such
 * as `concat:x.mp4`, `subfile:...` or `http:...` is read as the file it names, never as a protocol.
 */
export function ffmpegInput(path: string): string {
  return `file:${path}`;
}
const PACKAGES: Record<MediaTool, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };

/**
 * The binary for `tool`: an explicit path, else `$OMNI_BENCH_FFMPEG`/`$OMNI_BENCH_FFPROBE`,
 * else the one bundled in the npm installer package. Throws MediaBinaryError when none exists.
 */
export function resolveBinary(tool: MediaTool, explicit?: string): ResolvedBinary {
  const env = process.env[ENV_VARS[tool]];
  if (explicit !== undefined && explicit.length > 0) return { tool, path: explicit, source: 'option' };
  if (env !== undefined && env.length > 0) return { tool, path: env, source: 'env' };
  try {
    const require = createRequire(import.meta.url);
    const installed = require(PACKAGES[tool]) as { path: string };
    if (!existsSync(installed.path)) throw new Error(`${installed.path} does not exist`);
    return { tool, path: installed.path, source: 'bundled' };
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new MediaBinaryError(
      `no ${tool} binary: ${PACKAGES[tool]} is not usable here (${detail}); ${binaryHint(tool)}`,
      { cause },
    );
  }
}

/**
 * First line of `BINARY -version`, e.g. "ffmpeg version 6.0-static ...". Throws MediaBinaryError
 * when the binary cannot run or is not the tool (its first line must start "ffmpeg version" or
 * "ffprobe version": /bin/true runs fine and is not ffprobe).
 */
export function binaryVersion(binary: ResolvedBinary): string {
  const result = spawnSync(binary.path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) {
    const detail = result.error ? result.error.message : `exit ${result.status}`;
    throw new MediaBinaryError(`${named(binary)} cannot run (${detail}); ${binaryHint(binary.tool)}`);
  }
  const first = (result.stdout.split('\n')[0] ?? '').trim();
  if (!first.startsWith(`${binary.tool} version`)) {
    const said = first.length > 0 ? `its -version output starts '${first.slice(0, 60)}'` : 'its -version output is empty';
    throw new MediaBinaryError(`${named(binary)} is not ${binary.tool} (${said}, not '${binary.tool} version ...'); ${binaryHint(binary.tool)}`);
  }
  return first;
}

/** Options of one run. */
export interface RunToolOptions {
  /** Time limit in milliseconds. Default 120 000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The media file concerned, for error messages. */
  mediaPath?: string;
  /** Receives stdout as it arrives; when set, `stdout` of the result is empty. */
  onStdout?: (chunk: Buffer) => void;
}

/** What a finished run left. */
export interface ToolRun {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  stdout: Buffer;
  /** stderr, the last 64 KiB at most. */
  stderr: string;
}

const STDERR_KEEP = 64 * 1024;
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Keep Node's default (exit on the signal) when nobody else listens for it.
  if (process.listenerCount(signal) === 1) {
    removeHooks();
    process.kill(process.pid, signal);
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function removeHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('exit', killAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Number of ffmpeg/ffprobe children alive now (for tests and diagnostics). */
export function liveChildren(): number {
  return live.size;
}

/**
 * Runs `binary` with `args` (no shell). Resolves with the exit code, stdout and stderr whatever
 * the exit code; rejects with MediaTimeoutError on timeout, MediaFailure('interrupted') on
 * abort, MediaBinaryError when the binary cannot start.
 */
export function runTool(binary: ResolvedBinary, args: readonly string[], options: RunToolOptions = {}): Promise<ToolRun> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  return new Promise<ToolRun>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new MediaFailure('interrupted', `${options.mediaPath ?? binary.tool}: aborted before ${binary.tool} started`, options.mediaPath));
      return;
    }
    const child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    installHooks();
    const stdoutChunks: Buffer[] = [];
    let stderr = '';
    let failure: Error | undefined;
    const kill = (error: Error): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new MediaTimeoutError(binary.tool, timeoutMs, options.mediaPath, child.pid)), timeoutMs);
    const onAbort = (): void =>
      kill(new MediaFailure('interrupted', `${options.mediaPath ?? binary.tool}: ${binary.tool} interrupted`, options.mediaPath));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (options.onStdout) {
        try {
          options.onStdout(chunk);
        } catch (error) {
          kill(error instanceof Error ? error : new Error(String(error)));
        }
      } else stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 2 * STDERR_KEEP) stderr = stderr.slice(-STDERR_KEEP);
    });
    const finish = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      live.delete(child);
      if (live.size === 0) removeHooks();
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      reject(
        new MediaBinaryError(
          `${named(binary)} cannot start (${error.code ?? error.message}); ${binaryHint(binary.tool)}`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code) => {
      finish();
      if (failure) reject(failure);
      else resolve({ code, stdout: Buffer.concat(stdoutChunks), stderr: stderr.slice(-STDERR_KEEP) });
    });
  });
}

/**
 * The meaningful part of a failed run's stderr, for one-line error messages: the last two
 * distinct lines, without the "[demuxer @ 0x...]" and "path: " prefixes.
 */
export function lastErrorLine(stderr: string, mediaPath?: string): string {
  const lines: string[] = [];
  for (const raw of stderr.split('\n')) {
    let line = raw.trim().replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '');
    if (mediaPath && line.startsWith(`${ffmpegInput(mediaPath)}: `)) line = line.slice(ffmpegInput(mediaPath).length + 2);
    if (mediaPath && line.startsWith(`${mediaPath}: `)) line = line.slice(mediaPath.length + 2);
    if (line.length > 0 && !lines.includes(line)) lines.push(line);
  }
  return lines.slice(-2).join('; ') || 'no error output';
}
