/**
 * meta.json: what a run ran on and with what, so that its numbers can be reproduced and
 * compared: versions (omni-bench, Node, onnxruntime, ffmpeg), the machine (CPU model, cores,
 * memory, OS), the git sha when run inside a repository, the model, every option, the
 * calibration, and how memory was measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { writeFileAtomic } from '../fs-atomic.js';
import { VERSION } from '../paths.js';

/** Environment facts of meta.json. */
export interface EnvironmentFacts {
  omniBench: string;
  node: string;
  onnxruntime: string | null;
  ffmpeg: string | null;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** HEAD of the git repository the run was started in; null outside one. */
  gitSha: string | null;
}

function onnxruntimeVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve('onnxruntime-node/package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function gitSha(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || null;
  } catch {
    return null;
  }
}

/** Versions and machine facts; `ffmpegVersion` is looked up by the caller (media module). */
export function environmentFacts(options: { cwd?: string; ffmpegVersion?: string | null } = {}): EnvironmentFacts {
  const cpus = os.cpus();
  return {
    omniBench: VERSION,
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    ffmpeg: options.ffmpegVersion ?? null,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    gitSha: gitSha(options.cwd ?? process.cwd()),
  };
}

/** meta.json's content (docs/results-format.md). */
export interface RunMeta {
  format: 'omni-bench-meta/1';
  spec: string;
  /** Command line that started the run (argv after the program). */
  command: string[];
  startedAt: string;
  /** Set when the run ended; absent while running or after a crash. */
  finishedAt?: string;
  environment: EnvironmentFacts;
  /** Every option, resolved (shared and spec-specific). */
  options: Record<string, unknown>;
  variants: { name: string; description?: string; settings: Readonly<Record<string, unknown>>; middleware?: readonly string[] }[];
  /** The spec's reference variant, whose first-token logits every other variant is compared with. */
  reference?: string;
  /** Model directory, preset, hash and load time, as the loader reports them. */
  model?: Record<string, unknown>;
  /** fp32 MatMul peak measured for roofline figures, when measured. */
  calibration?: Record<string, unknown>;
  memory: { method: string; intervalMs: number; vmhwm: boolean; gpu: string };
  isolation: 'none' | 'process';
  /**
   * Intra-op threads of the encode middleware's worker sessions (parallel-encode,
   * streaming-encode), present when a variant uses them: the split, the cores it split, and
   * whether it is the default or the command line's.
   */
  branchThreads?: { audio: number; vision: number; cores: number; source: 'default' | '--threads-audio/--threads-vision'; allowSpinning: false };
  /** Manifest rows read, valid and invalid. */
  samples?: { valid: number; invalid: number };
  interrupted?: boolean;
  /** Measurement-quality warnings (machine under load, outliers, slow first run), as printed. */
  warnings?: string[];
  /** A folder written by `omni-bench merge`: the shard folders it combines, in shard order. */
  merged?: MergedShard[];
}

/** One shard of a merged folder (meta.json `merged`): where it was and what its run said about itself. */
export interface MergedShard {
  /** The shard's results folder (absolute). */
  dir: string;
  /** `K/N`, as --shard takes it. */
  shard: string;
  records: number;
  startedAt: string;
  finishedAt?: string;
  interrupted?: boolean;
  /** The shard's own MatMul calibration (each shard may have run on another machine). */
  calibration?: Record<string, unknown>;
  environment: EnvironmentFacts;
}

/** Writes meta.json atomically. */
export async function writeMeta(path: string, meta: RunMeta): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(meta, null, 2)}\n`);
}

/** Reads meta.json, or undefined when absent or unreadable. */
export function readMeta(path: string): RunMeta | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunMeta;
  } catch {
    return undefined;
  }
}
