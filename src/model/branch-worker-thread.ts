/**
 * The body of one branch worker (src/model/branch-worker.ts): a worker thread that holds one
 * encoder's ONNX Runtime session, loaded once, and runs the branch's CPU work off the main
 * thread: the session, and the media functions of the branch (log-mel for audio, patchify for
 * vision). Requests are served one at a time, in arrival order. Typed arrays arrive and leave
 * as transferred buffers; the input buffers of a session run are handed back with its outputs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { logMel } from '../media/mel.js';
import { patchify } from '../media/patchify.js';
import type { BranchRequest, BranchResponse, BranchWorkerData, WireTensor } from './branch-worker-protocol.js';

const port = parentPort;
if (!port) throw new TypeError('branch-worker-thread must run as a worker thread');
const data = workerData as BranchWorkerData;

const session: Promise<ort.InferenceSession> | undefined = data.session ? ort.InferenceSession.create(data.session.path, data.session.options) : undefined;
if (session) {
  session.then(
    () => port.postMessage({ kind: 'ready' } satisfies BranchResponse),
    (error: Error) => port.postMessage({ kind: 'load-error', message: error.message.split('\n')[0] ?? String(error) } satisfies BranchResponse),
  );
} else {
  port.postMessage({ kind: 'ready' } satisfies BranchResponse);
}

function toTensor(t: WireTensor): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims);
}

function toWire(t: ort.Tensor): WireTensor {
  if (t.type !== 'float32' && t.type !== 'int64' && t.type !== 'bool') throw new TypeError(`output of type ${t.type} cannot cross to the main thread`);
  return { type: t.type, dims: [...t.dims], data: t.data as Float32Array | BigInt64Array | Uint8Array };
}

async function serve(request: BranchRequest): Promise<{ response: BranchResponse; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'run': {
      if (!session) throw new TypeError('this branch worker holds no session');
      const s = await session;
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) feeds[name] = toTensor(t);
      const result = await s.run(feeds);
      const outputs: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(result)) outputs[name] = toWire(t as ort.Tensor);
      const transfer = [...Object.values(outputs), ...Object.values(request.feeds)].map((t) => t.data.buffer as ArrayBuffer);
      return { response: { kind: 'result', id: request.id, outputs, inputs: request.feeds }, transfer: [...new Set(transfer)] };
    }
    case 'logMel': {
      const mel = logMel(request.samples, request.options);
      return { response: { kind: 'result', id: request.id, mel }, transfer: [mel.data.buffer as ArrayBuffer] };
    }
    case 'patchify': {
      const patches = patchify(request.frames);
      return { response: { kind: 'result', id: request.id, patches }, transfer: [patches.pixelValues.buffer as ArrayBuffer] };
    }
    case 'crash':
      // A test's stand-in for a native crash: the thread dies with its request in flight.
      process.exit(70);
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: BranchRequest) => {
  queue = queue.then(async () => {
    try {
      const { response, transfer } = await serve(request);
      port.postMessage(response, transfer);
    } catch (error) {
      port.postMessage({ kind: 'failure', id: request.id, message: (error as Error).message.split('\n')[0] ?? String(error) } satisfies BranchResponse);
    }
  });
});

process.on('exit', () => {
  // Profiling sessions write their profile when they end.
  void session?.then((s) => data.session?.options.enableProfiling && s.endProfiling()).catch(() => undefined);
});
