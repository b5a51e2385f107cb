/**
 * The model cache: `${omniBenchHome()}/models/<preset>-s<seed>-b<builder version>`, built
 * once and reused. The spec runner resolves its --model argument through {@link ensureModel}.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from '../../errors.js';
import { omniBenchHome } from '../../paths.js';
import { GENAI_CONFIG_FILE } from '../genai-config.js';
import { BUILDER_VERSION, buildModel, DEFAULT_SEED, type BuildOptions } from './build.js';
import { loadPreset, PRESETS, type ModelPreset } from './presets.js';

/** Cache folder name of a preset: built-in names as is, preset files with a hash of their dims. */
export function cacheKey(preset: ModelPreset, seed: number): string {
  const builtIn = (PRESETS as Record<string, ModelPreset>)[preset.name];
  const same = builtIn && JSON.stringify(builtIn) === JSON.stringify(preset);
  const name = same ? preset.name : `${preset.name}-${createHash('sha256').update(JSON.stringify(preset)).digest('hex').slice(0, 8)}`;
  return `${name}-s${seed}-b${BUILDER_VERSION}`;
}

/** Folder of cached models. */
export function modelCacheDir(): string {
  return join(omniBenchHome(), 'models');
}

/**
 * Resolves a model argument to a model directory: an existing directory is returned as is
 * (resolved); a preset name or preset .json file is built into the cache once and reused.
 */
export function ensureModel(presetOrDir: string, opts: { seed?: number; onProgress?: BuildOptions['onProgress'] } = {}): Promise<string> {
  return Promise.resolve().then(() => {
    if (existsSync(presetOrDir) && statSync(presetOrDir).isDirectory()) return resolve(presetOrDir);
    const looksLikeDir = !presetOrDir.endsWith('.json') && /[\\/]/.test(presetOrDir);
    if (looksLikeDir) throw new ModelError(`model directory '${presetOrDir}' not found (build one with: omni-bench model build --out DIR)`);
    const preset = loadPreset(presetOrDir);
    const seed = opts.seed ?? DEFAULT_SEED;
    const dir = join(modelCacheDir(), cacheKey(preset, seed));
    if (existsSync(join(dir, GENAI_CONFIG_FILE))) return dir;
    // Build beside the cache entry, then rename: concurrent builders race harmlessly.
    const staging = join(modelCacheDir(), `.staging-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(modelCacheDir(), { recursive: true });
    try {
      buildModel(preset, staging, { seed, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      try {
        renameSync(staging, dir);
      } catch (error) {
        if (!existsSync(join(dir, GENAI_CONFIG_FILE))) throw error; // someone else finished first otherwise
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    return dir;
  });
}
