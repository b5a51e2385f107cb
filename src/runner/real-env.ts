/**
 * The real environment of a spec run: manifests through src/datasets/, media through
 * src/media/, the model built on first use (ensureModel) and loaded once (OmniModel), and the
 * profiler's instruments. Loaded lazily by the CLI so that `--help` never opens ONNX Runtime.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { realPathOrResolved } from '../safe-fs.js';
import { basename, dirname, join } from 'node:path';
import { terminalSafe } from '../safe-text.js';
import { loadManifest, type InvalidRow, type Sample } from '../datasets/manifest.js';
import { promptText } from '../datasets/prompt.js';
import { decodeAudioTrack } from '../media/audio.js';
import { binaryVersion, resolveBinary } from '../media/ffmpeg.js';
import { sampleFrames } from '../media/frames.js';
import { MediaWindowError } from '../media/errors.js';
import { logMel } from '../media/mel.js';
import { patchify, type RgbFrames } from '../media/patchify.js';
import { ensureModel, modelCacheDir, parseModelArgument } from '../model/builder/cache.js';
import { OmniModel } from '../model/omni-model.js';
import { FAMILIES, familyTakes } from '../model/families/index.js';
import { readModelConfig } from '../model/genai-config.js';
import { calibrateMatMul } from '../model/calibrate.js';
import { decoderFlops, speechFlops, visionFlops } from '../model/flops.js';
import { findOnPath } from '../profiler/gpu-poller.js';
import { peakRssSupported } from '../profiler/vmhwm.js';
import type { SpecRunOptions } from '../specs/spec.js';
import type { ModelFacts, SpecEnvironment } from './execute.js';
import { profilerInstruments } from './instruments.js';
import { ortProfilePrefix } from './results-dir.js';
import type { LoadedModel } from './run.js';
import type { BenchSample, InvalidSample, MediaLike } from './types.js';

/** A runner sample from a manifest sample (the prompt built as lmms-eval does). */
export function toBenchSample(sample: Sample): BenchSample {
  const out: BenchSample = { sampleId: sample.sampleId, dataset: sample.dataset, prompt: promptText(sample) };
  if (sample.videoPath !== undefined) out.videoPath = sample.videoPath;
  if (sample.audioPath !== undefined) out.audioPath = sample.audioPath;
  if (sample.options && sample.options.length > 0) out.options = sample.options;
  if (sample.answer !== undefined) out.answer = sample.answer;
  if (sample.startS !== undefined) out.startS = sample.startS;
  if (sample.endS !== undefined) out.endS = sample.endS;
  return out;
}

/**
 * An error-record source from an invalid manifest row: its sample_id (`row-<line>` when empty),
 * the manifest's folder name as dataset. Where that key meets a valid sample's or another
 * invalid row's, the planner gives it a `#2` suffix (planRun), so it never takes their place.
 */
export function toInvalidSample(row: InvalidRow): InvalidSample {
  return {
    sampleId: row.sampleId !== undefined && row.sampleId !== '' ? terminalSafe(row.sampleId) : `row-${row.row}`,
    dataset: basename(dirname(row.manifestPath)),
    reason: `${basename(row.manifestPath)} row ${row.row}: ${row.reason}`,
  };
}

/** Samples of every manifest, the invalid rows as error-record sources, and what was set aside. */
export interface LoadedSamples {
  samples: BenchSample[];
  invalid: InvalidSample[];
  /** Warnings for the terminal and meta.json (a manifest given twice, ids repeated across manifests). */
  warnings: string[];
  /** Data rows read from the manifests (before selection). */
  rowsRead: number;
}

/**
 * Loads every manifest with the selection options (per manifest). A manifest given twice is
 * loaded once, with a warning; a sample whose (dataset, sample_id) another manifest already
 * gave becomes an error record naming both, so no trial key is planned twice and no sample is
 * counted twice. The selection seed applies only when the user gave --seed (`sampleSeed`).
 */
export async function loadSamples(manifests: readonly string[], options: SpecRunOptions): Promise<LoadedSamples> {
  const out: LoadedSamples = { samples: [], invalid: [], warnings: [], rowsRead: 0 };
  const firstSeen = new Map<string, string>();
  let repeated = 0;
  const loadedPaths = new Set<string>();
  for (const path of manifests) {
    const real = realPathOrResolved(path);
    if (loadedPaths.has(real)) {
      out.warnings.push(`manifest ${path} is given more than once; it is loaded once`);
      continue;
    }
    loadedPaths.add(real);
    const loaded = await loadManifest(path, {
      ...(options.maxSamples !== undefined ? { maxSamples: options.maxSamples } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
    });
    out.rowsRead += loaded.rowsRead;
    for (const sample of loaded.samples) {
      const key = JSON.stringify([sample.dataset, sample.sampleId]);
      const where = `${basename(sample.manifestPath)} row ${sample.row}`;
      const first = firstSeen.get(key);
      if (first !== undefined) {
        out.invalid.push(toInvalidSample({ manifestPath: sample.manifestPath, row: sample.row, sampleId: sample.sampleId, reason: `duplicate sample '${sample.sampleId}' of dataset '${sample.dataset}' (already in ${first})` }));
        repeated++;
        continue;
      }
      firstSeen.set(key, where);
      out.samples.push(toBenchSample(sample));
    }
    out.invalid.push(...loaded.invalid.map(toInvalidSample));
  }
  if (repeated > 0) out.warnings.push(`${repeated} sample(s) appear in more than one manifest; each later copy is an error record, the first is run`);
  return out;
}


/** src/media/ behind the runner's MediaLike. */
export const realMedia: MediaLike = {
  branchWorkerSafe: true,
  async decodeAudio(path, window, options = {}) {
    const track = await decodeAudioTrack(path, { ...window, ...(options.signal ? { signal: options.signal } : {}) });
    return track.status === 'ok' ? { kind: 'audio', samples: track.samples } : { kind: 'no-audio' };
  },
  logMel: (samples, options) => logMel(samples, { padding: options.padding, ...(options.chunkLengthS !== undefined ? { chunkLengthS: options.chunkLengthS } : {}) }),
  async sampleFrames(path, window, options = {}) {
    const { onFrame } = options;
    if (window.nframes !== undefined && !(Number.isInteger(window.nframes) && window.nframes >= 2 && window.nframes % 2 === 0)) {
      throw new RangeError(`sampleFrames: nframes must be an even integer >= 2 (frames come in temporal pairs), got ${window.nframes}`);
    }
    const sampled = await sampleFrames(path, {
      ...(window.start !== undefined ? { start: window.start } : {}),
      ...(window.end !== undefined ? { end: window.end } : {}),
      ...(window.nframes !== undefined ? { nframes: window.nframes } : {}),
      ...(window.maxPixels !== undefined ? { maxPixels: window.maxPixels } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(onFrame
        ? {
            onFrame: (frame, position, plan) => {
              const one: RgbFrames = { frames: [frame], width: plan.width, height: plan.height, sampleFps: plan.sampleFps };
              onFrame({ frames: one, count: 1, width: plan.width, height: plan.height, seconds: 1 / plan.sampleFps }, position);
            },
          }
        : {}),
    });
    // src/media clamps a frame count to the window's frames; asked for exactly N, fewer is an error.
    if (window.nframes !== undefined && sampled.frames.length < window.nframes) {
      throw new MediaWindowError(
        path,
        `the window holds ${sampled.windowFrames} frames (${sampled.windowSeconds.toFixed(2)} s at ${sampled.videoFps} fps), fewer than the ${window.nframes} asked; ask for ${Math.floor(sampled.windowFrames / 2) * 2} or fewer, or use a longer video`,
      );
    }
    // Seconds of video the frames were sampled from: the clip window, clamped to the file.
    const seconds = (sampled.endFrame - sampled.startFrame + 1) / sampled.videoFps;
    return { frames: sampled, count: sampled.frames.length, width: sampled.width, height: sampled.height, seconds };
  },
  patchify: (video) => patchify(video.frames as RgbFrames),
};

/** sha256 over genai_config.json and the names and sizes of the model's files (cheap, stable). */
export function modelHash(dir: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(dir, 'genai_config.json')));
  for (const name of readdirSync(dir).sort()) hash.update(`${name}:${statSync(join(dir, name)).size}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Seed of the reference model's weights: --seed, else 0. */
export function modelSeed(options: Pick<SpecRunOptions, 'seed'>): number {
  return options.seed ?? 0;
}

/**
 * Builds the model on first use (preset) and loads it once. A first-use build says so through
 * `notice` (stderr unless --quiet), since it takes seconds before the first trial.
 */
export async function loadRealModel(options: SpecRunOptions, notice: (message: string) => void = (m) => void (options.quiet || process.stderr.write(`${m}\n`))): Promise<LoadedModel> {
  const started = performance.now();
  const preset = !existsSync(options.model) && parseModelArgument(options.model) ? options.model : null;
  let announced = false;
  const onProgress = (): void => {
    if (announced) return;
    announced = true;
    notice(`omni-bench: building the ${options.model} reference model into ${modelCacheDir()} (first use only; a few seconds)`);
  };
  const dir = await ensureModel(options.model, { seed: modelSeed(options), onProgress });
  const resolvedMs = performance.now() - started;
  // ONNX Runtime writes its profile beside the prefix but does not create the folder.
  if (options.ortProfile && options.out) mkdirSync(dirname(ortProfilePrefix(options.out)), { recursive: true });
  const model = await OmniModel.load(dir, {
    ...(options.ep !== undefined ? { executionProvider: options.ep } : {}),
    ...(options.memArena !== undefined ? { memArena: options.memArena } : {}),
    ...(options.threads !== undefined ? { intraOpThreads: options.threads } : {}),
    ...(options.ortProfile && options.out ? { profileFilePrefix: ortProfilePrefix(options.out) } : {}),
  });
  return {
    model,
    loadMs: model.loadMs,
    // resolveOrBuildMs: ensureModel's time (the preset's build on first use, ~0 once cached).
    info: {
      dir,
      preset,
      family: model.family,
      seed: modelSeed(options),
      hash: modelHash(dir),
      resolveOrBuildMs: resolvedMs,
      audioChunkSeconds: model.audioChunkSeconds ?? null,
      // The options each session was opened with: --ep / --threads / --mem-arena over genai_config.json's session_options.
      sessionOptions: model.sessionOptionsUsed,
    },
    warnings: model.warnings.map((w) => w.message),
    // FLOPs the config has the dims for (a real export without config.json may lack an encoder's).
    flops: (work, promptTokens) => {
      const out: Partial<Record<'audio_encoder' | 'vision_encoder' | 'prefill', number>> = {};
      const audio = work.audioMelFrames !== null ? speechFlops(model.config, work.audioMelFrames, work.audioValidFrames ?? work.audioMelFrames) : null;
      const vision = work.visionGrid !== null ? visionFlops(model.config, work.visionGrid) : null;
      const prefill = decoderFlops(model.config, promptTokens, work.pastTokens ?? 0);
      if (audio !== null) out.audio_encoder = audio;
      if (vision !== null) out.vision_encoder = vision;
      if (prefill !== null) out.prefill = prefill;
      return out;
    },
    release: () => model.release(),
  };
}

/**
 * The model's family and what it takes, from its folder (genai_config.json and the files beside
 * it) without opening a session; undefined when the folder cannot be read yet (a preset not built:
 * the check then happens after loading).
 */
async function modelTakes(options: SpecRunOptions): Promise<ModelFacts | undefined> {
  if (!existsSync(options.model)) {
    // A reference model to build: `<family>:<preset>`, or a preset of Qwen2.5-Omni; it has every component of its family.
    let named;
    try {
      named = parseModelArgument(options.model);
    } catch {
      return undefined; // an unknown family: loading says so
    }
    if (!named) return undefined;
    const family = FAMILIES[named.family];
    return { family: family.name, takes: { ...family.takes }, audioFeatureKind: family.audioFeatures };
  }
  let config;
  try {
    config = readModelConfig(options.model);
  } catch {
    return undefined; // loading reports what is wrong with the folder, in full
  }
  return { family: config.family, takes: familyTakes(config), audioFeatureKind: config.model.speech ? FAMILIES[config.family].audioFeatures : null };
}

/** The decoder's provider in the model folder's genai_config.json (what its sessions run on without --ep), else cpu. */
function configuredProvider(model: string): string {
  if (!existsSync(model)) return 'cpu';
  try {
    return readModelConfig(model).sessionOptions.decoder?.executionProviders[0] ?? 'cpu';
  } catch {
    return 'cpu';
  }
}

/** The environment the CLI runs specs in. */
export function realEnvironment(): SpecEnvironment {
  return {
    loadSamples,
    loadModel: loadRealModel,
    modelTakes,
    media: realMedia,
    instruments: profilerInstruments(),
    ffmpegVersion: () => {
      try {
        return binaryVersion(resolveBinary('ffmpeg'));
      } catch {
        return null;
      }
    },
    calibrate: async (options) => {
      const c = await calibrateMatMul({ executionProvider: options.ep ?? configuredProvider(options.model), ...(options.threads !== undefined ? { threads: options.threads } : {}) });
      return {
        method: `onnxruntime MatMul fp32, ${c.method}`,
        size: c.size,
        threads: c.threads,
        executionProvider: c.executionProvider,
        peakGflops: c.peakGflops,
        bestGflops: c.bestGflops,
        burstGflops: c.bursts.map((b) => b.gflops),
        spread: c.spread,
        durationMs: c.durationMs,
        warnings: c.warnings.map((w) => w.message),
      };
    },
    memoryInfo: (options) => ({
      method: 'rss-poll',
      intervalMs: options.memIntervalMs,
      vmhwm: peakRssSupported(),
      gpu: findOnPath('nvidia-smi') ? 'nvidia-smi' : 'unavailable',
    }),
  };
}
