import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genaiConfigFor } from '../../src/model/builder/config-files.js';
import { PRESETS, mropeSection, loadPreset } from '../../src/model/builder/presets.js';
import { decoderFlops, referenceRequest, requestFlops, speechFlops, visionFlops } from '../../src/model/flops.js';
import { readGenaiConfig, type GenaiConfig } from '../../src/model/genai-config.js';
import { ModelError, UsageError } from '../../src/errors.js';
import { buildTiny, cleanup, tempDir } from './helpers.js';

// The resolved config of a built tiny model (genai_config.json + config.json), as the runtime reads it.
let tiny: GenaiConfig;
let tinyRoot: string;
beforeAll(() => {
  tinyRoot = tempDir();
  tiny = readGenaiConfig(buildTiny(tinyRoot));
});
afterAll(() => cleanup(tinyRoot));

describe('FLOPs', () => {
  it('counts one tiny decode step exactly: 2 layers of projections, attention, SwiGLU, plus a last-position lm_head', () => {
    // per layer: q,k,v,o 2*128*(2*128 + 2*64) = 98304; attention 2*2*4*32*1 = 512; MLP 3*2*128*384 = 294912
    expect(decoderFlops(tiny, 1, 0)).toBe(2 * (98304 + 512 + 294912) + 2 * 128 * 151936);
  });

  it('counts decoder attention causally on top of the past', () => {
    const perKey = 2 * 2 * 4 * 32 * 2; // 2 products, 4 heads, head 32, 2 layers
    expect(decoderFlops(tiny, 3, 10)! - decoderFlops(tiny, 3, 0)!).toBe(perKey * 3 * 10);
  });

  it('counts one 2 s audio window exactly', () => {
    const conv = 2 * 200 * 64 * 128 * 3 + 2 * 100 * 64 * 64 * 3;
    const layer = 8 * 100 * 64 * 64 + 4 * 100 * 100 * 64 + 4 * 100 * 64 * 256;
    expect(speechFlops(tiny, 200)).toBe(conv + 2 * layer + 2 * 50 * 64 * 128);
  });

  it('grows vision attention with the square of the group and linearly with groups', () => {
    const one = visionFlops(tiny, [1, 20, 28]);
    expect(visionFlops(tiny, [10, 20, 28])).toBeCloseTo(10 * one!, 0);
  });

  it('defines the reference request: 10 s audio, 20 frames of 392x280, 1680 prompt tokens', () => {
    const r = referenceRequest();
    expect(r).toMatchObject({ audioMelFrames: 1000, audioTokens: 250, visionGrid: [10, 20, 28], visionTokens: 1400, promptTokens: 1680, pastTokens: 0 });
    const f = requestFlops(tiny, r);
    expect(f.total).toBe(f.speech! + f.vision! + f.decoder!);
    expect(f.embedding).toBe(0);
  });
});

describe('presets', () => {
  it('scales mrope_section [16, 24, 24] to the head size', () => {
    expect(mropeSection(128)).toEqual([16, 24, 24]);
    expect(mropeSection(64)).toEqual([8, 12, 12]);
    expect(mropeSection(32)).toEqual([4, 6, 6]);
  });

  it('reads a preset file and rejects a bad one with the field named', () => {
    const dir = tempDir();
    try {
      const good = join(dir, 'mine.json');
      writeFileSync(good, JSON.stringify({ ...PRESETS.tiny, name: 'mine' }));
      expect(loadPreset(good).decoder).toEqual(PRESETS.tiny.decoder);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ ...PRESETS.tiny, name: 'bad', decoder: { ...PRESETS.tiny.decoder, kvHeads: 3 } }));
      expect(() => loadPreset(bad)).toThrow(UsageError);
      expect(() => loadPreset(bad)).toThrow(/decoder.heads must be a multiple of decoder.kvHeads/);
    } finally {
      cleanup(dir);
    }
  });
});

describe('readGenaiConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => cleanup(dir));

  it('names the field that is missing or mistyped', () => {
    const d = join(dir, 'no-heads');
    mkdirSync(d);
    const broken = genaiConfigFor(PRESETS.tiny) as unknown as { model: { decoder: Record<string, unknown>; vocab_size: unknown } };
    delete broken.model.decoder['num_key_value_heads'];
    broken.model.vocab_size = 'many';
    writeFileSync(join(d, 'genai_config.json'), JSON.stringify(broken));
    expect(() => readGenaiConfig(d)).toThrow(ModelError);
    // Every missing or mistyped value in one message, each with where it was looked for.
    expect(() => readGenaiConfig(d)).toThrow(/model\.vocab_size: genai_config\.json model\.vocab_size is "many", not a non-negative integer.*model\.decoder\.num_key_value_heads \(looked in genai_config\.json model\.decoder\.num_key_value_heads, config\.json \(not in the folder\)/);
  });

  it('names the ONNX file a component points to when it is missing', () => {
    const d = join(dir, 'no-files');
    mkdirSync(d);
    writeFileSync(join(d, 'genai_config.json'), JSON.stringify(genaiConfigFor(PRESETS.tiny)));
    expect(() => readGenaiConfig(d)).toThrow(/model.speech.filename 'speech.onnx' not found.*model.decoder.filename 'decoder.onnx' not found/);
  });
});
