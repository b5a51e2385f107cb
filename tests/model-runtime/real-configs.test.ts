/**
 * Real ONNX Runtime GenAI configurations that no one here wrote (tests/fixtures/real-model-configs,
 * each with its source): `model inspect` describes the supported families (exit 0, naming the
 * family, what it ignores and what the folder lacks) and refuses the others with one message
 * naming the type and every missing part (exit 2); onnxruntime-genai's own Qwen2.5-VL test model
 * (dummy graphs whose outputs are constants) loads, and each constant output that cannot fit a
 * real request is an error naming the tensor, its shape and the shape the request needs.
 */
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { OmniModel } from '../../src/model/omni-model.js';
import { readModelConfig } from '../../src/model/genai-config.js';
import { sessionOptionsFor } from '../../src/model/sessions.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, tempDir } from './helpers.js';

const FIXTURES = join(PACKAGE_ROOT, 'tests/fixtures/real-model-configs');
/** The folders of ../shared/real-model-configs that state no licence are read there when present. */
const SHARED = join(PACKAGE_ROOT, '..', 'shared', 'real-model-configs');

const SUPPORTED: Record<string, { family: string; ready: boolean }> = {
  'mobius-phi4mm-spec': { family: 'phi4mm', ready: false },
  'mobius-qwen2_5-vl-text': { family: 'qwen2_5_vl', ready: false },
  // Loads, but its dummy decoder declares position_ids [batch, sequence, 3]: inspect says the first prefill will fail.
  'ortgenai-test-qwen2-5-vl': { family: 'qwen2_5_vl', ready: false },
};
const UNSUPPORTED: Record<string, string> = {
  'mobius-gemma4-any-to-any': 'gemma4',
  'ortgenai-builder-output-phi-3.5-vision-dml': 'phi3v',
  'ortgenai-example-phi-3-vision-128k-cuda': 'phi3v',
  'ortgenai-example-videochat-flash': 'videochat_flash_qwen',
  'ortgenai-test-gemma4': 'gemma4',
  'ortgenai-test-phi3-v': 'phi3v',
  'ortgenai-test-qwen3-vl': 'qwen3_vl',
  'ortgenai-test-whisper': 'whisper',
  'qwen2_5-1_5b-instruct-ryzenai-npu': 'qwen2',
};

describe('model inspect on real configurations', () => {
  it('covers every fixture folder', () => {
    const folders = readdirSync(FIXTURES).filter((f) => f !== 'README.md');
    expect(folders.sort()).toEqual([...Object.keys(SUPPORTED), ...Object.keys(UNSUPPORTED), 'ortgenai-pipeline-v2-example'].sort());
  });

  for (const [folder, expected] of Object.entries(SUPPORTED)) {
    it(`${folder}: exit 0, family ${expected.family}, ignored keys and what the folder lacks`, async () => {
      const result = await runCli(['model', 'inspect', join(FIXTURES, folder)]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`family ${expected.family}`);
      expect(result.stdout).toMatch(/^ignored/m);
      expect(result.stdout).toMatch(/warning: tokenizer\.json is not in the folder/);
      expect(result.stdout).toContain(expected.ready ? 'ready to run: yes' : 'ready to run: no');
    });
  }

  it('names the source of each value and lists the keys it does not use (the Qwen2.5-VL test model)', async () => {
    const info = JSON.parse((await runCli(['model', 'inspect', join(FIXTURES, 'ortgenai-test-qwen2-5-vl'), '--json'])).stdout) as {
      sources: Record<string, string>;
      ignored: string[];
      incompatible: string[];
      components: { component: string; nodes: number }[];
    };
    expect(info.sources['model.decoder.hidden_size']).toBe('genai_config.json model.decoder.hidden_size');
    expect(info.sources['model.vision.temporal_patch_size']).toBe('processor_config.json temporal_patch_size');
    expect(info.sources['model.position_id_per_seconds']).toBe('genai_config.json model.vision.tokens_per_second');
    expect(info.sources['model.vision_end_token_id']).toBe('default (Qwen2.5-VL vocabulary)');
    // Used: the names, dims, token ids, filenames and session options it applies; listed: what it does not apply.
    expect(info.ignored).toEqual(expect.arrayContaining(['model.vision.window_size', 'search.do_sample', 'search.top_k', 'model.decoder.session_options.log_id']));
    expect(info.ignored.filter((k) => !k.startsWith('search.') && !k.endsWith('.log_id'))).toEqual(['model.vision.window_size']);
    expect(info.components.map((c) => c.component)).toEqual(['vision', 'embedding', 'decoder']);
    expect(info.incompatible).toEqual([expect.stringMatching(/decoder input 'position_ids' is declared \[batch_size, sequence_length, 3\]; .*\[3, 1, S\]/)]);
  });

  it('lists every value an excerpt lacks, each with where it was looked for (Phi-4-multimodal official excerpt)', async () => {
    const result = await runCli(['model', 'inspect', join(FIXTURES, 'mobius-phi4mm-spec', 'genai_config.official-excerpt.json')]);
    expect(result.code).toBe(0);
    const ready = result.stdout.split('\n').find((l) => l.startsWith('ready to run')) ?? '';
    for (const field of ['model.vocab_size', 'model.context_length', 'model.decoder.hidden_size', 'model.decoder.num_attention_heads', 'model.decoder.num_key_value_heads', 'model.decoder.num_hidden_layers']) {
      expect(ready).toContain(`${field} (looked in genai_config.official-excerpt.json`);
    }
    expect(ready).toContain('model.decoder.filename phi-4-mm-text.onnx (file not in the folder)');
  });

  it('inspects each genai_config variant of a folder that has no genai_config.json', async () => {
    const result = await runCli(['model', 'inspect', join(FIXTURES, 'mobius-phi4mm-spec')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('inspecting its 2 genai_config variants');
    expect(result.stdout.match(/family phi4mm/g)).toHaveLength(2);
  });

  for (const [folder, type] of Object.entries(UNSUPPORTED)) {
    it(`${folder}: exit 2 with one message naming '${type}' and every missing part`, async () => {
      const result = await runCli(['model', 'inspect', join(FIXTURES, folder)]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`model.type '${type}' is not supported: omni-bench runs qwen2_5_omni, qwen2_5_vl, phi4mm`);
      expect(lines[0]).toContain(`an omni-bench family adapter for '${type}'`);
      expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
    });
  }

  it('names both missing parts of a decoder-only export (no embedding, no media encoder)', async () => {
    const result = await runCli(['model', 'inspect', join(FIXTURES, 'qwen2_5-1_5b-instruct-ryzenai-npu')]);
    expect(result.stderr).toContain('missing for omni-bench: an embedding component (model.embedding); a vision or speech encoder (model.vision / model.speech)');
  });

  it("refuses onnxruntime-genai's version 2 pipeline config with one line", async () => {
    const result = await runCli(['model', 'inspect', join(FIXTURES, 'ortgenai-pipeline-v2-example')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("a 'version 2' pipeline config (no \"model\" section): not supported");
  });

  it.skipIf(!existsSync(SHARED))('refuses the unlicensed real configs kept outside the repository (Phi-3-mini, Qwen2.5) the same way', async () => {
    for (const [folder, type] of [
      ['phi-3-mini-128k-instruct-cpu-int4', 'phi3'],
      ['phi-3-mini-128k-instruct-webgpu', 'phi3'],
      ['qwen2_5-1_5b-instruct-cuda', 'qwen2'],
    ] as const) {
      const result = await runCli(['model', 'inspect', join(SHARED, folder)]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`model.type '${type}' is not supported`);
    }
  });
});

describe("onnxruntime-genai's Qwen2.5-VL test model (dummy graphs with constant outputs)", () => {
  let dir: string;
  let model: OmniModel;
  beforeAll(async () => {
    dir = tempDir();
    cpSync(join(FIXTURES, 'ortgenai-test-qwen2-5-vl'), join(dir, 'm'), { recursive: true });
    model = await OmniModel.load(join(dir, 'm'));
  });
  afterAll(async () => {
    await model.release();
    cleanup(dir);
  });

  it('loads as a qwen2_5_vl model without audio, with its session options recorded', () => {
    expect(model.family).toBe('qwen2_5_vl');
    expect(model.takes).toEqual({ audio: false, video: true, image: true });
    expect(model.hiddenSize).toBe(3584);
    expect(model.sessionOptionsUsed.decoder).toMatchObject({ executionProvider: 'cpu', from: { executionProvider: 'default' } });
    expect(Object.keys(model.sessionOptionsUsed)).toEqual(['vision', 'embedding', 'decoder']);
  });

  it('names the vision output, its constant shape and the shape the request needs', async () => {
    const error = await model.encodeVision({ pixelValues: new Float32Array(256 * 1176), gridThw: [1, 16, 16] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toBe("vision output 'image_features' has shape [2, 3584]; the request needs [64, 3584] (grid [1, 16, 16] / 2x2 merge)");
  });

  it('names the embedding output and the decoder input whose declared layout differs', async () => {
    await expect(model.embed([1, 2, 3])).rejects.toThrow("embedding output 'inputs_embeds' has shape [2, 2, 3584]; the request needs [1, 3, 3584] (3 input ids)");
    const embeds = new ort.Tensor('float32', new Float32Array(5 * 3584), [1, 5, 3584]);
    await expect(model.prefill(embeds, new Int32Array(15))).rejects.toThrow(
      "decoder input 'position_ids': the graph declares shape [batch_size, sequence_length, 3], omni-bench feeds [3, 1, 5]",
    );
  });

  it('fails a prompt with the missing tokenizer.json named', () => {
    expect(() => model.buildPrompt([{ role: 'user', content: 'hi' }])).toThrow(/tokenizer\.json: not found/);
  });

  it('lists a missing value and a missing component file in one message, and warns about keys onnxruntime-genai rejects', async () => {
    const broken = join(dir, 'broken');
    cpSync(join(FIXTURES, 'ortgenai-test-qwen2-5-vl'), broken, { recursive: true });
    const config = JSON.parse(readFileSync(join(broken, 'genai_config.json'), 'utf8')) as { model: { decoder: Record<string, unknown>; vision: Record<string, unknown>; mrope_section?: number[] } };
    delete config.model.decoder['hidden_size'];
    config.model.vision['filename'] = 'vision-missing.onnx';
    config.model.mrope_section = [16, 24, 24];
    writeFileSync(join(broken, 'genai_config.json'), JSON.stringify(config));
    expect(() => readModelConfig(broken)).toThrow(/missing 2 thing\(s\) omni-bench needs: model\.decoder\.hidden_size \(looked in .*\); .*model\.vision\.filename 'vision-missing\.onnx' not found/);
    const result = await runCli(['model', 'inspect', broken]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("warning: genai_config.json has 1 key(s) onnxruntime-genai's parser rejects (its src/config.cpp, see src/model/genai-config-keys.json): model.mrope_section");
  });

  it('refuses a config.json that is a symlink out of the folder, naming it', () => {
    const linked = join(dir, 'linked');
    cpSync(join(FIXTURES, 'ortgenai-test-qwen2-5-vl'), linked, { recursive: true });
    writeFileSync(join(dir, 'outside-config.json'), JSON.stringify({ vision_config: { depth: 32 } }));
    symlinkSync(join(dir, 'outside-config.json'), join(linked, 'config.json'));
    expect(() => readModelConfig(linked)).toThrow(new RegExp(`${linked}/config\\.json: is a symlink to .*outside-config\\.json, outside ${linked}`));
  });

  it("passes genai_config.json's session config entries to ONNX Runtime as the flat keys onnxruntime-genai names them", () => {
    const so = sessionOptionsFor({}, 'decoder', { executionProviders: [], configEntries: { 'session.intra_op.allow_spinning': '0' } });
    expect(so.extra).toEqual({ 'session.intra_op.allow_spinning': '0' });
  });

  it('shows the readable genai_config variants of a folder and names the unreadable one in one line', async () => {
    const mixed = join(dir, 'variants');
    cpSync(join(FIXTURES, 'mobius-phi4mm-spec'), mixed, { recursive: true });
    cpSync(join(FIXTURES, 'ortgenai-test-gemma4', 'genai_config.json'), join(mixed, 'genai_config.gemma.json'));
    const result = await runCli(['model', 'inspect', mixed]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/family phi4mm/g)).toHaveLength(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining("genai_config.gemma.json: model.type 'gemma4' is not supported")]);
  });

  it('reads the same config through the library (readModelConfig) with the vision tower dims unknown (no config.json)', () => {
    const config = readModelConfig(join(dir, 'm'));
    expect(config.model.vision?.hidden_size).toBeNull();
    expect(config.model.decoder.intermediate_size).toBeNull();
    expect(config.model.vision?.inputs).toEqual({ pixel_values: 'pixel_values', image_grid_thw: 'image_grid_thw', attention_mask: null, image_sizes: null });
  });
});
