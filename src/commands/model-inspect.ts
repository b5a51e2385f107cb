/**
 * `model inspect`'s report: the family, the files read, what each resolved value came from, the
 * genai_config.json keys omni-bench ignores, the components (files, sizes, parameters, tensors,
 * reference FLOPs), what the folder lacks, and whether it can run a request.
 */
import Table from 'cli-table3';
import { formatBytes } from '../safe-fs.js';
import { terminalSafe } from '../safe-text.js';
import { configName, readyToRun, type ModelInspection } from '../model/inspect.js';

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function shape(dims: (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

const gflop = (flops: number | null): string => (flops === null ? 'n/a (no dims)' : (flops / 1e9).toFixed(2));

/** The inspection as the terminal shows it. */
export function formatInspection(info: ModelInspection): string {
  const lines: string[] = [];
  const origin = info.omniBench ? ` (omni-bench reference: preset ${info.omniBench.preset}, seed ${info.omniBench.seed}, builder v${info.omniBench.builder_version})` : '';
  lines.push(terminalSafe(info.dir));
  lines.push(`model type ${info.type}: family ${info.family} (${info.familyTitle})${origin}`);
  const read = [configName(info), info.files.config, info.files.preprocessorConfig, info.files.processorConfig].filter((f): f is string => f !== null).map((f) => terminalSafe(f.replace(`${info.dir}/`, '')));
  lines.push(`files read: ${read.join(', ')}`);
  if (info.processor) lines.push(`audio processor config ${terminalSafe(info.processor.file ?? "none (Qwen2.5-Omni's values)")}; audio chunk_length ${info.processor.chunkLengthSeconds} s`);
  for (const w of info.warnings) lines.push(`warning: ${terminalSafe(w.message)}`);
  for (const n of info.notes) lines.push(`warning: ${terminalSafe(n)}`);
  for (const a of info.absent) lines.push(`warning: the folder lacks model.${a.component}'s file: ${terminalSafe(a.problem)}`);
  lines.push('');

  const sources = new Table({ head: ['value', 'from'], style: { head: [], border: [] } });
  for (const [field, from] of Object.entries(info.sources).sort(([a], [b]) => a.localeCompare(b))) sources.push([field, terminalSafe(from)]);
  lines.push('where each value came from:', sources.toString(), '');
  lines.push(info.ignored.length ? `ignored (kept, not used by omni-bench): ${info.ignored.map((k) => terminalSafe(k)).join(', ')}` : 'ignored: none', '');
  const so = Object.entries(info.sessionOptions);
  if (so.length) {
    const parts = so.map(([c, o]) => {
      const bits = [o.executionProviders.length ? `providers ${o.executionProviders.join(', ')}` : 'cpu', ...(o.intraOpThreads ? [`intra-op ${o.intraOpThreads}`] : []), ...(o.interOpThreads ? [`inter-op ${o.interOpThreads}`] : [])];
      return `${c}: ${bits.join(', ')}`;
    });
    lines.push(`session options (genai_config.json; --ep and --threads override): ${parts.join('; ')}`, '');
  }

  if (info.components.length) {
    const summary = new Table({ head: ['component', 'file', 'size', 'parameters', 'nodes', 'GFLOP (reference)'], style: { head: [], border: [] } });
    for (const c of info.components) {
      summary.push([c.component, terminalSafe(c.filename) + (c.externalData ? ' (+ .data)' : ''), formatBytes(c.fileBytes), formatCount(c.parameters), c.nodes, gflop(c.referenceFlops)]);
    }
    summary.push(['total', '', formatBytes(info.totalBytes), formatCount(info.totalParameters), '', gflop(info.reference?.flops.total ?? null)]);
    lines.push(summary.toString(), '');
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
        io.push([c.component, direction, terminalSafe(name), t.dtype, terminalSafe(shape(t.shape))]);
      }
    }
    lines.push(io.toString(), '');
  }
  const r = info.reference;
  if (r) {
    const parts = [
      ...(r.audioMelFrames > 0 ? [`${r.audioMelFrames / 100} s audio (${r.audioMelFrames} mel frames -> ${r.audioTokens} tokens)`] : []),
      ...(r.visionGrid ? [`vision grid [${r.visionGrid.join(', ')}] (${r.visionTokens} tokens)`] : []),
    ];
    lines.push(
      `reference request (the parts ${info.family} takes): ${parts.join(', ')}, prompt ${r.promptTokens} tokens (${r.textTokens} text). ` +
        `FLOPs count MatMul/Conv/attention products as 2*M*N*K; decoder logits for the last position only; n/a where the folder gives no dims.`,
    );
  }
  if (readyToRun(info)) lines.push('ready to run: yes');
  else {
    const what = [...info.missing.map((m) => terminalSafe(m)), ...info.absent.map((a) => `model.${a.component}.filename ${terminalSafe(a.filename)} (file not in the folder)`)];
    const parts = [...(what.length ? [`missing ${what.length}: ${what.join('; ')}`] : []), ...info.incompatible.map((m) => terminalSafe(m))];
    lines.push(`ready to run: no; ${parts.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}
