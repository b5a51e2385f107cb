import { homedir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

/** Root of the installed package (the folder holding package.json), from src/ or dist/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder of the committed fixtures (media, annotations, manifests). */
export const FIXTURES_DIR = join(PACKAGE_ROOT, 'fixtures');

/** omni-bench's cache and state folder: `$OMNI_BENCH_HOME`, default `~/.cache/omni-bench`. */
export function omniBenchHome(): string {
  const fromEnv = process.env['OMNI_BENCH_HOME'];
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : join(homedir(), '.cache', 'omni-bench');
}

/** The package version from package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
