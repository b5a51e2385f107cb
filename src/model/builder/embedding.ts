/**
 * Embedding graph: input_ids i64 [1, S] + image_features f32 [Ni, H] (+ audio_features f32
 * [Na, H] when the family has audio) -> inputs_embeds f32 [1, S, H]. Token rows come from the table (stored fp16, cast
 * to f32); positions holding the image/video placeholder take image_features rows in order,
 * positions holding the audio placeholder take audio_features rows in order. A zero row is
 * prepended to each feature tensor so empty inputs ([0, H]) work: index = cumsum(mask) at a
 * placeholder (1-based), 0 elsewhere.
 */
import { DType, GraphBuilder, type GraphSpec } from './graph.js';

/**
 * Placeholder token ids the embedding replaces. Without `video` only `image` takes image rows
 * (phi4mm); without `audio` the graph has no audio_features input (qwen2_5_vl).
 */
export interface PlaceholderIds {
  image: number;
  video?: number;
  audio?: number;
}

/** Builds embedding.onnx's graph from the (already fp16-rounded) table. */
export function buildEmbeddingGraph(tableF16: Uint16Array, vocab: number, hidden: number, ids: PlaceholderIds): GraphSpec {
  const g = new GraphBuilder('embedding', { '': 17 });
  const inputIds = g.input('input_ids', DType.INT64, [1, 'sequence_length']);
  const image = g.input('image_features', DType.FLOAT, ['num_image_tokens', hidden]);
  const audio = ids.audio === undefined ? undefined : g.input('audio_features', DType.FLOAT, ['num_audio_tokens', hidden]);

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
    const isImage = g.scope('image', () => {
      const image = g.op('Equal', [inputIds, g.constI64([ids.image], [])]);
      return ids.video === undefined ? image : g.op('Or', [image, g.op('Equal', [inputIds, g.constI64([ids.video], [])])]);
    });
    const audioId = ids.audio;
    const isAudio = audioId === undefined ? undefined : g.scope('audio', () => g.op('Equal', [inputIds, g.constI64([audioId], [])]));
    const withImage = fill('image', isImage, image, text);
    return audio && isAudio ? fill('audio', isAudio, audio, withImage) : withImage;
  });
  g.output(out, 'inputs_embeds', DType.FLOAT, [1, 'sequence_length', hidden]);
  const kinds = [ids.video === undefined ? 'image' : 'image/video', ...(audio ? ['audio'] : [])].join('/');
  return g.build(`omni-bench reference embedding: token table (fp16) with ${kinds} placeholders replaced in order`);
}
