import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genaiConfigFor } from '../../src/model/builder/config-files.js';
import { FAMILIES } from '../../src/model/builder/families.js';
import { unacceptedKeys } from '../../src/model/builder/genai-keys.js';
import { PRESETS } from '../../src/model/builder/presets.js';
import { buildTiny, cleanup, readJson, tempDir } from './helpers.js';

describe("genai_config.json holds only keys onnxruntime-genai's parser accepts", () => {
  let parent: string;
  const dirs = new Map<string, string>();
  beforeAll(() => {
    parent = tempDir();
    for (const family of FAMILIES) dirs.set(family, buildTiny(parent, family, { family }));
  });
  afterAll(() => cleanup(parent));

  it.each(FAMILIES)('%s (tiny, as written) has no unaccepted key', (family) => {
    const config = readJson(dirs.get(family) as string, 'genai_config.json');
    expect(unacceptedKeys(config)).toEqual([]);
    expect(unacceptedKeys(genaiConfigFor(PRESETS.small, family))).toEqual([]);
  });
});

describe('unacceptedKeys', () => {
  const base = (): Record<string, any> => structuredClone(genaiConfigFor(PRESETS.tiny, 'qwen2_5_omni')) as Record<string, any>;

  it('flags keys the parser has no branch for, by dotted path, in document order', () => {
    const config = base();
    config['model']['mrope_section'] = [4, 6, 6];
    config['model']['decoder']['rope_theta'] = 1e6;
    config['model']['speech']['inputs']['input_features'] = 'input_features';
    config['omni_bench'] = { preset: 'tiny', seed: 0 };
    expect(unacceptedKeys(config)).toEqual(['model.decoder.rope_theta', 'model.speech.inputs.input_features', 'model.mrope_section', 'omni_bench']);
  });

  it('flags the builder v3 genai_config.json keys that moved to config.json', () => {
    const v3 = {
      model: {
        type: 'qwen2_5_omni',
        audio_start_token_id: 151647,
        decoder: { filename: 'decoder.onnx', intermediate_size: 384, mrope_section: [4, 6, 6] },
        vision: { filename: 'vision.onnx', hidden_size: 64 },
      },
      search: { max_length: 32768 },
      omni_bench: { preset: 'tiny', seed: 0, builder_version: 3 },
    };
    expect(unacceptedKeys(v3)).toEqual([
      'model.audio_start_token_id',
      'model.decoder.intermediate_size',
      'model.decoder.mrope_section',
      'model.vision.hidden_size',
      'omni_bench',
    ]);
  });

  it('accepts the lenient places: top-level scalars, session config entries, provider options', () => {
    const config = base();
    config['comment'] = 'ignored by Root_Element';
    config['model']['decoder']['session_options'] = {
      log_id: 'onnxruntime-genai',
      'session.disable_prepacking': '1',
      provider_options: [{ cuda: { enable_cuda_graph: '0', device_filtering_options: { hardware_device_type: 'GPU' } } }],
    };
    config['model']['decoder']['run_options'] = { 'memory.enable_memory_arena_shrinkage': 'cpu:0' };
    expect(unacceptedKeys(config)).toEqual([]);
  });

  it('flags a key given in a JSON form its parser element does not take', () => {
    const config = base();
    config['model']['decoder']['inputs'] = 'inputs_embeds';
    config['model']['vocab_size'] = { rows: 151936 };
    config['model']['decoder']['session_options']['intra_op_num_threads_map'] = { cpu: 1 };
    config['model']['embedding']['session_options']['provider_options'] = [{ cuda: { nested: { x: '1' } } }, 'cuda'];
    expect(unacceptedKeys(config)).toEqual([
      'model.vocab_size',
      'model.decoder.session_options.intra_op_num_threads_map',
      'model.decoder.inputs',
      'model.embedding.session_options.provider_options[0].cuda.nested',
      'model.embedding.session_options.provider_options[1]',
    ]);
  });
});
