import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTiny, cleanup, f32, i64, openSession, randomFloats, readJson, tempDir } from './helpers.js';
import { BUILDER_VERSION } from '../../src/model/builder/build.js';
import { FAMILIES } from '../../src/model/builder/families.js';

describe('reference model build', () => {
  let parent: string;
  let a: string;
  let b: string;
  let other: string;
  beforeAll(() => {
    parent = tempDir();
    a = buildTiny(parent, 'a', { seed: 7 });
    b = buildTiny(parent, 'b', { seed: 7 });
    other = buildTiny(parent, 'c', { seed: 8 });
  });
  afterAll(() => cleanup(parent));

  it('writes the ONNX Runtime GenAI layout', () => {
    expect(readdirSync(a).sort()).toEqual([
      'config.json',
      'decoder.onnx',
      'embedding.onnx',
      'genai_config.json',
      'preprocessor_config.json',
      'speech.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
      'vision.onnx',
    ]);
    expect(readJson<{ model: { type: string } }>(a, 'genai_config.json').model.type).toBe('qwen2_5_omni');
    const config = readJson<{ thinker_config: { text_config: { rope_scaling: unknown } }; omni_bench: unknown }>(a, 'config.json');
    expect(config.thinker_config.text_config.rope_scaling).toEqual({ type: 'mrope', mrope_section: [4, 6, 6] });
    expect(config.omni_bench).toEqual({ preset: 'tiny', seed: 7, builder_version: BUILDER_VERSION, family: 'qwen2_5_omni' });
    const processor = readJson(a, 'preprocessor_config.json');
    expect(processor).toMatchObject({ feature_size: 128, sampling_rate: 16000, hop_length: 160, n_fft: 400, patch_size: 14, merge_size: 2 });
    // Qwen2.5-Omni's preprocessor_config.json pads audio to 300 s, not Whisper's 30 s.
    expect(processor).toMatchObject({ chunk_length: 300, n_samples: 4_800_000, nb_max_frames: 30_000 });
  });

  it('is byte-identical for the same seed', () => {
    for (const file of readdirSync(a)) {
      expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file))), file).toBe(true);
    }
  });

  it.each(FAMILIES.filter((f) => f !== 'qwen2_5_omni'))('is byte-identical for the same seed for %s too', (family) => {
    const x = buildTiny(parent, `${family}-x`, { seed: 7, family });
    const y = buildTiny(parent, `${family}-y`, { seed: 7, family });
    const files = readdirSync(x);
    expect(readdirSync(y)).toEqual(files);
    for (const file of files) expect(readFileSync(join(y, file)).equals(readFileSync(join(x, file))), file).toBe(true);
    cleanup(x);
    cleanup(y);
  });

  it('changes every component\'s weights with another seed', () => {
    for (const file of ['speech.onnx', 'vision.onnx', 'embedding.onnx', 'decoder.onnx']) {
      expect(readFileSync(join(other, file)).equals(readFileSync(join(a, file))), file).toBe(false);
    }
  });

  it('names nodes hierarchically by module', () => {
    const names = readFileSync(join(a, 'decoder.onnx')).toString('latin1');
    expect(names).toContain('/decoder/layers.1/self_attn/GroupQueryAttention');
    expect(names).toContain('/decoder/layers.0/mlp/gate_proj/MatMul');
    expect(readFileSync(join(a, 'speech.onnx')).toString('latin1')).toContain('/audio/layers.1/attn/q_proj/MatMul');
    expect(readFileSync(join(a, 'vision.onnx')).toString('latin1')).toContain('/vision/blocks.0/attn/MatMul');
  });
});

describe('external data', () => {
  let parent: string;
  beforeAll(() => {
    parent = tempDir();
  });
  afterAll(() => cleanup(parent));

  it('moves initializers to <file>.onnx.data past the threshold and the model still runs the same', async () => {
    const inline = buildTiny(parent, 'inline', { seed: 3 });
    const external = buildTiny(parent, 'external', { seed: 3, externalDataThresholdBytes: 1024 * 1024 });
    expect(existsSync(join(external, 'decoder.onnx.data'))).toBe(true);
    expect(existsSync(join(external, 'speech.onnx.data'))).toBe(false); // under 1 MB
    expect(statSync(join(external, 'decoder.onnx')).size).toBeLessThan(1024 * 1024);

    const feeds = (): Record<string, ReturnType<typeof f32>> => {
      const S = 4;
      const f: Record<string, ReturnType<typeof f32>> = {
        inputs_embeds: f32(randomFloats(S * 128, 5), [1, S, 128]),
        attention_mask: i64([1, 1, 1, 1], [1, S]),
        position_ids: i64([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], [3, 1, S]),
      };
      for (let l = 0; l < 2; l++) {
        f[`past_key_values.${l}.key`] = f32(new Float32Array(0), [1, 2, 0, 32]);
        f[`past_key_values.${l}.value`] = f32(new Float32Array(0), [1, 2, 0, 32]);
      }
      return f;
    };
    const [x, y] = await Promise.all([openSession(inline, 'decoder.onnx'), openSession(external, 'decoder.onnx')]);
    const lx = (await x.run(feeds())).logits?.data as Float32Array;
    const ly = (await y.run(feeds())).logits?.data as Float32Array;
    expect(Buffer.from(ly.buffer).equals(Buffer.from(lx.buffer))).toBe(true);
  });
});
