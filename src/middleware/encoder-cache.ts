/**
 * encoder-cache: the same media under the same preprocessing is decoded, turned into features
 * and encoded once. It wraps every stage on the way from a media file to encoder features
 * (decodeAudio, logMel, encodeAudio; sampleFrames, patchify, encodeVision), so that a second
 * request for the same media skips all of them: a hit returns the stored result.
 *
 * Keys are content, never names: a media file by the sha256 of its bytes (read once per file
 * version), a buffer by the sha256 of its bytes, plus every parameter the stage is called with
 * (clip window, padding, chunk length, encodePadding, the grid), the video pixel budget, and the
 * model's identity. A value a cached stage returned carries its key to the next stage, so a hit
 * is not hashed again. Values are stored in an LRU under a byte budget (cacheMb).
 *
 * Scope: one conversation. reset('conversation') and reset('run') both empty the cache, so each
 * recorded conversation starts cold: its first turn costs the same in every variant and repeat,
 * and warmups never fill it.
 *
 * Why the answer is unchanged: a stored value is the value the stage returned for the same
 * content and parameters; stages are deterministic, and the model id keeps one model's features
 * from another's.
 */
import { createHash } from 'node:crypto';
import { FPS_MAX_FRAMES, FPS_MIN_FRAMES, DEFAULT_SAMPLE_FPS, VIDEO_MAX_PIXELS, VIDEO_MIN_PIXELS, VIDEO_TOTAL_PIXELS } from '../media/frames.js';
import type { AudioEncodeOptions, MelFeatures, VisionEncodeOptions, VisionPatches } from '../model/types.js';
import type { MediaLike, ModelLike, SampledVideo } from '../runner/types.js';
import { ContentKeys } from './content-key.js';
import { ByteLru } from './lru.js';
import type { Middleware, MiddlewareStats, Stack } from './types.js';
import { holdsDetachedBuffer, override, retainedBytes } from './wrap.js';

/** Default byte budget of the encoder cache, MB (10^6 bytes). */
export const DEFAULT_CACHE_MB = 1024;

/** Options of the encoder cache. */
export interface EncoderCacheOptions {
  /** The model's identity (e.g. the model folder's hash): part of every key. */
  modelId: string;
  /** Byte budget, MB (10^6 bytes); 0 stores nothing (every lookup is a miss). Default 1024. */
  cacheMb?: number;
}

/** The frame sampler's fixed parameters (src/media/frames.ts): part of a video's key. */
const FRAME_PLAN = `fps=${DEFAULT_SAMPLE_FPS},frames=${FPS_MIN_FRAMES}-${FPS_MAX_FRAMES},pixels=${VIDEO_MIN_PIXELS}-${VIDEO_MAX_PIXELS},total=${VIDEO_TOTAL_PIXELS}`;

/** The encoder-cache middleware. */
export function createEncoderCache(options: EncoderCacheOptions): Middleware {
  const cacheMb = options.cacheMb ?? DEFAULT_CACHE_MB;
  if (!(cacheMb >= 0) || !Number.isFinite(cacheMb)) throw new RangeError(`encoder-cache: cacheMb must be a number >= 0, got ${cacheMb}`);
  if (typeof options.modelId !== 'string' || options.modelId.length === 0) throw new TypeError('encoder-cache: modelId must be a non-empty string (the model identity keys the features)');
  const store = new ByteLru<object>(Math.floor(cacheMb * 1e6));
  const keys = new ContentKeys();
  let hits = 0;
  let misses = 0;

  const stageKey = (stage: string, description: string): string =>
    `${stage}:${createHash('sha256').update(`${options.modelId}\0${description}`).digest('hex').slice(0, 32)}`;

  /** Looks `key` up; on a miss runs `compute` and stores its value. Either way the value carries its key. */
  async function cached<V extends object>(key: string | undefined, compute: () => V | Promise<V>): Promise<V> {
    if (key !== undefined) {
      let stored = store.get(key);
      // A buffer lent to a worker thread that died with it is detached: that entry is lost, not served.
      if (stored !== undefined && holdsDetachedBuffer(stored)) {
        store.delete(key);
        stored = undefined;
      }
      if (stored !== undefined) {
        hits++;
        return stored as V;
      }
    }
    misses++;
    const value = await compute();
    if (key !== undefined) {
      store.set(key, value, retainedBytes(value));
      keys.setOrigin(value, key);
    }
    return value;
  }

  /** A file's content digest; undefined when it cannot be read (the stage then reports the file itself). */
  const fileDigest = (path: string): Promise<string | undefined> => keys.file(path).catch(() => undefined);

  function wrap(stack: Stack): Stack {
    const { media: m, model: x } = stack;
    const media = override<MediaLike>(m, {
      async decodeAudio(path, window, callOptions) {
        const file = await fileDigest(path);
        const key = file === undefined ? undefined : stageKey('decodeAudio', `${file}|${keys.value(window)}`);
        const decoded = await cached(key, () => m.decodeAudio(path, window, callOptions));
        if (decoded.kind === 'audio' && key !== undefined) keys.setOrigin(decoded.samples, key);
        return decoded;
      },
      logMel(samples, opts) {
        return cached(stageKey('logMel', `${keys.value(samples)}|${keys.value(opts)}`), () => m.logMel(samples, opts));
      },
      async sampleFrames(path, window, callOptions) {
        const file = await fileDigest(path);
        const key = file === undefined ? undefined : stageKey('sampleFrames', `${file}|${keys.value(window)}|${FRAME_PLAN}`);
        // A hit delivers no frame to callOptions.onFrame: the caller works on the returned video.
        return cached(key, () => m.sampleFrames(path, window, callOptions));
      },
      patchify(video: SampledVideo) {
        return cached(stageKey('patchify', keys.value(video)), () => m.patchify(video));
      },
    });
    const model = override<ModelLike>(x, {
      async encodeAudio(mel: MelFeatures, opts: AudioEncodeOptions = {}) {
        const before = hits;
        const out = await cached(stageKey('encodeAudio', `${keys.value(mel)}|padding=${opts.encodePadding === true}`), () => x.encodeAudio(mel, opts));
        return hits > before ? { ...out, fromCache: true } : out;
      },
      async encodeVision(patches: VisionPatches, opts: VisionEncodeOptions = {}) {
        const before = hits;
        const out = await cached(stageKey('encodeVision', keys.value(patches)), () => x.encodeVision(patches, opts));
        return hits > before ? { ...out, fromCache: true } : out;
      },
    });
    return { ...stack, media, model };
  }

  return {
    name: 'encoder-cache',
    wrap,
    // Every conversation starts cold, so that its first turn measures the same work in every
    // variant and repeat, and later turns measure only what the conversation itself cached.
    reset() {
      store.clear();
      keys.clear();
    },
    stats(): MiddlewareStats {
      const out = { cacheHits: hits, cacheMisses: misses, cacheMb: store.bytes / 1e6 };
      hits = 0;
      misses = 0;
      return out;
    },
    dispose() {
      store.clear();
      keys.clear();
    },
  };
}
