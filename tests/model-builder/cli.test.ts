import { copyFileSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanup, tempDir } from './helpers.js';
import type { ModelInspection } from '../../src/model/inspect.js';
import { BUILDER_VERSION } from '../../src/model/builder/build.js';

describe('omni-bench model build / inspect', () => {
  let parent: string;
  let model: string;
  beforeAll(async () => {
    parent = tempDir();
    model = join(parent, 'tiny');
    const built = await runCli(['model', 'build', '--preset', 'tiny', '--out', model, '--seed', '3']);
    expect(built.stderr).toContain('building decoder.onnx');
    expect(built.code).toBe(0);
  });
  afterAll(() => cleanup(parent));

  /** A model folder whose files hard-link to the built tiny model (a symlink out of the folder is refused), with `overrides` written in place. */
  function variant(name: string, overrides: Record<string, string | Buffer>): string {
    const dir = join(parent, name);
    mkdirSync(dir);
    for (const file of ['genai_config.json', 'speech.onnx', 'vision.onnx', 'embedding.onnx', 'decoder.onnx']) {
      if (file in overrides) writeFileSync(join(dir, file), overrides[file] as string | Buffer);
      else if (file.endsWith('.json')) copyFileSync(join(model, file), join(dir, file));
      else linkSync(join(model, file), join(dir, file));
    }
    return dir;
  }

  it('inspects a model as JSON: components, tensors, parameters, reference FLOPs', async () => {
    const result = await runCli(['model', 'inspect', model, '--json']);
    expect(result.code).toBe(0);
    const info = JSON.parse(result.stdout) as ModelInspection;
    expect(info.components.map((c) => c.component)).toEqual(['speech', 'vision', 'embedding', 'decoder']);
    const decoder = info.components.find((c) => c.component === 'decoder');
    expect(decoder?.outputs[0]).toEqual({ name: 'logits', dtype: 'float32', shape: [1, 1, 151936] });
    expect(decoder?.inputs.map((t) => t.name)).toContain('past_key_values.1.value');
    expect(info.components.every((c) => c.parameters > 0 && c.fileBytes > 0)).toBe(true);
    expect(info.reference).toMatchObject({ audioTokens: 250, visionTokens: 1400, promptTokens: 1680 });
    expect(info.reference?.flops.decoder).toBeGreaterThan(0);
  });

  it("reports the processor config's audio chunk (300 s) and no warnings for a built model", async () => {
    const info = JSON.parse((await runCli(['model', 'inspect', model, '--json'])).stdout) as ModelInspection;
    expect(info.processor).toEqual({ file: join(model, 'preprocessor_config.json'), chunkLengthSeconds: 300 });
    expect(info.warnings).toEqual([]);
    expect(info.components.map((c) => c.filename)).toEqual(['speech.onnx', 'vision.onnx', 'embedding.onnx', 'decoder.onnx']);
  });

  it('shows each component file as genai_config.json names it, and warns when the folder has no processor config', async () => {
    const config = JSON.parse(readFileSync(join(model, 'genai_config.json'), 'utf8')) as { model: { speech: { filename: string } } };
    config.model.speech.filename = 'encoders/speech.onnx';
    const dir = variant('subfolder', { 'genai_config.json': JSON.stringify(config) });
    mkdirSync(join(dir, 'encoders'));
    linkSync(join(model, 'speech.onnx'), join(dir, 'encoders', 'speech.onnx'));
    const table = await runCli(['model', 'inspect', dir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('encoders/speech.onnx');
    expect(table.stdout).toMatch(/warning: .* has no processor_config\.json .*using Qwen2\.5-Omni's values/);
    const info = JSON.parse((await runCli(['model', 'inspect', dir, '--json'])).stdout) as ModelInspection;
    expect(info.components[0]).toMatchObject({ filename: 'encoders/speech.onnx', file: join(dir, 'encoders', 'speech.onnx') });
    expect(info.warnings.map((w) => w.kind)).toEqual(['processor-config-missing']);
  });

  it('prints tables without --json', async () => {
    const result = await runCli(['model', 'inspect', model]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('present.0.key (x2 layers)');
    expect(result.stdout).toContain('GFLOP');
  });

  it('exits 2 naming the directory when it does not exist', async () => {
    const missing = join(parent, 'no-such-model');
    const result = await runCli(['model', 'inspect', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(missing);
  });

  it('describes a folder whose genai_config.json names a missing ONNX file (config-only folders are inspectable) and says it cannot run', async () => {
    const config = JSON.parse(readFileSync(join(model, 'genai_config.json'), 'utf8')) as { model: { vision: { filename: string } } };
    config.model.vision.filename = 'vision-missing.onnx';
    const dir = variant('missing-file', { 'genai_config.json': JSON.stringify(config) });
    const result = await runCli(['model', 'inspect', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/warning: the folder lacks model\.vision's file: .*vision-missing\.onnx' not found/);
    expect(result.stdout).toMatch(/ready to run: no; missing 1: model\.vision\.filename vision-missing\.onnx \(file not in the folder\)/);
  });

  it('exits 2 naming the file when an .onnx file is corrupt', async () => {
    const dir = variant('corrupt', { 'speech.onnx': Buffer.from('this is not a protobuf \u00ff\u00fe\u0000\u0001') });
    const result = await runCli(['model', 'inspect', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, 'speech.onnx'));
  });

  it('exits 2 naming the file when genai_config.json is not JSON', async () => {
    const dir = variant('bad-json', { 'genai_config.json': '{ "model": ' });
    const result = await runCli(['model', 'inspect', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, 'genai_config.json'));
  });

  it('exits 2 for an unknown preset', async () => {
    const result = await runCli(['model', 'build', '--preset', 'huge', '--out', join(parent, 'huge')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown preset 'huge'");
  });

  it('builds into the cache once and reuses it', async () => {
    const home = join(parent, 'home');
    const env = { OMNI_BENCH_HOME: home };
    const first = await runCli(['model', 'build', '--preset', 'tiny', '--seed', '5'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(join(home, 'models', `tiny-s5-b${BUILDER_VERSION}`));
    const second = await runCli(['model', 'build', '--preset', 'tiny', '--seed', '5'], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('reusing cached model');
    expect(second.stderr).not.toContain('building');
  });
});

describe('omni-bench model build --family', () => {
  let parent: string;
  beforeAll(() => {
    parent = tempDir();
  });
  afterAll(() => cleanup(parent));

  it('builds a phi4mm model into --out and says which family it built', async () => {
    const out = join(parent, 'phi4mm');
    const result = await runCli(['model', 'build', '--family', 'phi4mm', '--preset', 'tiny', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('building speech.onnx');
    expect(result.stdout).toContain('(family phi4mm, preset tiny, seed 0,');
    const config = JSON.parse(readFileSync(join(out, 'genai_config.json'), 'utf8')) as { model: { type: string } };
    expect(config.model.type).toBe('phi4mm');
  });

  it('builds another family into its own cache folder', async () => {
    const home = join(parent, 'home');
    const result = await runCli(['model', 'build', '--family', 'qwen2_5_vl', '--preset', 'tiny', '--seed', '5'], { env: { OMNI_BENCH_HOME: home } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(join(home, 'models', `qwen2_5_vl-tiny-s5-b${BUILDER_VERSION}`));
    expect(result.stderr).not.toContain('building speech.onnx');
  });

  it('exits 2 for an unknown family, naming the choices', async () => {
    const result = await runCli(['model', 'build', '--family', 'llama', '--preset', 'tiny', '--out', join(parent, 'llama')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("unknown family 'llama': use qwen2_5_omni, qwen2_5_vl, phi4mm");
  });
});
