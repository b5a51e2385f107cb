/**
 * Options every spec shares (issue 5), their defaults, and their commander definitions.
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseShard, type Shard } from '../datasets/select.js';
import { MIDDLEWARE_NAMES, parseMiddlewareList } from '../middleware/registry.js';

export type { Shard };

/** Shared options, resolved. */
export interface CommonOptions {
  /** Manifests to load (absolute); default: the spec's fixture manifests. */
  manifest: string[];
  /** Model directory or builder preset (tiny, small). Default `small`. */
  model: string;
  /** ONNX Runtime execution provider. Default `cpu`. */
  /** Execution provider; undefined: the model's genai_config.json session_options, else cpu. */
  ep?: string;
  /** Intra-op threads; undefined lets ONNX Runtime decide. */
  threads: number | undefined;
  /** Unrecorded warmup requests per variant. Default 1. */
  warmup: number;
  /** Recorded repeats per sample and variant. Default 3. */
  repeats: number;
  maxSamples: number | undefined;
  /**
   * Seed of sample selection (--max-samples, --shard) and of the reference model's weights.
   * Undefined (not given): --max-samples takes the first N rows in file order, and the model
   * is built with seed 0.
   */
  seed: number | undefined;
  /** One part of a stable split of the samples (0-based index; the CLI's --shard K/N is index K-1). */
  shard: Shard | undefined;
  /** Tokens to generate per request. Default 16. */
  maxNewTokens: number;
  /** Results folder; default results/<spec>/<timestamp>-<short id>. */
  out: string | undefined;
  /** Results folder of an interrupted run to complete. */
  resume: string | undefined;
  /** Print summary.json to stdout instead of the table. */
  json: boolean;
  quiet: boolean;
  /** ONNX Runtime per-op profiling of every session. */
  ortProfile: boolean;
  /** RSS poll interval, ms. Default 5. */
  memIntervalMs: number;
  /**
   * ONNX Runtime's CPU memory arena (`enableCpuMemArena`) on every session. Default true (ONNX
   * Runtime's default); off gives memory figures that follow each request, at some speed cost.
   */
  /** ONNX Runtime's CPU arena; undefined: genai_config.json's enable_cpu_mem_arena, else on (ORT's default). */
  memArena?: boolean;
  /** Fresh child process per variant, or all in this process. */
  isolate: 'process' | 'none';
  /** ffmpeg and ffprobe binaries (default: $OMNI_BENCH_FFMPEG/$OMNI_BENCH_FFPROBE, else the bundled ones). */
  ffmpeg: string | undefined;
  ffprobe: string | undefined;
  /**
   * Middleware on top of each variant's own (src/middleware/registry.ts): `none` (empty), `all`,
   * or comma-separated names. Default none.
   */
  middleware: string[];
  /** Byte budget of the encoder cache middleware, MB (0 stores nothing but counts misses). Default 1024. */
  cacheMb: number;
  /**
   * Intra-op threads of the audio and the vision encoder session of the parallel-encode and
   * streaming-encode middleware (each in its own worker thread). Default: defaultBranchThreads().
   */
  threadsAudio: number | undefined;
  threadsVision: number | undefined;
  /** Max |first-token logits - reference| a record may show before the run exits 1. Default 1e-4. */
  logitsTolerance: number;
  /** Only these variants (used by --isolate process for its children). */
  variants: string[] | undefined;
}

/** Parses a positive integer option value, naming the option in the error. */
export function parseCount(flag: string, min = 0): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} '${raw}': expected an integer >= ${min}`);
    return value;
  };
}

function parseCacheMb(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--cache-mb '${raw}': expected a number of MB >= 0`);
  return value;
}

function parseTolerance(raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--logits-tolerance '${raw}': expected a number >= 0`);
  return value;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `--threads` against the machine: more intra-op threads than cores only adds contention (a
 * run at 1000 threads took minutes at load 230 on 2 cores), so the value is capped at `cores`
 * with a warning that says so.
 */
export function capThreads(threads: number, cores: number = availableParallelism()): { threads: number; warning?: string } {
  if (threads <= cores) return { threads };
  return { threads: cores, warning: `--threads ${threads} is more than this machine's ${cores} cores; capped at ${cores} (more threads than cores only adds contention)` };
}

/** Tokens generated per request unless the spec or --max-new-tokens says otherwise. */
export const DEFAULT_MAX_NEW_TOKENS = 16;

/** Adds the shared options to a spec's command. */
export function addCommonOptions(command: Command, spec: { defaultIsolation: 'none' | 'process'; defaultMaxNewTokens?: number }): Command {
  return command
    .option('--manifest <path>', 'manifest CSV (repeatable; default: the spec\'s fixture manifest)', collect)
    .option('--model <dir|preset>', 'model directory, or a reference model: a preset (tiny, small) of Qwen2.5-Omni, or <family>:<preset> (qwen2_5_vl:tiny, phi4mm:small)', 'small')
    .option('--ep <provider>', "ONNX Runtime execution provider (default: the model's genai_config.json session_options provider, else cpu)")
    .option('--threads <n>', 'intra-op threads (default: ONNX Runtime\'s choice)', parseCount('--threads', 1))
    .option('--warmup <n>', 'unrecorded warmup requests per variant', parseCount('--warmup'), 1)
    .option('--repeats <n>', 'recorded repeats per sample and variant', parseCount('--repeats', 1), 3)
    .option('--max-samples <n>', 'use at most N samples: the first N in file order, or a seeded sample with --seed', parseCount('--max-samples', 1))
    .option('--seed <n>', 'seed of sample selection and of the built model (default: file order, model seed 0)', parseCount('--seed'))
    .option('--shard <K/N>', 'run the K-th of N stable parts of the samples', parseShard)
    .option('--max-new-tokens <n>', 'tokens to generate per request', parseCount('--max-new-tokens', 1), spec.defaultMaxNewTokens ?? DEFAULT_MAX_NEW_TOKENS)
    .option('--out <dir>', 'results folder (default results/<spec>/<timestamp>-<id>)')
    .option('--resume <dir>', 'complete an interrupted run: only the missing trials run')
    .option('--json', 'print summary.json to stdout instead of the table', false)
    .option('--quiet', 'no progress and no table', false)
    .option('--ort-profile', 'ONNX Runtime per-op profile of every session (module_breakdown.csv)', false)
    .option('--mem-interval-ms <ms>', 'RSS poll interval in ms', parseCount('--mem-interval-ms', 1), 5)
    .addOption(
      new Option('--mem-arena <on|off>', "ONNX Runtime's CPU memory arena (off: memory figures follow each request; see docs/results-format.md; default: genai_config.json's enable_cpu_mem_arena, else on)")
        .argParser((v: string) => {
          if (v !== 'on' && v !== 'off') throw new UsageError(`--mem-arena '${v}': expected on or off`);
          return v === 'on';
        }),
    )
    .addOption(
      new Option('--middleware <list>', `middleware on every variant: none, all, or comma-separated names of ${MIDDLEWARE_NAMES.join(', ')} (docs/middleware.md)`)
        .argParser(parseMiddlewareList)
        .default([], 'none'),
    )
    .option('--cache-mb <mb>', 'byte budget of the encoder cache, MB (0 stores nothing but counts misses)', parseCacheMb, 1024)
    .option('--threads-audio <n>', 'intra-op threads of the audio encoder worker (parallel-encode, streaming-encode; default: every core below 4 cores, else a quarter of them)', parseCount('--threads-audio', 1))
    .option('--threads-vision <n>', 'intra-op threads of the vision encoder worker (default: every core below 4 cores, else the other three quarters)', parseCount('--threads-vision', 1))
    .option('--logits-tolerance <x>', 'max abs diff of first-token logits against the reference variant before the run fails', parseTolerance, 1e-4)
    .option('--ffmpeg <path>', 'ffmpeg binary (default: $OMNI_BENCH_FFMPEG, else the bundled one)')
    .option('--ffprobe <path>', 'ffprobe binary (default: $OMNI_BENCH_FFPROBE, else the bundled one)')
    .addOption(
      new Option('--isolate <mode>', 'run each variant in a fresh child process, or all in this one')
        .choices(['process', 'none'])
        .default(spec.defaultIsolation),
    )
    .addOption(new Option('--variants <names>', 'only these variants (comma-separated)').argParser((v: string) => v.split(',')).hideHelp());
}

/** The shared options' defaults (what the CLI gives when no flag is passed), for library use. */
export function defaultCommonOptions(): CommonOptions {
  return {
    manifest: [],
    model: 'small',
    ep: undefined,
    threads: undefined,
    warmup: 1,
    repeats: 3,
    maxSamples: undefined,
    seed: undefined,
    shard: undefined,
    maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
    out: undefined,
    resume: undefined,
    json: false,
    quiet: false,
    ortProfile: false,
    memIntervalMs: 5,
    memArena: undefined,
    isolate: 'none',
    ffmpeg: undefined,
    ffprobe: undefined,
    middleware: [],
    cacheMb: 1024,
    threadsAudio: undefined,
    threadsVision: undefined,
    logitsTolerance: 1e-4,
    variants: undefined,
  };
}
