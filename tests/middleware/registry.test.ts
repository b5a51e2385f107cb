import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  collectStats,
  composeStack,
  createMiddleware,
  disposeMiddleware,
  middlewareLabel,
  MIDDLEWARE_NAMES,
  parseMiddlewareList,
  resetMiddleware,
} from '../../src/middleware/registry.js';
import type { Middleware, Stack } from '../../src/middleware/types.js';

describe('middleware registry', () => {
  it('parses none, all and lists into names in wrapping order, without duplicates', () => {
    expect(MIDDLEWARE_NAMES).toEqual(['parallel-encode', 'streaming-encode', 'dynamic-padding', 'encoder-cache', 'kv-cache']);
    expect(parseMiddlewareList('none')).toEqual([]);
    expect(parseMiddlewareList('')).toEqual([]);
    expect(parseMiddlewareList('all')).toEqual(['parallel-encode', 'streaming-encode', 'dynamic-padding', 'encoder-cache', 'kv-cache']);
    expect(parseMiddlewareList('kv-cache, encoder-cache,kv-cache')).toEqual(['encoder-cache', 'kv-cache']);
  });

  it('names unknown middleware and the known ones in a UsageError', () => {
    const error = (() => {
      try {
        parseMiddlewareList('kv-cache,kv-cahce,flash');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      "--middleware: unknown middleware 'kv-cahce', 'flash' (known: parallel-encode, streaming-encode, dynamic-padding, encoder-cache, kv-cache; or none, all)",
    );
    expect(() => parseMiddlewareList('none,kv-cache')).toThrow(/none and all stand alone/);
    expect(() => parseMiddlewareList('kv-cache,,encoder-cache')).toThrow(/empty name/);
    expect(() => createMiddleware(['warp'], { modelId: 'm' })).toThrow(UsageError);
  });

  it('creates each named middleware and reports every failed creation by name', () => {
    // streaming-encode runs the branches in parallel too: with both named, parallel-encode is not made.
    const made = createMiddleware(parseMiddlewareList('all'), { modelId: 'm', cacheMb: 8 });
    expect(made.map((m) => m.name)).toEqual(['streaming-encode', 'dynamic-padding', 'encoder-cache', 'kv-cache']);
    expect(middlewareLabel(made)).toBe('streaming-encode+dynamic-padding+encoder-cache+kv-cache');
    expect(createMiddleware(['parallel-encode'], { modelId: 'm' }).map((m) => m.name)).toEqual(['parallel-encode']);
    expect(() => createMiddleware(['parallel-encode'], { modelId: 'm', branchThreads: { audio: 0, vision: 1 } })).toThrow(/threads of the audio branch must be an integer >= 1, got 0/);
    expect(middlewareLabel([])).toBe('none');
    expect(() => createMiddleware(['encoder-cache'], { modelId: 'm', cacheMb: -1 })).toThrow(
      /^middleware could not be created: encoder-cache: cacheMb must be a number >= 0, got -1$/,
    );
  });

  it('composes in order (first innermost), resets, collects stats summed by field, and disposes each', async () => {
    const log: string[] = [];
    const fake = (name: string, stats: Record<string, number>): Middleware => ({
      name,
      wrap: (stack: Stack): Stack => ({
        ...stack,
        model: { ...stack.model, encodeVision: async (p) => (log.push(name), stack.model.encodeVision(p)) },
      }),
      reset: (scope) => void log.push(`${name} reset ${scope}`),
      stats: () => stats,
      dispose: () => void log.push(`${name} dispose`),
    });
    const base: Stack = {
      model: {
        encodeAudio: () => Promise.reject(new Error('unused')),
        encodeVision: async () => (log.push('model'), { features: new Float32Array(0), tokens: 0, hiddenSize: 1 }),
        generate: () => Promise.reject(new Error('unused')),
      },
      media: {} as Stack['media'],
    };
    const list = [fake('inner', { cacheHits: 1, cacheMb: 2 }), fake('outer', { cacheHits: 2, newTokens: 5 })];
    await composeStack(base, list).model.encodeVision({ pixelValues: new Float32Array(0), gridThw: [1, 2, 2] });
    expect(log).toEqual(['outer', 'inner', 'model']);
    expect(collectStats(list)).toEqual({ cacheHits: 3, cacheMb: 2, newTokens: 5 });
    log.length = 0;
    resetMiddleware(list, 'run');
    disposeMiddleware(list);
    expect(log).toEqual(['inner reset run', 'outer reset run', 'inner dispose', 'outer dispose']);
  });
});
