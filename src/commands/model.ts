/**
 * The `model` command group: `model build` (the reference model builder) and `model inspect`.
 * `model bench` is registered by src/model/bench-command.ts into the same group.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { registerModelBench } from '../model/bench-command.js';
import { buildModel, BUILDER_VERSION, DEFAULT_SEED, listFiles } from '../model/builder/build.js';
import { cacheKey, ensureModel, modelCacheDir } from '../model/builder/cache.js';
import { DEFAULT_FAMILY, FAMILIES, MODEL_FILES, parseFamily } from '../model/builder/families.js';
import { loadPreset, PRESET_NAMES } from '../model/builder/presets.js';
import { inspectModel, type ModelInspection } from '../model/inspect.js';
import { terminalSafe } from '../safe-text.js';

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

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

function shape(dims: (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

function printInspection(info: ModelInspection): void {
  const out = process.stdout;
  const origin = info.omniBench ? ` (omni-bench reference: preset ${info.omniBench.preset}, seed ${info.omniBench.seed}, builder v${info.omniBench.builder_version})` : '';
  out.write(`${info.dir}\nmodel type ${info.type}${origin}\n`);
  const processor = info.processor.file ?? "none (Qwen2.5-Omni's values)";
  out.write(`processor config ${processor}; audio chunk_length ${info.processor.chunkLengthSeconds} s\n`);
  for (const w of info.warnings) out.write(`warning: ${terminalSafe(w.message)}\n`);
  out.write('\n');
  const summary = new Table({ head: ['component', 'file', 'size', 'parameters', 'nodes', 'GFLOP (reference)'], style: { head: [], border: [] } });
  for (const c of info.components) {
    summary.push([c.component, terminalSafe(c.filename) + (c.externalData ? ' (+ .data)' : ''), formatBytes(c.fileBytes), formatCount(c.parameters), c.nodes, (c.referenceFlops / 1e9).toFixed(2)]);
  }
  summary.push(['total', '', formatBytes(info.totalBytes), formatCount(info.totalParameters), '', (info.reference.flops.total / 1e9).toFixed(2)]);
  out.write(`${summary.toString()}\n\n`);
  const io = new Table({ head: ['component', 'direction', 'name', 'dtype', 'shape'], style: { head: [], border: [] } });
  for (const c of info.components) {
    const rows = [...c.inputs.map((t) => ['input', t] as const), ...c.outputs.map((t) => ['output', t] as const)];
    // Decoder past/present tensors: show layer 0 and say how many there are.
    const kv = /^(past_key_values|present)\.(\d+)\./;
    const layers = new Set(rows.map(([, t]) => kv.exec(t.name)?.[2]).filter((x) => x !== undefined)).size;
    for (const [direction, t] of rows) {
      const m = kv.exec(t.name);
      if (m && m[2] !== '0') continue;
      const name = m ? `${t.name} (x${layers} layers)` : t.name;
      io.push([c.component, direction, name, t.dtype, shape(t.shape)]);
    }
  }
  out.write(`${io.toString()}\n\n`);
  const r = info.reference;
  out.write(
    `reference request: ${r.audioMelFrames / 100} s audio (${r.audioMelFrames} mel frames -> ${r.audioTokens} tokens), ` +
      `vision grid [${r.visionGrid?.join(', ')}] (${r.visionTokens} tokens), prompt ${r.promptTokens} tokens (${r.textTokens} text). ` +
      `FLOPs count MatMul/Conv/attention products as 2*M*N*K; decoder logits for the last position only.\n`,
  );
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
    .description('show components, files, tensor names and shapes, parameters and FLOPs of a model')
    .argument('<dir|preset>', 'model directory, or a preset name (built into the cache if needed)')
    .option('--json', 'print JSON instead of tables')
    .action(async (target: string, opts: { json?: boolean }) => {
      const info = inspectModel(await ensureModel(target));
      if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else printInspection(info);
    });

  registerModelBench(group);
}
