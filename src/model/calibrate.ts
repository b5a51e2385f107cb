/**
 * The machine's fp32 MatMul throughput through onnxruntime-node: a one-node MatMul model
 * built in memory (onnx-proto), run N x N x N with the given intra-op threads. B is an
 * initializer, as model weights are, so MLAS prepacks it once just as it does for the
 * encoders and the decoder; with B as a graph input every run repacks it and the "peak"
 * reads ~20% low (measured here: 115 vs 136 GFLOP/s at N=1024, 2 threads). `model bench`
 * and the runner's roofline divide achieved GFLOP/s by it to get "% of peak".
 */
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { median } from '../profiler/stats.js';

const { onnx } = onnxProto;

/** Options of {@link calibrateMatMul}. */
export interface CalibrationOptions {
  /** Intra-op threads (use the same as the sessions being compared). Default: ONNX Runtime's choice. */
  threads?: number;
  /** Matrix size N of the N x N x N product. Default 1536 (the fastest of 1024/1536/2048 measured here). */
  size?: number;
  /** Unrecorded runs. Default 2. */
  warmup?: number;
  /** Recorded runs. Default 10. */
  repeats?: number;
  /** Execution provider. Default `cpu`. */
  executionProvider?: string;
}

/** What a calibration measured. */
export interface MatMulCalibration {
  size: number;
  threads: number | null;
  executionProvider: string;
  /** Wall time of each recorded run, ms. */
  samplesMs: number[];
  /** FLOPs of one run: 2 * N^3. */
  flops: number;
  /** The peak used for "% of peak": GFLOP/s at the median run time (robust to one lucky run). */
  peakGflops: number;
  /** GFLOP/s of the fastest run. */
  bestGflops: number;
}

/** Deterministic fill in [-0.5, 0.5). */
function fill(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => ((i * 2654435761 + seed) % 1000) / 1000 - 0.5);
}

/** ONNX bytes of C = A x B with A a f32 [n, n] graph input and B a f32 [n, n] initializer (a weight). */
export function matMulModel(n: number, weight: Float32Array = fill(n * n, 2)): Uint8Array {
  if (weight.length !== n * n) throw new RangeError(`weight must hold ${n * n} values, got ${weight.length}`);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string): InstanceType<typeof onnx.ValueInfoProto> =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'omni-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'calibrate',
      node: [onnx.NodeProto.create({ name: '/calibrate/MatMul', opType: 'MatMul', input: ['A', 'B'], output: ['C'] })],
      initializer: [onnx.TensorProto.create({ name: 'B', dataType: FLOAT, dims: [n, n], rawData: new Uint8Array(weight.buffer) })],
      input: [info('A')],
      output: [info('C')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Measures fp32 MatMul GFLOP/s through onnxruntime-node. */
export async function calibrateMatMul(options: CalibrationOptions = {}): Promise<MatMulCalibration> {
  const n = options.size ?? 1536;
  const warmup = options.warmup ?? 2;
  const repeats = options.repeats ?? 10;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`size must be a positive integer, got ${n}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be an integer >= 1, got ${repeats}`);
  const ep = options.executionProvider ?? 'cpu';
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
  const session = await ort.InferenceSession.create(matMulModel(n), sessionOptions);
  try {
    const feeds = { A: new ort.Tensor('float32', fill(n * n, 1), [n, n]) };
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const samplesMs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      samplesMs.push(performance.now() - t0);
    }
    const flops = 2 * n * n * n;
    return {
      size: n,
      threads: options.threads ?? null,
      executionProvider: ep,
      samplesMs,
      flops,
      peakGflops: flops / (median(samplesMs) * 1e6),
      bestGflops: flops / (Math.min(...samplesMs) * 1e6),
    };
  } finally {
    await session.release();
  }
}
