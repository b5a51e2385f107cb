import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { genaiConfigFor } from '../../src/model/builder/config-files.js';
import { PRESETS } from '../../src/model/builder/presets.js';
import { COMPONENTS, MAX_CONFIG_BYTES, readGenaiConfig, type ComponentName } from '../../src/model/genai-config.js';
import { loadProcessorConfig, readProcessorConfig } from '../../src/model/processor-config.js';
import { preprocessorConfigFor } from '../../src/model/builder/hf-configs.js';

const processorConfig = (): Record<string, unknown> => preprocessorConfigFor('qwen2_5_omni') as Record<string, unknown>;
import { runCli } from '../helpers/cli.js';
import { cleanup, tempDir } from './helpers.js';

/** The raw genai_config.json of the tiny reference model (onnxruntime-genai's keys). */
const tiny = genaiConfigFor(PRESETS.tiny) as unknown as { model: Record<ComponentName, { filename: string }> };

/**
 * Hostile genai_config.json files: component file names that leave the model directory, or
 * name a device or a FIFO, which omni-bench would open (and read forever, or parse as ONNX).
 * readGenaiConfig checks files before any is opened, so placeholder ONNX files do here.
 */
describe('genai_config.json component files', () => {
  let root: string;
  let outsideFile: string;
  beforeAll(() => {
    root = tempDir();
    mkdirSync(join(root, 'outside'));
    outsideFile = join(root, 'outside', 'x.onnx');
    writeFileSync(outsideFile, 'not a model');
  });
  afterAll(() => cleanup(root));

  /** A model folder with placeholder ONNX files and `filenames` for some components. */
  function modelDirWith(name: string, filenames: Partial<Record<ComponentName, string>>): string {
    const dir = join(root, name);
    mkdirSync(dir);
    const config = structuredClone(tiny);
    for (const c of COMPONENTS) {
      writeFileSync(join(dir, config.model[c].filename), 'placeholder');
      config.model[c].filename = filenames[c] ?? config.model[c].filename;
    }
    writeFileSync(join(dir, 'genai_config.json'), JSON.stringify(config));
    return dir;
  }
  const modelDir = (name: string, component: ComponentName, filename: string): string => modelDirWith(name, { [component]: filename });

  const refused = (dir: string): ModelError => {
    try {
      readGenaiConfig(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(ModelError);
      return error as ModelError;
    }
    throw new Error(`${dir} was accepted`);
  };

  it("refuses a filename that climbs out with '..', naming the component, the filename and the model directory", () => {
    const dir = modelDir('dotdot', 'speech', '../outside/x.onnx');
    const error = refused(dir);
    expect(error.message).toContain("model.speech.filename '../outside/x.onnx'");
    expect(error.message).toContain(`inside the model directory ${dir}`);
    expect(error.message).toMatch(/climbs out/);
    const nested = refused(modelDir('nested', 'vision', 'sub/../../outside/x.onnx'));
    expect(nested.message).toContain("model.vision.filename 'sub/../../outside/x.onnx'");
  });

  it('refuses an absolute filename, even of an existing file', () => {
    const dir = modelDir('absolute', 'decoder', outsideFile);
    expect(refused(dir).message).toMatch(/model\.decoder\.filename '.*x\.onnx' is an absolute path; component files must lie inside the model directory/);
    expect(refused(modelDir('passwd', 'embedding', '/etc/passwd')).message).toContain("model.embedding.filename '/etc/passwd' is an absolute path");
  });

  it('refuses a symlink inside the folder that points outside it', () => {
    const dir = modelDir('symlink-out', 'speech', 'speech-link.onnx');
    symlinkSync(outsideFile, join(dir, 'speech-link.onnx'));
    expect(refused(dir).message).toMatch(/model\.speech\.filename 'speech-link\.onnx' is a symlink to .*outside.*x\.onnx, outside/);
  });

  it('refuses a device instead of reading it forever: /dev/zero by name or through a symlink', () => {
    expect(refused(modelDir('dev-zero', 'speech', '/dev/zero')).message).toContain("'/dev/zero' is an absolute path");
    const dir = modelDir('dev-link', 'vision', 'vision-link.onnx');
    symlinkSync('/dev/zero', join(dir, 'vision-link.onnx'));
    expect(refused(dir).message).toMatch(/model\.vision\.filename 'vision-link\.onnx' is a symlink to \/dev\/zero/);
  });

  it('refuses a FIFO inside the folder as not a regular file', () => {
    const dir = modelDir('fifo', 'decoder', 'decoder-fifo.onnx');
    execFileSync('mkfifo', [join(dir, 'decoder-fifo.onnx')]);
    expect(refused(dir).message).toMatch(/model\.decoder\.filename 'decoder-fifo\.onnx' .*is a FIFO \(named pipe\), not a regular file/);
  });

  it('accepts a file in a subfolder and a symlink that stays inside', () => {
    const dir = modelDirWith('inside', { speech: 'sub/speech.onnx', vision: 'vision-alias.onnx' });
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'speech.onnx'), 'placeholder');
    symlinkSync('vision.onnx', join(dir, 'vision-alias.onnx'));
    const config = readGenaiConfig(dir);
    expect([config.model.speech?.filename, config.model.vision?.filename]).toEqual(['sub/speech.onnx', 'vision-alias.onnx']);
  });

  it('refuses a genai_config.json that is a FIFO or over the size limit instead of reading it', () => {
    const fifo = join(root, 'config-fifo');
    mkdirSync(fifo);
    execFileSync('mkfifo', [join(fifo, 'genai_config.json')]);
    expect(refused(fifo).message).toMatch(/genai_config\.json is a FIFO \(named pipe\), not a regular file/);
    const huge = join(root, 'config-huge');
    mkdirSync(huge);
    writeFileSync(join(huge, 'genai_config.json'), '');
    truncateSync(join(huge, 'genai_config.json'), MAX_CONFIG_BYTES + 1024 * 1024); // sparse: no disk used
    expect(refused(huge).message).toMatch(/genai_config\.json is 17 MiB, over the limit of 16 MiB/);
  });

  it('model inspect exits 2 with one line naming the component, the filename and the model directory', async () => {
    const dir = modelDir('cli-dotdot', 'vision', '../outside/x.onnx');
    const result = await runCli(['model', 'inspect', dir]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("model.vision.filename '../outside/x.onnx'");
    expect(lines[0]).toContain(dir);
  });
});

describe('processor config', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir();
  });
  afterAll(() => cleanup(root));

  it("is Qwen2.5-Omni's in a built model: chunk_length 300 s, n_samples 4,800,000, nb_max_frames 30,000", () => {
    expect(processorConfig()).toMatchObject({ chunk_length: 300, n_samples: 4_800_000, nb_max_frames: 30_000, sampling_rate: 16000, hop_length: 160 });
  });

  it('falls back to Qwen2.5-Omni values with a typed warning when the folder has no processor config', () => {
    const dir = join(root, 'none');
    mkdirSync(dir);
    const loaded = loadProcessorConfig(dir);
    expect(loaded.file).toBeNull();
    expect(loaded.config.chunk_length).toBe(300);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toMatchObject({ kind: 'processor-config-missing', dir });
    expect(loaded.warnings[0]?.message).toMatch(/has no processor_config\.json .*using Qwen2\.5-Omni's values \(chunk_length 300 s/);
  });

  it("reads a Hugging Face preprocessor_config.json when processor_config.json is absent, and takes its chunk_length", () => {
    const dir = join(root, 'hf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ ...processorConfig(), chunk_length: 30, n_samples: 480_000, nb_max_frames: 3000 }));
    const loaded = loadProcessorConfig(dir);
    expect(loaded.file).toBe(join(dir, 'preprocessor_config.json'));
    expect(loaded.config.chunk_length).toBe(30);
    expect(loaded.warnings).toEqual([]);
  });

  it('warns when n_samples disagrees with chunk_length, and refuses a chunk that is not a whole number of hops', () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, 'processor_config.json'), JSON.stringify({ ...processorConfig(), chunk_length: 300, n_samples: 480_000, nb_max_frames: 3000 }));
    const kinds = loadProcessorConfig(dir).warnings.map((w) => [w.kind, 'field' in w ? w.field : '']);
    expect(kinds).toEqual([
      ['processor-config-inconsistent', 'n_samples'],
      ['processor-config-inconsistent', 'nb_max_frames'],
    ]);
    writeFileSync(join(dir, 'processor_config.json'), JSON.stringify({ ...processorConfig(), chunk_length: 0.0015 }));
    expect(() => readProcessorConfig(dir)).toThrow(/processor_config\.json: chunk_length must be a positive number of seconds .* got 0\.0015/);
  });
});
