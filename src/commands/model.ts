/**
 * The `model` command group: `model build` (the reference model builder) and `model inspect`.
 * `model bench` is registered by src/model/bench-command.ts into the same group.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ModelError } from '../errors.js';
import Table from 'cli-table3';
import { registerModelBench } from '../model/bench-command.js';
import { buildModel, BUILDER_VERSION, DEFAULT_SEED, listFiles } from '../model/builder/build.js';
import { cacheKey, ensureModel, modelCacheDir } from '../model/builder/cache.js';
import { DEFAULT_FAMILY, FAMILIES, MODEL_FILES, parseFamily } from '../model/builder/families.js';
import { loadPreset, PRESET_NAMES } from '../model/builder/presets.js';
import { readdirSync, statSync } from 'node:fs';
import { inspectModel } from '../model/inspect.js';
import { GENAI_CONFIG_FILE } from '../model/genai-config.js';
import { formatInspection } from './model-inspect.js';

function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** Human sizes: 1.5 MB, 312.4 MB, 2.10 GB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Creates the `model` command group with build, inspect and bench. */
export function modelCommand(program: Command): void {
  const group = program.command('model').description('build, inspect and benchmark ONNX Runtime GenAI model directories');

  group
    .command('build')
    .description('build a deterministic reference model of a family (real ONNX Runtime GenAI layout, random weights)')
    .option('--family <name>', `model family: ${FAMILIES.join(', ')}`, DEFAULT_FAMILY)
    .option('--preset <name|file.json>', `preset: ${PRESET_NAMES.join(', ')} or a preset JSON file`, 'small')
    .option('--out <dir>', `output directory (default: the cache, ${join(modelCacheDir(), '[<family>-]<preset>-s<seed>-b' + BUILDER_VERSION)}; no prefix for ${DEFAULT_FAMILY})`)
    .option('--seed <n>', 'weight seed', parseSeed, DEFAULT_SEED)
    .action(async (opts: { family: string; preset: string; out?: string; seed: number }) => {
      const progress = (message: string): void => void process.stderr.write(`${message}\n`);
      const family = parseFamily(opts.family);
      const preset = loadPreset(opts.preset);
      const started = performance.now();
      let dir: string;
      if (opts.out) {
        dir = buildModel(preset, opts.out, { family, seed: opts.seed, onProgress: progress }).dir;
      } else {
        const cached = existsSync(join(modelCacheDir(), cacheKey(preset, opts.seed, family), MODEL_FILES.genaiConfig));
        dir = await ensureModel(opts.preset, { family, seed: opts.seed, onProgress: progress });
        if (cached) progress(`reusing cached model ${dir}`);
      }
      const seconds = (performance.now() - started) / 1000;
      const files = listFiles(dir);
      const table = new Table({ head: ['file', 'size'], style: { head: [], border: [] } });
      for (const f of files) table.push([f.name, formatBytes(f.bytes)]);
      const total = files.reduce((n, f) => n + f.bytes, 0);
      table.push(['total', formatBytes(total)]);
      process.stdout.write(`${table.toString()}\n${resolve(dir)}  (family ${family}, preset ${preset.name}, seed ${opts.seed}, ${seconds.toFixed(1)} s)\n`);
    });

  group
    .command('inspect')
    .description('show the family, where each value came from, ignored keys, components, tensor names and shapes, parameters and FLOPs of a model folder')
    .argument('<dir|file|preset>', 'model directory, one genai_config*.json file in it, or a preset name (built into the cache if needed)')
    .option('--json', 'print JSON instead of tables')
    .action(async (target: string, opts: { json?: boolean }) => {
      const path = existsSync(target) ? target : await ensureModel(target);
      // A folder of genai_config variants (no genai_config.json): each is inspected.
      const variants =
        statSync(path).isDirectory() && !existsSync(join(path, GENAI_CONFIG_FILE))
          ? readdirSync(path).filter((f) => /^genai_config\..+\.json$/.test(f)).sort().map((f) => join(path, f))
          : [];
      if (variants.length === 0) {
        const info = inspectModel(path);
        process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : formatInspection(info));
        return;
      }
      // Each variant on its own: one that cannot be read is one line, the others are still shown.
      const results = variants.map((p) => {
        try {
          return { file: p, info: inspectModel(p) };
        } catch (error) {
          if (!(error instanceof ModelError)) throw error;
          return { file: p, error: error.message };
        }
      });
      const ok = results.filter((r) => 'info' in r);
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else {
        process.stdout.write(`${path} has no ${GENAI_CONFIG_FILE}; inspecting its ${variants.length} genai_config variants\n\n`);
        process.stdout.write(ok.map((r) => formatInspection((r as { info: ReturnType<typeof inspectModel> }).info)).join('\n'));
        for (const r of results) if ('error' in r) process.stderr.write(`omni-bench: ${r.error}\n`);
      }
      if (ok.length === 0) process.exitCode = 2;
    });

  registerModelBench(group);
}
