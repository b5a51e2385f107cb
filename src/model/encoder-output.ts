/** Helpers over encoder outputs (EncoderOutput) shared by the pipeline and the middleware. */
import type { EncoderOutput } from './types.js';

/** Features of several encoder runs, in order, as one output. */
export function concatEncoderOutputs(parts: readonly EncoderOutput[]): EncoderOutput {
  const first = parts[0];
  if (!first) throw new RangeError('concatEncoderOutputs: no parts');
  const tokens = parts.reduce((n, p) => n + p.tokens, 0);
  const features = new Float32Array(tokens * first.hiddenSize);
  let at = 0;
  for (const p of parts) {
    features.set(p.features.subarray(0, p.tokens * p.hiddenSize), at);
    at += p.tokens * p.hiddenSize;
  }
  const out: EncoderOutput = { features, tokens, hiddenSize: first.hiddenSize };
  if (parts.every((p) => p.encodedFrames !== undefined)) out.encodedFrames = parts.reduce((n, p) => n + (p.encodedFrames ?? 0), 0);
  return out;
}
