/**
 * One run per results folder: an exclusive lock file (`.omni-bench.lock`, holding the pid,
 * host and start time) taken before anything is written, released when the run ends. A lock
 * whose process no longer exists on this host is stale and taken over. The children of
 * `--isolate process` run inside their parent's lock (OMNI_BENCH_LOCK names its token).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';

/** Lock file name inside a results folder. */
export const LOCK_FILE = '.omni-bench.lock';

/** Environment variable through which a parent hands its lock to its --isolate children. */
export const LOCK_ENV = 'OMNI_BENCH_LOCK';

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
  token: string;
}

/** A held lock. */
export interface ResultsLock {
  /** The token children present in OMNI_BENCH_LOCK to run inside this lock. */
  token: string;
  /** Removes the lock file (idempotent; also runs on process exit). */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string') return undefined;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), startedAt: String(parsed.startedAt ?? ''), token: parsed.token };
  } catch {
    return undefined;
  }
}

/**
 * The run holding `dir`'s lock, without taking it (reads only): undefined when there is no lock
 * or its process is gone from this host. A lock of another host counts as held.
 */
export function lockHolder(dir: string): Omit<LockContent, 'token'> | undefined {
  const holder = readLock(join(dir, LOCK_FILE));
  if (!holder || (holder.host === hostname() && !alive(holder.pid))) return undefined;
  return { pid: holder.pid, host: holder.host, startedAt: holder.startedAt };
}

/**
 * Takes the lock of `dir` (which must exist). Throws UsageError naming the holder when another
 * live run holds it. A child whose OMNI_BENCH_LOCK equals the holder's token shares the lock
 * and releases nothing.
 */
export function acquireResultsLock(dir: string, env: NodeJS.ProcessEnv = process.env): ResultsLock {
  const path = join(dir, LOCK_FILE);
  const inherited = env[LOCK_ENV];
  for (let attempt = 0; attempt < 3; attempt++) {
    const content: LockContent = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`${dir}: cannot create the lock file ${LOCK_FILE} (${(error as Error).message})`);
      const holder = readLock(path);
      if (holder && inherited !== undefined && holder.token === inherited) return { token: holder.token, release: () => {} };
      // A lock being written right now reads as empty: give it a moment before calling it stale.
      if (!holder && attempt === 0) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      if (holder && (holder.host !== hostname() || alive(holder.pid))) {
        const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
        throw new UsageError(`${dir} is in use by another omni-bench run (${where}, started ${holder.startedAt}); wait for it to finish or pass another --out (remove ${path} if that run is gone)`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(content)}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      process.off('exit', release);
      if (readLock(path)?.token === content.token) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { token: content.token, release };
  }
  throw new UsageError(`${dir}: could not take the lock ${LOCK_FILE}; another run may be starting in the same folder`);
}
