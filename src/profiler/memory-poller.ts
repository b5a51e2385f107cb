/**
 * Process RSS sampled from a worker thread. onnxruntime-node's `session.run` blocks the main
 * JavaScript thread while it computes (DESIGN.md section 6), so a timer on the main thread
 * would not fire during inference; a worker's timer does. Samples carry the shared clock
 * (clock.ts), so they line up with the main thread's spans.
 */
import { Worker } from 'node:worker_threads';
import { NOW_MS_SOURCE } from './clock.js';
import type { MemorySample } from './types.js';

/** Default sampling interval of the RSS poller, ms (the CLI's --mem-interval-ms). */
export const DEFAULT_MEM_INTERVAL_MS = 5;

/** Options of MemoryPoller. */
export interface MemoryPollerOptions {
  /** Sampling interval in ms. Default 5. */
  intervalMs?: number;
}

/** Where the RSS figures came from: /proc/self/statm, or process.memoryUsage().rss where /proc is absent. */
export type RssSource = 'statm' | 'memoryUsage';

/** What MemoryPoller.stop() returns. */
export interface MemoryPollResult {
  /** Samples in time order; `bytes` is process RSS. */
  samples: MemorySample[];
  method: 'rss-poll';
  intervalMs: number;
  source: RssSource;
}

/**
 * The worker, as plain JavaScript (CommonJS, eval'd): the same source works whether the
 * caller runs from src/ under tsx/vitest or from the compiled dist/.
 * Protocol: it posts {type:'ready', source} after its first sample; on {type:'collect', id}
 * it posts {type:'samples', id, data} (Float64Array of [tMs, bytes] pairs since the last
 * collect); on {type:'stop', id} it takes a last sample and replies the same way.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
${NOW_MS_SOURCE}
const intervalMs = workerData.intervalMs;
let data = new Float64Array(4096);
let length = 0;
let fd = -1;
let pageSize = 4096;
const buf = Buffer.alloc(256);

function statmPages() {
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  // statm: size resident shared text lib data dt (pages)
  const text = buf.toString('latin1', 0, n);
  return Number.parseInt(text.slice(text.indexOf(' ') + 1), 10);
}
try {
  fd = fs.openSync('/proc/self/statm', 'r');
  const pages = statmPages();
  // Node has no page-size API: infer it (a power of two) from libuv's RSS figure once.
  pageSize = 2 ** Math.round(Math.log2(process.memoryUsage.rss() / pages));
  if (!(pageSize >= 1024)) throw new Error('implausible page size');
} catch {
  if (fd >= 0) { try { fs.closeSync(fd); } catch {} }
  fd = -1;
}
const source = fd >= 0 ? 'statm' : 'memoryUsage';

function sample() {
  const tMs = nowMs();
  let bytes;
  try { bytes = fd >= 0 ? statmPages() * pageSize : process.memoryUsage.rss(); } catch { return; }
  if (length + 2 > data.length) { const grown = new Float64Array(data.length * 2); grown.set(data); data = grown; }
  data[length++] = tMs;
  data[length++] = bytes;
}
function drain(id) {
  const out = data.slice(0, length);
  length = 0;
  parentPort.postMessage({ type: 'samples', id, data: out }, [out.buffer]);
}

sample();
const timer = setInterval(sample, intervalMs);
parentPort.postMessage({ type: 'ready', source });
parentPort.on('message', (msg) => {
  if (msg.type === 'collect') drain(msg.id);
  else if (msg.type === 'stop') {
    clearInterval(timer);
    sample();
    drain(msg.id);
    if (fd >= 0) { try { fs.closeSync(fd); } catch {} }
    fd = -1;
    // The main thread terminates the worker once it has the samples.
  }
});
`;

type WorkerMessage =
  | { type: 'ready'; source: RssSource }
  | { type: 'samples'; id: number; data: Float64Array };

/**
 * Samples process RSS every `intervalMs` (default 5) from a worker thread.
 * `start()` resolves once the first sample is taken; `collect()` returns the samples so far
 * without stopping; `stop()` ends the worker and returns every sample not yet collected.
 * The worker does not keep the process alive on its own (it is unref'd between requests).
 */
export class MemoryPoller {
  readonly intervalMs: number;
  #worker: Worker | undefined;
  #source: RssSource = 'statm';
  #collected: MemorySample[] = [];
  #nextId = 0;
  #pending = new Map<number, { resolve: (data: Float64Array) => void; reject: (error: Error) => void }>();
  #failure: Error | undefined;

  constructor(options: MemoryPollerOptions = {}) {
    const intervalMs = options.intervalMs ?? DEFAULT_MEM_INTERVAL_MS;
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new RangeError(`MemoryPoller: intervalMs must be a number >= 1 (got ${intervalMs})`);
    }
    this.intervalMs = intervalMs;
  }

  /** Starts the worker; resolves after its first sample. Throws TypeError when already started. */
  async start(): Promise<void> {
    if (this.#worker) throw new TypeError('MemoryPoller.start(): already started (call stop() first)');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { intervalMs: this.intervalMs } });
    this.#worker = worker;
    this.#collected = [];
    this.#failure = undefined;
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          this.#source = msg.source;
          resolve();
        } else {
          this.#pending.get(msg.id)?.resolve(msg.data);
          this.#pending.delete(msg.id);
        }
      });
      const fail = (error: Error): void => {
        this.#failure ??= error;
        for (const request of this.#pending.values()) request.reject(error);
        this.#pending.clear();
        reject(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`MemoryPoller: worker exited (code ${code}) before it was stopped`)));
    });
    worker.unref();
  }

  /** Samples taken so far (this call's and earlier collects'); the poller keeps running. */
  async collect(): Promise<MemorySample[]> {
    this.#collected.push(...toSamples(await this.#request('collect')));
    return [...this.#collected];
  }

  /** Stops the worker and returns every sample since start(). */
  async stop(): Promise<MemoryPollResult> {
    const data = await this.#request('stop');
    const worker = this.#worker;
    this.#worker = undefined;
    worker?.removeAllListeners('exit');
    await worker?.terminate();
    const samples = [...this.#collected, ...toSamples(data)];
    this.#collected = [];
    return { samples, method: 'rss-poll', intervalMs: this.intervalMs, source: this.#source };
  }

  async #request(type: 'collect' | 'stop'): Promise<Float64Array> {
    const worker = this.#worker;
    if (!worker) throw new TypeError(`MemoryPoller.${type}(): not started (call start() first)`);
    if (this.#failure) throw this.#failure;
    const id = this.#nextId++;
    worker.ref();
    try {
      return await new Promise<Float64Array>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        worker.postMessage({ type, id });
      });
    } finally {
      worker.unref();
    }
  }
}

function toSamples(data: Float64Array): MemorySample[] {
  const samples: MemorySample[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) samples.push({ tMs: data[i]!, bytes: data[i + 1]! });
  return samples;
}
