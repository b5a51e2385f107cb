/**
 * Dims read from an ONNX graph itself, for what neither genai_config.json nor config.json gives:
 * the decoder's MLP width from its initializer shapes. Only the graph file is parsed (external
 * data is never read), and a graph over MAX_GRAPH_BYTES is left alone: the value stays unknown.
 */
import { readFileSync, statSync } from 'node:fs';
import onnxProto from 'onnx-proto';

/** Largest .onnx file parsed for dims (weights in external data do not count). */
export const MAX_GRAPH_BYTES = 256 * 1024 * 1024;

/** Shapes already read, by path, size and mtime: a run resolves its folder more than once. */
const cache = new Map<string, [number, number][] | null>();

/** The 2-D initializer shapes of a graph, or null when it cannot be read (too large, not ONNX). */
function matrixShapes(path: string): [number, number][] | null {
  let key: string;
  try {
    const st = statSync(path);
    // Only a regular file is read: a FIFO in its place would block forever.
    if (!st.isFile() || st.size > MAX_GRAPH_BYTES) return null;
    key = `${path}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
  if (cache.has(key)) return cache.get(key) ?? null;
  const shapes = readShapes(path);
  cache.set(key, shapes);
  return shapes;
}

function readShapes(path: string): [number, number][] | null {
  try {
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(path));
    const shapes: [number, number][] = [];
    for (const t of model.graph?.initializer ?? []) {
      const dims = (t.dims ?? []).map(Number);
      if (dims.length === 2) shapes.push([dims[0] as number, dims[1] as number]);
    }
    return shapes;
  } catch {
    return null;
  }
}

/**
 * The MLP width of a decoder graph: the size I for which the graph holds both an [H, I] and an
 * [I, H] weight (up/gate and down projections, stored either way round), I not H, the
 * vocabulary or a key/value width. Null when no such pair exists (quantized weights packed in
 * blocks, a dummy graph) or when more than one size qualifies.
 */
export function mlpWidthFromGraph(path: string, hidden: number, exclude: readonly number[]): number | null {
  const shapes = matrixShapes(path);
  if (!shapes) return null;
  const into = new Set(shapes.filter(([a]) => a === hidden).map(([, b]) => b));
  const outOf = new Set(shapes.filter(([, b]) => b === hidden).map(([a]) => a));
  const skip = new Set([hidden, ...exclude]);
  const both = [...into].filter((d) => outOf.has(d) && !skip.has(d));
  return both.length === 1 ? (both[0] as number) : null;
}
