/**
 * Runs one suite entry as `omni-bench <spec> ARGS --out DIR` in a child process: a crash (a
 * native abort, out of memory) ends that entry, not the suite, and every entry starts with fresh
 * allocator arenas and process state, as a run from the shell would.
 */
import { spawn } from 'node:child_process';
import { selfCommand } from '../runner/isolate.js';

/** How an entry's process ended. */
export interface EntryExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last error line the run printed (`omni-bench: ...`, not a warning), for the report. */
  errorLine?: string;
}

/** What running one entry needs. */
export interface EntryRunInput {
  spec: string;
  args: readonly string[];
  /** The entry's results folder (absolute). */
  dir: string;
  /** Pass --quiet to the run (the suite's --quiet or --json). */
  quiet: boolean;
  /** The suite's Ctrl-C/SIGTERM: each one is passed on to the run as SIGINT (the first stops it cleanly, a later one at once). */
  interrupts: Interrupts;
  /** Where the run's stdout (its table) and stderr (progress, warnings, errors) go. */
  output: NodeJS.WritableStream;
}

/** The interrupts the suite received, for the entry running at the time. */
export interface Interrupts {
  /** Signals received so far. */
  readonly count: number;
  /** Calls `listener` on each later signal; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** Runs an entry; the suite takes another in tests. */
export type EntryRunner = (input: EntryRunInput) => Promise<EntryExit>;

/** The last `omni-bench: ...` line of `text` that is not a warning. */
export function lastErrorLine(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('omni-bench: ') && !l.startsWith('omni-bench: warning:'));
  return lines.at(-1);
}

/** Runs the entry with this program (node, its flags and its entry script), as --isolate process does. */
export const spawnEntry: EntryRunner = (input) => {
  const [program, ...prefix] = selfCommand();
  const args = [...prefix, input.spec, ...input.args, '--out', input.dir, ...(input.quiet ? ['--quiet'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(program as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Keep the tail of stderr for the error line; everything goes through to the suite's output.
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => input.output.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      input.output.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-8192);
    });
    const unsubscribe = input.interrupts.subscribe(() => void child.kill('SIGINT'));
    // A signal that came while the child was being started.
    if (input.interrupts.count > 0) child.kill('SIGINT');
    child.on('error', (error) => {
      unsubscribe();
      reject(error);
    });
    child.on('close', (code, signal) => {
      unsubscribe();
      const errorLine = lastErrorLine(tail);
      resolve({ code, signal, ...(errorLine ? { errorLine } : {}) });
    });
  });
};
