/**
 * PNG charts (Chart.js rendered on a @napi-rs/canvas context): the TTFT breakdown as stacked
 * bars per sample and their mean, stage shares per variant, and memory over time with stage
 * bands. Each chart is built from the records (and the timeline when there is one).
 */
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { TTFT_STAGES } from '../stages.js';
import type { TrialRecord } from './record.js';
import { breakdown, groupsOf, shareBase, type Summary } from './summary.js';
import type { Timeline } from './outputs.js';
import type { SpecChart } from './sweep-charts.js';

Chart.register(...registerables);

/** One fixed colour per stage, so every chart and run uses the same legend. */
export const STAGE_COLORS: Readonly<Record<string, string>> = {
  audio_decode: '#8dd3c7',
  audio_features: '#1b9e77',
  video_decode: '#fdb462',
  vision_preprocess: '#d95f02',
  audio_encoder: '#7570b3',
  vision_encoder: '#e7298a',
  prompt: '#bebada',
  embed: '#66a61e',
  prefill: '#e6ab02',
  first_token: '#a6761d',
  decode: '#80b1d3',
  other: '#999999',
};

const whiteBackground: Plugin = {
  id: 'white-background',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Renders one chart configuration to PNG bytes. */
export async function renderChart(config: ChartConfiguration, width = 1000, height = 500): Promise<Uint8Array> {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  // Chart.js draws through the 2D context API, which @napi-rs/canvas implements.
  const chart = new Chart(context as unknown as ConstructorParameters<typeof Chart>[0], {
    ...config,
    options: { ...config.options, animation: false, responsive: false, devicePixelRatio: 1 },
    plugins: [whiteBackground, ...(config.plugins ?? [])],
  } as ChartConfiguration);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

const SEGMENTS = [...TTFT_STAGES, 'other'] as const;

function segmentMs(record: TrialRecord, segment: (typeof SEGMENTS)[number]): number {
  return (segment === 'other' ? record.measures.otherMs : record.measures.stageMs[segment]) ?? 0;
}

/** TTFT breakdown per sample (mean over repeats) and the overall mean, one bar each, stacked by stage. */
export function breakdownChart(records: readonly TrialRecord[], summary: Summary): ChartConfiguration {
  const ok = records.filter((r) => r.status === 'ok' && r.measures.ttftMs !== null);
  const multi = summary.variants.length > 1;
  const groupOf = new Map(groupsOf(ok).flatMap((g) => g.records.map((r) => [r, g.group] as const)));
  const groups = new Map<string, TrialRecord[]>();
  for (const r of ok) {
    const label = multi ? `${r.sampleId} (${groupOf.get(r) ?? r.variant})` : r.sampleId;
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  const labels = [...groups.keys()];
  const meanLabels = summary.variants.map((v) => (multi ? `mean (${v.group})` : 'mean'));
  const datasets = SEGMENTS.filter((s) => ok.some((r) => segmentMs(r, s) > 0)).map((segment) => ({
    label: segment,
    backgroundColor: STAGE_COLORS[segment] ?? '#333333',
    data: [
      ...labels.map((l) => {
        const rs = groups.get(l) ?? [];
        return rs.reduce((a, r) => a + segmentMs(r, segment), 0) / Math.max(rs.length, 1);
      }),
      ...summary.variants.map((v) => v.metrics[`${segment}_ms`]?.mean ?? 0),
    ],
  }));
  return {
    type: 'bar',
    data: { labels: [...labels, ...meanLabels], datasets },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: `TTFT breakdown per sample, ms (${summary.spec})` } },
      scales: { x: { stacked: true, title: { display: true, text: 'ms' } }, y: { stacked: true } },
    },
  };
}

/**
 * Share of mean TTFT per stage, one bar per variant. A variant whose stages overlapped
 * (parallel branches) is shown as shares of its mean critical path, as the breakdown table does,
 * and its label says so; its stages then add up to more than 100% (the axis is not capped).
 */
export function sharesChart(summary: Summary): ChartConfiguration {
  const parts = summary.variants.map((v) => {
    const b = breakdown(v);
    const base = shareBase(v);
    if (!b || !base) return null;
    return { metric: base.metric, rows: b.rows.map((r) => ({ stage: r.stage, share: r.meanMs / base.meanMs })) };
  });
  const stages = SEGMENTS.filter((s) => parts.some((p) => p?.rows.some((r) => r.stage === s)));
  const overlapped = parts.some((p) => p?.metric === 'critical_path_ms');
  const capped = parts.every((p) => !p || p.rows.reduce((t, r) => t + r.share, 0) <= 1 + 1e-9);
  return {
    type: 'bar',
    data: {
      labels: summary.variants.map((v, i) => (parts[i]?.metric === 'critical_path_ms' ? `${v.group} (of critical path)` : v.group)),
      datasets: stages.map((stage) => ({
        label: stage,
        backgroundColor: STAGE_COLORS[stage] ?? '#333333',
        data: parts.map((p) => 100 * (p?.rows.find((r) => r.stage === stage)?.share ?? 0)),
      })),
    },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: overlapped ? 'Share of mean TTFT per stage, % (overlapping variants: of the critical path; their stages add up to more)' : 'Share of mean TTFT per stage, %' } },
      scales: { x: { stacked: true, ...(capped ? { max: 100 } : {}), title: { display: true, text: overlapped ? '%' : '% of TTFT' } }, y: { stacked: true } },
    },
  };
}

/** Keeps at most `max` points, taking the maximum of each bucket (peaks survive). */
function decimate<T extends { tMs: number; bytes: number }>(samples: readonly T[], max: number): T[] {
  if (samples.length <= max) return [...samples];
  const bucket = Math.ceil(samples.length / max);
  const out: T[] = [];
  for (let i = 0; i < samples.length; i += bucket) {
    const slice = samples.slice(i, i + bucket);
    out.push(slice.reduce((a, b) => (b.bytes > a.bytes ? b : a)));
  }
  return out;
}

/** Process RSS (rss-poll) over time with a coloured band behind each top-level stage span. */
export function memoryChart(timeline: Timeline): ChartConfiguration {
  const t0 = Math.min(timeline.memory[0]?.tMs ?? Infinity, ...timeline.spans.slice(0, 1).map((s) => s.startMs));
  const points = decimate(timeline.memory, 2000).map((s) => ({ x: (s.tMs - t0) / 1000, y: s.bytes / 1e6 }));
  const bands = timeline.spans.filter((s) => s.depth === 0);
  const stageBands: Plugin = {
    id: 'stage-bands',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales['x'];
      if (!x) return;
      ctx.save();
      ctx.globalAlpha = 0.25;
      for (const span of bands) {
        const left = Math.max(chartArea.left, x.getPixelForValue((span.startMs - t0) / 1000));
        const right = Math.min(chartArea.right, x.getPixelForValue((span.endMs - t0) / 1000));
        if (right <= left) continue;
        ctx.fillStyle = STAGE_COLORS[span.name] ?? '#cccccc';
        ctx.fillRect(left, chartArea.top, Math.max(1, right - left), chartArea.bottom - chartArea.top);
      }
      ctx.restore();
    },
  };
  const present = [...new Set(bands.map((s) => s.name))];
  return {
    type: 'line',
    data: {
      datasets: [
        { label: 'RSS MB (rss-poll)', data: points, borderColor: '#1f77b4', pointRadius: 0, borderWidth: 1 },
        // Legend entries for the bands (no points).
        ...present.map((name) => ({ label: name, data: [], backgroundColor: STAGE_COLORS[name] ?? '#cccccc', borderColor: STAGE_COLORS[name] ?? '#cccccc' })),
      ],
    },
    options: {
      parsing: false,
      plugins: { title: { display: true, text: 'Process memory over time, with stage bands' } },
      scales: { x: { type: 'linear', title: { display: true, text: 's' } }, y: { title: { display: true, text: 'RSS MB' } } },
    },
    plugins: [stageBands],
  };
}

/** Writes charts/ttft_breakdown.png, charts/stage_shares.png and (with a timeline) charts/memory.png. */
export async function writeCharts(
  dir: string,
  input: { summary: Summary; records: readonly TrialRecord[]; timeline?: Timeline; specCharts?: readonly SpecChart[] },
): Promise<string[]> {
  const written: string[] = [];
  const ok = input.records.filter((r) => r.status === 'ok');
  if (ok.length === 0) return written;
  const rows = new Set(ok.map((r) => `${r.sampleId}|${r.variant}`)).size + input.summary.variants.length;
  const save = async (name: string, png: Uint8Array): Promise<void> => {
    await writeFileAtomic(join(dir, name), png);
    written.push(`charts/${name}`);
  };
  await save('ttft_breakdown.png', await renderChart(breakdownChart(input.records, input.summary), 1000, Math.min(4000, 160 + 28 * rows)));
  await save('stage_shares.png', await renderChart(sharesChart(input.summary), 1000, 160 + 50 * input.summary.variants.length));
  if (input.timeline && input.timeline.memory.length > 0) await save('memory.png', await renderChart(memoryChart(input.timeline)));
  for (const chart of input.specCharts ?? []) await save(chart.file, await renderChart(chart.config, chart.width, chart.height));
  return written;
}
