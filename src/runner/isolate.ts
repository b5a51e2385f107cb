/**
 * `--isolate process`: each variant in a fresh child process, so that allocator arenas and
 * memory high-water marks of one variant do not carry into the next. Children are this same
 * program resumed on the results folder with one variant each; they append to records.csv
 * one after another (never two at once), and the parent writes the summary.
 */
import { spawn } from 'node:child_process';
import { LOCK_ENV } from './results-lock.js';

/** How to start this program again: node, its flags (e.g. --import tsx) and the entry script. */
export function selfCommand(): string[] {
  const entry = process.argv[1];
  return [process.execPath, ...process.execArgv, ...(entry ? [entry] : [])];
}

/** Outcome of one child. */
export interface ChildRun {
  variant: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `variants` one by one, each as `<self> <spec> --resume DIR --variants V --isolate none
 * --records-only`. Stops before the next child once `signal` is aborted (the running child gets
 * the terminal's SIGINT itself and stops cleanly).
 */
export async function runVariantsIsolated(input: {
  spec: string;
  dir: string;
  variants: readonly string[];
  signal?: AbortSignal;
  command?: string[];
  quiet: boolean;
  /** The parent's results-folder lock, shared with the children (OMNI_BENCH_LOCK). */
  lockToken?: string;
}): Promise<ChildRun[]> {
  const [program, ...prefix] = input.command ?? selfCommand();
  const runs: ChildRun[] = [];
  for (const variant of input.variants) {
    if (input.signal?.aborted) break;
    const args = [...prefix, input.spec, '--resume', input.dir, '--variants', variant, '--isolate', 'none', '--records-only', ...(input.quiet ? ['--quiet'] : [])];
    const run = await new Promise<ChildRun>((resolve, reject) => {
      const env = input.lockToken === undefined ? process.env : { ...process.env, [LOCK_ENV]: input.lockToken };
      const child = spawn(program as string, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
      const forward = (): void => void child.kill('SIGINT');
      input.signal?.addEventListener('abort', forward, { once: true });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        input.signal?.removeEventListener('abort', forward);
        resolve({ variant, code, signal });
      });
    });
    runs.push(run);
  }
  return runs;
}
