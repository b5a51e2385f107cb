/**
 * module-profile's tables and chart: ONNX Runtime's kernels of the recorded requests grouped by
 * part (a component's session as one stage called it), module and op type, per request, with
 * each module's FLOPs as a share of the calibrated MatMul peak. Figures are derived here from
 * the profiles (profiler/module-profile.ts); nothing is stored.
 */
import type { ChartConfiguration } from 'chart.js';
import { MODULE_CATEGORIES, profileParts, type KernelTotals, type ModuleCategory, type PartProfile } from '../profiler/module-profile.js';
import { achievedGflops, peakShare } from '../profiler/roofline.js';
import { formatMs, formatPct, type TextTable } from './format.js';
import type { RunProfiles } from './ort-profiles.js';
import type { SpecChart } from './sweep-charts.js';

/** Label of the time inside a session run that no node accounts for. */
export const OVERHEAD_LABEL = 'session overhead';

/** Default size of the top-operators table. */
export const DEFAULT_TOP = 10;

/** The parts of a folder's aligned profiles. */
export function partsOf(profiles: RunProfiles): PartProfile[] {
  return profileParts(profiles.sessions.map((s) => ({ component: s.component, runs: s.runs })));
}

const perRequestMs = (us: number, part: PartProfile): number => us / 1000 / Math.max(1, part.requests);
const gflop = (flops: number, part: PartProfile): string => (flops > 0 ? (flops / 1e9 / Math.max(1, part.requests)).toFixed(3) : '-');

/** GFLOP/s and % of the peak of `flops` done in `us`, or '-' where there is nothing to divide. */
function rates(totals: Pick<KernelTotals, 'flops' | 'wallUs'>, peakGflops: number | undefined): [string, string] {
  if (!(totals.flops > 0) || !(totals.wallUs > 0)) return ['-', '-'];
  const rate = achievedGflops(totals.flops, totals.wallUs / 1000);
  return [rate.toFixed(1), peakGflops ? `${peakShare(rate, peakGflops).toFixed(1)}%` : '-'];
}

/** Per part: runs, ORT's session time, how much of it the nodes and the kernels account for, and the stage spans around the runs. */
export function sessionTable(parts: readonly PartProfile[], peakGflops?: number): TextTable {
  const header = ['part', 'runs', 'session ms', 'nodes ms', 'kernels ms', 'nodes / session', 'stage span ms', 'GFLOP', 'GFLOP/s', '% of MatMul peak'];
  const rows = parts.map((p) => {
    const nodesUs = p.sessionUs - p.overheadUs;
    const flops = [...p.modules.values()].reduce((n, m) => n + m.flops, 0);
    const kernelUs = [...p.modules.values()].reduce((n, m) => n + m.kernelUs, 0);
    const [rate, share] = rates({ flops, wallUs: p.sessionUs }, peakGflops);
    return [
      p.part,
      (p.runs / Math.max(1, p.requests)).toFixed(p.runs % Math.max(1, p.requests) === 0 ? 0 : 1),
      formatMs(perRequestMs(p.sessionUs, p)),
      formatMs(perRequestMs(nodesUs, p)),
      formatMs(perRequestMs(kernelUs, p)),
      formatPct(p.sessionUs > 0 ? nodesUs / p.sessionUs : undefined),
      formatMs(perRequestMs(p.spanUs, p)),
      gflop(flops, p),
      rate,
      share,
    ];
  });
  return {
    title: 'ONNX Runtime session time per part (ms per request; a part is a component\'s session as one stage calls it)',
    header,
    rows,
    note:
      'session = ORT\'s model_run time (inside InferenceSession.run); nodes = each node from its kernel\'s start to the next kernel\'s start; ' +
      'the rest is session overhead (feeds and fetches, before the first node and after the last). Stage span = the stage as the trace times it (tensors, the call into ORT). Warmup runs are left out.',
  };
}

/** The modules of one part, largest first, then the session overhead row. */
function moduleRows(part: PartProfile, peakGflops: number | undefined): string[][] {
  const rows = [...part.modules.entries()]
    .sort((a, b) => b[1].wallUs - a[1].wallUs)
    .map(([category, m]) => {
      const [rate, share] = rates(m, peakGflops);
      return [part.part, category, formatMs(perRequestMs(m.wallUs, part)), formatPct(m.wallUs / part.sessionUs), String(Math.round(m.calls / Math.max(1, part.requests))), gflop(m.flops, part), rate, share];
    });
  rows.push([part.part, OVERHEAD_LABEL, formatMs(perRequestMs(part.overheadUs, part)), formatPct(part.overheadUs / part.sessionUs), '-', '-', '-', '-']);
  return rows;
}

/** Modules per part: ms per request, share of the part's session time, nodes run, GFLOP, GFLOP/s and % of the MatMul peak. */
export function moduleTable(parts: readonly PartProfile[], peakGflops?: number): TextTable {
  return {
    title: 'Modules per part (ms per request; share of the part\'s session time)',
    header: ['part', 'module', 'ms', 'share', 'nodes run', 'GFLOP', 'GFLOP/s', '% of MatMul peak'],
    rows: parts.flatMap((p) => moduleRows(p, peakGflops)),
    note:
      'modules from the node names (attention, mlp, conv, norm, merger, embedding, positions, lm_head, residual adds, other: masks and reshapes); ' +
      'a node ORT fused under a new name (Gelu, BiasGelu) counts with the node before it. Each part\'s rows add up to its session time. ' +
      `GFLOP from the kernels' shapes (MatMul, Gemm, Conv, attention); % of peak against the calibrated fp32 MatMul peak${peakGflops ? ` (${peakGflops.toFixed(1)} GFLOP/s)` : ' (not measured: no calibration)'}.`,
  };
}

/** Op types per part, largest first; those under 1% of the part are summed into one row. */
export function opTypeTable(parts: readonly PartProfile[]): TextTable {
  const rows: string[][] = [];
  for (const p of parts) {
    const sorted = [...p.opTypes.entries()].sort((a, b) => b[1].wallUs - a[1].wallUs);
    const small = sorted.filter(([, t]) => t.wallUs < 0.01 * p.sessionUs);
    for (const [op, t] of sorted.filter(([, t]) => t.wallUs >= 0.01 * p.sessionUs)) {
      rows.push([p.part, op, String(Math.round(t.calls / Math.max(1, p.requests))), formatMs(perRequestMs(t.wallUs, p)), formatPct(t.wallUs / p.sessionUs)]);
    }
    if (small.length > 0) {
      const us = small.reduce((n, [, t]) => n + t.wallUs, 0);
      const calls = small.reduce((n, [, t]) => n + t.calls, 0);
      rows.push([p.part, `(${small.length} other op types)`, String(Math.round(calls / Math.max(1, p.requests))), formatMs(perRequestMs(us, p)), formatPct(us / p.sessionUs)]);
    }
  }
  return { title: 'Operator types per part (ms per request)', header: ['part', 'op type', 'calls', 'ms', 'share'], rows };
}

/** The `top` nodes by ms per request over every part, with their share of their part and their rate. */
export function topNodesTable(parts: readonly PartProfile[], top: number, peakGflops?: number): TextTable {
  const all = parts.flatMap((p) => [...p.nodes.entries()].map(([node, t]) => ({ p, node, t, ms: perRequestMs(t.wallUs, p) })));
  all.sort((a, b) => b.ms - a.ms || a.node.localeCompare(b.node));
  const rows = all.slice(0, top).map(({ p, node, t, ms }, i) => {
    const [rate, share] = rates(t, peakGflops);
    return [String(i + 1), p.part, node, t.opType, t.category, formatMs(ms), formatPct(t.wallUs / p.sessionUs), rate, share];
  });
  return { title: `Top ${top} operators (nodes) by ms per request`, header: ['#', 'part', 'node', 'op type', 'module', 'ms', 'share of part', 'GFLOP/s', '% of MatMul peak'], rows };
}

/** The largest `n` modules of `part` (ms per request and share of its session), for the closing lines and docs. */
export function topModules(part: PartProfile, n = 3): { module: ModuleCategory; ms: number; share: number }[] {
  return [...part.modules.entries()]
    .sort((a, b) => b[1].wallUs - a[1].wallUs)
    .slice(0, n)
    .map(([module, m]) => ({ module, ms: perRequestMs(m.wallUs, part), share: m.wallUs / part.sessionUs }));
}

/** Colours of the modules in the chart (and grey for the overhead). */
const MODULE_COLORS: Readonly<Record<ModuleCategory | typeof OVERHEAD_LABEL, string>> = {
  attention: '#1f77b4',
  mlp: '#ff7f0e',
  conv: '#8c564b',
  norm: '#2ca02c',
  merger: '#9467bd',
  embedding: '#17becf',
  positions: '#bcbd22',
  lm_head: '#d62728',
  residual: '#e377c2',
  other: '#7f7f7f',
  [OVERHEAD_LABEL]: '#c7c7c7',
};

/** Horizontal bars, one per part, stacked by module (ms per request), the session overhead last. */
export function moduleChart(parts: readonly PartProfile[]): SpecChart {
  const stacks = [...MODULE_CATEGORIES, OVERHEAD_LABEL] as const;
  const value = (p: PartProfile, stack: (typeof stacks)[number]): number =>
    perRequestMs(stack === OVERHEAD_LABEL ? Math.max(0, p.overheadUs) : (p.modules.get(stack)?.wallUs ?? 0), p);
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: parts.map((p) => p.part),
      datasets: stacks
        .filter((s) => parts.some((p) => value(p, s) > 0))
        .map((s) => ({ label: s, backgroundColor: MODULE_COLORS[s], data: parts.map((p) => value(p, s)) })),
    },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: 'ONNX Runtime time per part and module (ms per request, warmups left out)' } },
      scales: { x: { stacked: true, title: { display: true, text: 'ms per request' } }, y: { stacked: true } },
    },
  };
  return { file: 'module_profile.png', config, width: 1000, height: Math.max(360, 90 + 55 * parts.length) };
}
