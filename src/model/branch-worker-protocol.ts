/**
 * Messages between the main thread and a branch worker (branch-worker.ts and
 * branch-worker-thread.ts). Typed arrays travel as transferred buffers.
 */
import type * as ort from 'onnxruntime-node';
import type { LogMel, LogMelOptions } from '../media/mel.js';
import type { Patches, RgbFrames } from '../media/patchify.js';

/** A tensor as it crosses threads: its data buffer is transferred, never copied. */
export interface WireTensor {
  /** bool travels as its Uint8Array (phi4mm's audio_attention_mask). */
  type: 'float32' | 'int64' | 'bool';
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array;
}

/** What a worker is started with: the session it loads once (none for a media-only worker). */
export interface BranchWorkerData {
  session?: { path: string; options: ort.InferenceSession.SessionOptions };
}

/** A request to a branch worker; `id` pairs it with its response. */
export type BranchRequest =
  | { kind: 'run'; id: number; feeds: Record<string, WireTensor> }
  | { kind: 'logMel'; id: number; samples: Float32Array; options: LogMelOptions }
  | { kind: 'patchify'; id: number; frames: RgbFrames }
  | { kind: 'crash'; id: number };

/** A worker's message: its session loaded (or not), or the answer to one request. */
export type BranchResponse =
  | { kind: 'ready' }
  | { kind: 'load-error'; message: string }
  | { kind: 'result'; id: number; outputs?: Record<string, WireTensor>; inputs?: Record<string, WireTensor>; mel?: LogMel; patches?: Patches }
  | { kind: 'failure'; id: number; message: string };
