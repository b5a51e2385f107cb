/**
 * A branch worker: one worker thread per request branch (audio, vision) holding that branch's
 * encoder session, loaded once per run, and running the branch's media functions (log-mel,
 * patchify). onnxruntime-node's `session.run` blocks the thread that calls it, so two encoders
 * run at the same time only from two worker threads, and the main thread stays free to read
 * ffmpeg's pipes while they compute.
 *
 * Tensors cross as transferred ArrayBuffers: a session run borrows its input buffers and hands
 * them back with the outputs (the caller gets views on the same memory back, see
 * SessionRunResult.inputs). A worker that dies or whose session cannot load fails the requests
 * in flight with a ModelError naming the branch; the next request starts a fresh worker.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import type { LogMel, LogMelOptions } from '../media/mel.js';
import type { Patches, RgbFrames } from '../media/patchify.js';
import type { BranchRequest, BranchResponse, BranchWorkerData, WireTensor } from './branch-worker-protocol.js';

/** The two request branches that can run concurrently. */
export type Branch = 'audio' | 'vision';

/** What a session run returns: its outputs, and (from a worker) the input tensors handed back. */
export interface SessionRunResult {
  outputs: Record<string, ort.Tensor>;
  /** The feeds, rebuilt on the buffers the worker handed back (the originals were transferred and are detached). */
  inputs?: Record<string, ort.Tensor>;
}

/** Runs a component's session somewhere (another thread); OmniModel's encoders accept one. */
export type SessionRunner = (feeds: Record<string, ort.Tensor>) => Promise<SessionRunResult>;

/** The file and options of a session a worker loads. */
export interface WorkerSessionSource {
  path: string;
  options: ort.InferenceSession.SessionOptions;
}

/**
 * The worker's entry: the compiled .js beside this file, or under tsx (tests run the .ts
 * sources) a bootstrap that registers tsx's loader first.
 */
function startWorker(data: BranchWorkerData): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new Worker(new URL('./branch-worker-thread.js', import.meta.url), { workerData: data });
  const entry = new URL('./branch-worker-thread.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  kind: BranchRequest['kind'];
  resolve(response: Extract<BranchResponse, { kind: 'result' }>): void;
  reject(error: Error): void;
}

/** A buffer can be transferred only when the view spans all of it (other views would be detached too). */
function ownsBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && !(view.buffer instanceof SharedArrayBuffer);
}

/** One branch's worker thread, started on first use and again after a crash. */
export class BranchWorker {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly closed = new WeakSet<Worker>();
  private started = 0;

  constructor(
    readonly branch: Branch,
    /** The encoder session the worker loads; absent: a worker for the branch's media functions only. */
    private readonly source?: WorkerSessionSource,
  ) {}

  /** Workers started so far (1 after the first request; each crash adds a restart). */
  get starts(): number {
    return this.started;
  }

  /** Runs the branch's session on `feeds`; their buffers are lent to the worker and come back in `inputs`. */
  readonly run: SessionRunner = async (feeds) => {
    if (!this.source) throw new TypeError(`the ${this.branch} branch worker holds no session`);
    const wire: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, tensor] of Object.entries(feeds)) {
      if (tensor.type !== 'float32' && tensor.type !== 'int64' && tensor.type !== 'bool') throw new TypeError(`feed '${name}' of type ${tensor.type} cannot cross to a worker`);
      const data = tensor.data as Float32Array | BigInt64Array | Uint8Array;
      wire[name] = { type: tensor.type, dims: [...tensor.dims], data };
      if (ownsBuffer(data)) transfer.push(data.buffer as ArrayBuffer);
    }
    const response = await this.request({ kind: 'run', feeds: wire }, [...new Set(transfer)]);
    const rebuild = (tensors: Record<string, WireTensor> = {}): Record<string, ort.Tensor> =>
      Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
    return { outputs: rebuild(response.outputs), inputs: rebuild(response.inputs) };
  };

  /** src/media's logMel in the worker; `samples` is copied (the caller may keep it, e.g. a cache). */
  async logMel(samples: Float32Array, options: LogMelOptions): Promise<LogMel> {
    const response = await this.request({ kind: 'logMel', samples, options }, []);
    return response.mel as LogMel;
  }

  /** src/media's patchify in the worker; the frames are copied (a cache may keep them), the patches transferred back. */
  async patchify(frames: RgbFrames): Promise<Patches> {
    const plain: RgbFrames = { frames: frames.frames, width: frames.width, height: frames.height, ...(frames.sampleFps !== undefined ? { sampleFps: frames.sampleFps } : {}) };
    const response = await this.request({ kind: 'patchify', frames: plain }, []);
    return response.patches as Patches;
  }

  /** Test hook: makes the worker thread die with a request in flight, as a native crash would. */
  async crashForTest(): Promise<void> {
    await this.request({ kind: 'crash' }, []);
  }

  /** Ends the worker (pending requests fail). Idempotent; a later request starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.closed.add(worker);
    await worker.terminate();
  }

  private async request(message: DistributiveOmit<BranchRequest, 'id'>, transfer: ArrayBuffer[]): Promise<Extract<BranchResponse, { kind: 'result' }>> {
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { kind: message.kind, resolve, reject });
      worker.postMessage({ ...message, id } as BranchRequest, transfer);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (!this.worker) this.spawn();
    return (this.ready as Promise<void>).then(() => this.worker as Worker);
  }

  private spawn(): void {
    const data: BranchWorkerData = this.source ? { session: { path: this.source.path, options: this.source.options } } : {};
    const worker = startWorker(data);
    this.worker = worker;
    this.started++;
    let loaded!: () => void;
    let failed!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    // A load failure is reported to every request waiting on it; the promise itself is always observed.
    this.ready.catch(() => undefined);
    const where = this.source ? ` (${this.source.path})` : '';
    const fail = (error: Error): void => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = undefined;
      }
      failed(error);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(error);
      }
    };
    worker.on('message', (response: BranchResponse) => {
      if (response.kind === 'ready') return loaded();
      if (response.kind === 'load-error') {
        fail(new ModelError(`${this.branch} branch: ONNX Runtime cannot load ${this.source?.path ?? 'the session'} in its worker thread (${response.message})`));
        void worker.terminate();
        return;
      }
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if (response.kind === 'failure') p.reject(new ModelError(`${this.branch} branch: ${p.kind} failed in its worker thread${where} (${response.message})`));
      else p.resolve(response);
    });
    worker.on('error', (error) => fail(new ModelError(`${this.branch} branch: its worker thread failed${where} (${error.message.split('\n')[0]})`, undefined, { cause: error })));
    worker.on('exit', (code) => {
      const reason = this.closed.has(worker) ? 'was closed' : `ended unexpectedly (exit code ${code}); a new one starts for the next request`;
      fail(new ModelError(`${this.branch} branch: its worker thread ${reason}`));
    });
  }
}
