/**
 * The middleware registry: one line per middleware (onnxruntime's registerBackend habit), the
 * `--middleware none|all|a,b` parser, and the helpers a runner needs to build, compose, reset,
 * read and dispose a set of them.
 */
import { UsageError } from '../errors.js';
import { createDynamicPadding } from './dynamic-padding.js';
import { createEncodeWorkers, defaultBranchThreads, type BranchThreads } from './encode-workers.js';
import { createEncoderCache } from './encoder-cache.js';
import { createKvCache } from './kv-cache.js';
import type { Middleware, MiddlewareStats, ResetScope, Stack } from './types.js';

/** What a middleware may need at creation. */
export interface MiddlewareContext {
  /** The model's identity (e.g. the model folder's hash): the encoder cache keys on it. */
  modelId: string;
  /** The encoder cache's byte budget, MB (10^6 bytes); 0 stores nothing. Default 1024. */
  cacheMb?: number;
  /** Intra-op threads of the audio and vision encoder sessions of the encode middleware. Default defaultBranchThreads(). */
  branchThreads?: BranchThreads;
}

/**
 * Every middleware, in the order they wrap the stack (first = innermost, nearest the model).
 * One line per middleware.
 */
const REGISTRY: ReadonlyArray<readonly [string, (context: MiddlewareContext) => Middleware]> = [
  ['parallel-encode', (c) => createEncodeWorkers({ schedule: 'parallel', threads: c.branchThreads ?? defaultBranchThreads() })],
  ['streaming-encode', (c) => createEncodeWorkers({ schedule: 'streaming', threads: c.branchThreads ?? defaultBranchThreads() })],
  ['dynamic-padding', () => createDynamicPadding()],
  ['encoder-cache', (c) => createEncoderCache({ modelId: c.modelId, ...(c.cacheMb !== undefined ? { cacheMb: c.cacheMb } : {}) })],
  ['kv-cache', () => createKvCache()],
];

/** Names of every registered middleware, in wrapping order. */
export const MIDDLEWARE_NAMES: readonly string[] = REGISTRY.map(([name]) => name);

/**
 * Parses a `--middleware` value: `none` (or empty) -> [], `all` -> every name, `a,b` -> those
 * names (spaces trimmed, duplicates dropped), returned in wrapping order so that `b,a` and
 * `a,b` build the same stack. Throws UsageError naming the unknown names and the known ones.
 */
export function parseMiddlewareList(raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 1 && (items[0] === '' || items[0] === 'none')) return [];
  if (items.length === 1 && items[0] === 'all') return [...MIDDLEWARE_NAMES];
  const known = `known: ${MIDDLEWARE_NAMES.join(', ')}; or none, all`;
  if (items.some((s) => s === '')) throw new UsageError(`--middleware '${raw}': empty name in the list (${known})`);
  if (items.some((s) => s === 'none' || s === 'all')) throw new UsageError(`--middleware '${raw}': none and all stand alone, not in a list (${known})`);
  const unknown = items.filter((s) => !MIDDLEWARE_NAMES.includes(s));
  if (unknown.length > 0) throw new UsageError(`--middleware: unknown middleware ${unknown.map((s) => `'${s}'`).join(', ')} (${known})`);
  return MIDDLEWARE_NAMES.filter((name) => items.includes(name));
}

/**
 * Creates the named middleware, in wrapping order. Unknown names are a UsageError; a factory
 * that throws is reported by name, every failure together in one UsageError (with the first
 * failure as cause), after disposing the ones already made.
 */
export function createMiddleware(names: readonly string[], context: MiddlewareContext): Middleware[] {
  const unknown = names.filter((n) => !MIDDLEWARE_NAMES.includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown middleware ${unknown.map((s) => `'${s}'`).join(', ')} (known: ${MIDDLEWARE_NAMES.join(', ')})`);
  const made: Middleware[] = [];
  const failures: { name: string; error: unknown }[] = [];
  for (const [name, create] of REGISTRY) {
    if (!names.includes(name)) continue;
    // streaming-encode runs the branches in parallel too: with both named, it alone is made.
    if (name === 'parallel-encode' && names.includes('streaming-encode')) continue;
    try {
      made.push(create(context));
    } catch (error) {
      failures.push({ name, error });
    }
  }
  if (failures.length > 0) {
    for (const m of made) m.dispose();
    const reason = (f: { name: string; error: unknown }): string => {
      const message = f.error instanceof Error ? f.error.message : String(f.error);
      return message.startsWith(`${f.name}: `) ? message : `${f.name}: ${message}`;
    };
    const reasons = failures.map(reason).join('; ');
    throw new UsageError(`middleware could not be created: ${reasons}`, undefined, { cause: failures[0]?.error });
  }
  return made;
}

/** Wraps `stack` with each middleware in turn: the first wraps the plain stack, the last is outermost. */
export function composeStack(stack: Stack, middlewares: readonly Middleware[]): Stack {
  // A middleware that returns only model and media keeps what inner ones set (the schedule).
  return middlewares.reduce<Stack>((s, m) => ({ ...s, ...m.wrap(s) }), stack);
}

/** Resets every middleware. */
export function resetMiddleware(middlewares: readonly Middleware[], scope: ResetScope): void {
  for (const m of middlewares) m.reset(scope);
}

/** Every middleware's stats since the last call, as one record (a field two of them report is summed). */
export function collectStats(middlewares: readonly Middleware[]): MiddlewareStats {
  const out: Record<string, number> = {};
  for (const m of middlewares) {
    for (const [key, value] of Object.entries(m.stats())) {
      if (typeof value === 'number') out[key] = (out[key] ?? 0) + value;
    }
  }
  return out as MiddlewareStats;
}

/** Disposes every middleware (each once, even when one throws; the first error is rethrown). */
export function disposeMiddleware(middlewares: readonly Middleware[]): void {
  let first: unknown;
  for (const m of middlewares) {
    try {
      m.dispose();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/** The `middleware` column and meta.json value of a set: names joined by '+', or 'none'. */
export function middlewareLabel(middlewares: readonly Pick<Middleware, 'name'>[] | readonly string[]): string {
  const names = middlewares.map((m) => (typeof m === 'string' ? m : m.name));
  return names.length === 0 ? 'none' : names.join('+');
}
