/**
 * GPU memory through `nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms N`.
 * The child is spawned and read from a worker thread: its lines are timestamped on arrival,
 * which on the main thread would wait until onnxruntime-node's blocking `session.run` returns.
 * Without nvidia-smi (or without a working driver) the result says `available: false` with a
 * reason, and nothing fails.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NOW_MS_SOURCE } from './clock.js';
import type { MemorySample } from './types.js';

/** Default nvidia-smi loop interval, ms (nvidia-smi's own cost rises steeply below ~20 ms). */
export const DEFAULT_GPU_INTERVAL_MS = 50;

/** One GPU memory.used reading. */
export interface GpuSample extends MemorySample {
  /** GPU index: position of the line within one nvidia-smi tick (nvidia-smi lists GPUs in index order). */
  gpu: number;
}

/** Options of GpuPoller. */
export interface GpuPollerOptions {
  /** nvidia-smi loop interval (-lms), ms. Default 50. */
  intervalMs?: number;
  /** PATH searched for nvidia-smi. Default process.env.PATH. */
  pathEnv?: string;
}

/** What GpuPoller.stop() returns: samples, or why there are none. */
export type GpuPollResult =
  | {
      available: true;
      method: 'nvidia-smi';
      intervalMs: number;
      /** Samples in arrival order; `bytes` is memory.used (MiB * 2^20). */
      samples: GpuSample[];
      /** GPUs nvidia-smi lists. */
      gpus: number;
      /** Lines that were not a number (e.g. "[N/A]"): how many, and the first few. */
      skippedLines: number;
      skippedExamples: string[];
      /** Set when nvidia-smi exited by itself before stop(), with its exit status and stderr. */
      exitedEarly?: string;
    }
  | { available: false; reason: string };

/** Absolute path of an executable `name` on `pathEnv`, or undefined. */
export function findOnPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The nvidia-smi arguments for an interval of `intervalMs`. */
export function nvidiaSmiArgs(intervalMs: number): string[] {
  return ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', String(Math.round(intervalMs))];
}

/** Arguments of the one-shot query that counts the GPUs (one line each) before the loop starts. */
const COUNT_ARGS = ['--query-gpu=memory.used', '--format=csv,noheader,nounits'];

/**
 * Worker: counts the GPUs with one plain query (which also tells a broken driver at once), then
 * spawns the loop and timestamps each stdout line on arrival; line k of the loop is GPU
 * k mod count, because every tick lists every GPU in index order (a malformed line included).
 * On {type:'stop'} it kills the child, waits for it to exit and posts {type:'result', ...}.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { execFile, spawn } = require('node:child_process');
${NOW_MS_SOURCE}
const { command, args, countArgs } = workerData;
const samples = [];
const skippedExamples = [];
let skippedLines = 0;
let partial = '';
let lineNo = 0;
let gpus = 1;
let stderr = '';
let child;
let exit;
let failure;
let exited = Promise.resolve();

function onLine(raw, tMs) {
  const line = raw.trim();
  if (line === '') return;
  const gpu = lineNo++ % gpus;
  if (!/^\\d+(\\.\\d+)?$/.test(line)) {
    skippedLines++;
    if (skippedExamples.length < 5) skippedExamples.push(line.slice(0, 200));
    return;
  }
  samples.push({ tMs, gpu, bytes: Number(line) * 1048576 });
}

function startLoop() {
  child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.on('close', (code, signal) => { exit = { code, signal }; resolve(); }));
  child.on('spawn', () => parentPort.postMessage({ type: 'started', gpus }));
  child.on('error', (error) => {
    failure = 'nvidia-smi could not start: ' + error.message;
    parentPort.postMessage({ type: 'started', failure });
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { if (stderr.length < 2000) stderr += chunk; });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const tMs = nowMs();
    partial += chunk;
    const lines = partial.split('\\n');
    partial = lines.pop();
    for (const raw of lines) onLine(raw, tMs);
  });
}

execFile(command, countArgs, { timeout: 15000 }, (error, stdout, errText) => {
  if (error) {
    // nvidia-smi prints driver failures ("NVIDIA-SMI has failed ...") on stdout.
    const first = (String(errText).trim() || String(stdout).trim()).split('\\n')[0] || '';
    failure = typeof error.code === 'number'
      ? 'nvidia-smi exited with code ' + error.code + (first ? ': ' + first : '')
      : 'nvidia-smi could not start: ' + (error.signal ? 'killed by ' + error.signal : error.message);
    parentPort.postMessage({ type: 'started', failure });
    return;
  }
  gpus = Math.max(1, String(stdout).split('\\n').filter((l) => l.trim() !== '').length);
  startLoop();
});

parentPort.on('message', async (msg) => {
  if (msg.type !== 'stop') return;
  const early = exit;
  if (child && !exit && !failure) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  }
  parentPort.postMessage({ type: 'result', samples, skippedLines, skippedExamples, early, stderr, failure, gpus });
});
`;

interface WorkerResult {
  type: 'result';
  samples: GpuSample[];
  skippedLines: number;
  skippedExamples: string[];
  early: { code: number | null; signal: string | null } | undefined;
  stderr: string;
  failure: string | undefined;
  gpus: number;
}

type WorkerStarted = { type: 'started'; gpus: number; failure?: undefined } | { type: 'started'; failure: string };

/** What GpuPoller.start() found: how many GPUs nvidia-smi lists, or why it cannot be used. */
export type GpuStart = { available: true; gpus: number } | { available: false; reason: string };

/**
 * Polls GPU memory with nvidia-smi from a worker thread. `start()` resolves once the child is
 * spawned (or found missing); `stop()` kills it and returns the samples, or
 * `{ available: false, reason }` when nvidia-smi is not on PATH or exits with an error before
 * giving one reading.
 */
export class GpuPoller {
  readonly intervalMs: number;
  readonly #pathEnv: string;
  #worker: Worker | undefined;
  #unavailable: string | undefined;

  constructor(options: GpuPollerOptions = {}) {
    const intervalMs = options.intervalMs ?? DEFAULT_GPU_INTERVAL_MS;
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new RangeError(`GpuPoller: intervalMs must be a number >= 1 (got ${intervalMs})`);
    }
    this.intervalMs = intervalMs;
    this.#pathEnv = options.pathEnv ?? process.env.PATH ?? '';
  }

  /**
   * Starts nvidia-smi when it is on PATH and answers a first query; resolves to the GPU count,
   * or to why GPU memory is unavailable (the same reason stop() gives). Never throws for a
   * missing GPU or driver.
   */
  async start(): Promise<GpuStart> {
    if (this.#worker) throw new TypeError('GpuPoller.start(): already started (call stop() first)');
    this.#unavailable = undefined;
    const command = findOnPath('nvidia-smi', this.#pathEnv);
    if (!command) {
      this.#unavailable = 'nvidia-smi not found on PATH';
      return { available: false, reason: this.#unavailable };
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { command, args: nvidiaSmiArgs(this.intervalMs), countArgs: COUNT_ARGS },
    });
    this.#worker = worker;
    const started = await new Promise<WorkerStarted>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.unref();
    return started.failure === undefined ? { available: true, gpus: started.gpus } : { available: false, reason: started.failure };
  }

  /** Kills nvidia-smi and returns what it reported. */
  async stop(): Promise<GpuPollResult> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return { available: false, reason: this.#unavailable ?? 'GpuPoller was not started' };
    worker.ref();
    const result = await new Promise<WorkerResult>((resolve, reject) => {
      worker.on('message', (msg: WorkerResult | WorkerStarted) => {
        if (msg.type === 'result') resolve(msg);
      });
      worker.once('error', reject);
      worker.postMessage({ type: 'stop' });
    });
    await worker.terminate();
    return toPollResult(result, this.intervalMs);
  }
}

function toPollResult(result: WorkerResult, intervalMs: number): GpuPollResult {
  if (result.failure !== undefined) return { available: false, reason: result.failure };
  // nvidia-smi prints driver failures ("NVIDIA-SMI has failed ...") on stdout.
  const stderrLine = result.stderr.trim().split('\n')[0] || result.skippedExamples[0] || '';
  const status = result.early
    ? `nvidia-smi exited with ${result.early.signal ?? `code ${result.early.code}`}${stderrLine ? `: ${stderrLine}` : ''}`
    : undefined;
  if (result.samples.length === 0 && status) return { available: false, reason: status };
  const ok: GpuPollResult = {
    available: true,
    method: 'nvidia-smi',
    intervalMs,
    samples: result.samples,
    gpus: result.gpus,
    skippedLines: result.skippedLines,
    skippedExamples: result.skippedExamples,
  };
  if (status) ok.exitedEarly = status;
  return ok;
}
