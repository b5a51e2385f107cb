/**
 * Embedding graph: input_ids i64 [1, S] + image_features f32 [Ni, H] + audio_features f32
 * [Na, H] -> inputs_embeds f32 [1, S, H]. Token rows come from the table (stored fp16, cast
 * to f32); positions holding the image/video placeholder take image_features rows in order,
 * positions holding the audio placeholder take audio_features rows in order. A zero row is
 * prepended to each feature tensor so empty inputs ([0, H]) work: index = cumsum(mask) at a
 * placeholder (1-based), 0 elsewhere.
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';

/** Placeholder token ids the embedding replaces. */
export interface PlaceholderIds {
  image: number;
  video: number;
  audio: number;
}

/** Builds embedding.onnx's graph from the (already fp16-rounded) table. */
export function buildEmbeddingGraph(tableF16: Uint16Array, vocab: number, hidden: number, ids: PlaceholderIds): GraphSpec {
  const g = new GraphBuilder('embedding', { '': 17 });
  const inputIds = g.input('input_ids', DType.INT64, [1, 'sequence_length']);
  const image = g.input('image_features', DType.FLOAT, ['num_image_tokens', hidden]);
  const audio = g.input('audio_features', DType.FLOAT, ['num_audio_tokens', hidden]);

  const out = g.scope('embed_tokens', () => {
    const table = g.weight('weight', [vocab, hidden], tableF16, DType.FLOAT16);
    const text = g.op('Cast', [g.op('Gather', [table, inputIds], { axis: 0 })], { to: DType.FLOAT }); // [1, S, H]
    const zeroRow = g.constF32(new Array<number>(hidden).fill(0), [1, hidden]);
    const fill = (name: string, isPlaceholder: string, features: string, base: string): string =>
      g.scope(name, () => {
        const index = g.op('CumSum', [g.op('Cast', [isPlaceholder], { to: DType.INT64 }), g.constI64([1], [])]);
        const where = g.op('Where', [isPlaceholder, index, g.constI64([0], [])]);
        const rows = g.op('Gather', [g.op('Concat', [zeroRow, features], { axis: 0 }), where], { axis: 0 }); // [1, S, H]
        return g.op('Where', [g.op('Unsqueeze', [isPlaceholder, g.constI64([-1])]), rows, base]);
      });
    const isImage = g.scope('image', () =>
      g.op('Or', [g.op('Equal', [inputIds, g.constI64([ids.image], [])]), g.op('Equal', [inputIds, g.constI64([ids.video], [])])]),
    );
    const isAudio = g.scope('audio', () => g.op('Equal', [inputIds, g.constI64([ids.audio], [])]));
    return fill('audio', isAudio, audio, fill('image', isImage, image, text));
  });
  g.output(out, 'inputs_embeds', DType.FLOAT, [1, 'sequence_length', hidden]);
  return g.build('omni-bench reference embedding: token table (fp16) with image/video/audio placeholders replaced in order');
}
