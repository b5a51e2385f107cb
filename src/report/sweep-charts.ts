/**
 * Chart builders the specs share for their own charts: lines of a metric against a swept
 * parameter (with dashed reference lines), and stage ms stacked per group. Specs only choose the
 * data; the look (stage colours, axes, titles) is decided here.
 */
import type { ChartConfiguration } from 'chart.js';
import { TTFT_STAGES } from '../stages.js';
import { STAGE_COLORS } from './charts.js';
import type { VariantSummary } from './summary.js';

/** A chart a spec adds to charts/ (Spec.charts). */
export interface SpecChart {
  /** File name inside charts/, e.g. `audio_stage.png`. */
  file: string;
  config: ChartConfiguration;
  width?: number;
  height?: number;
}

/**
 * One line: (x, y) points in x order; `dashed` for a derived line (an ideal, a bound, a fit):
 * true draws 6-on 4-off, an array its own pattern (two fits of one metric apart). `scatter`
 * draws the points without a line (measurements in any order).
 */
export interface Series {
  label: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean | readonly number[];
  scatter?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];

/** A line chart of `series` against a numeric x axis (log-scaled when `logX`). */
export function lineChart(input: { title: string; xLabel: string; yLabel: string; series: readonly Series[]; logX?: boolean }): ChartConfiguration {
  const solid = input.series.filter((s) => !s.dashed);
  const colour = (s: Series): string => {
    const base = solid.findIndex((x) => s.label.startsWith(x.label));
    return PALETTE[(base >= 0 ? base : input.series.indexOf(s)) % PALETTE.length] as string;
  };
  return {
    type: 'line',
    data: {
      datasets: input.series.map((s) => ({
        label: s.label,
        data: s.points.map(([x, y]) => ({ x, y })),
        borderColor: colour(s),
        backgroundColor: colour(s),
        borderDash: Array.isArray(s.dashed) ? [...(s.dashed as readonly number[])] : s.dashed ? [6, 4] : [],
        pointRadius: s.dashed ? 0 : 3,
        borderWidth: 2,
        ...(s.scatter ? { showLine: false } : {}),
      })),
    },
    options: {
      parsing: false,
      plugins: { title: { display: true, text: input.title } },
      scales: {
        x: { type: input.logX ? 'logarithmic' : 'linear', title: { display: true, text: input.xLabel } },
        y: { title: { display: true, text: input.yLabel } },
      },
    },
  };
}

/** Mean ms of every TTFT stage stacked per group (one bar per group, `label` names it). */
export function stackedStageChart(input: { title: string; groups: readonly { label: string; summary: VariantSummary }[] }): ChartConfiguration {
  const stages = [...TTFT_STAGES, 'other'].filter((stage) => input.groups.some((g) => (g.summary.metrics[`${stage}_ms`]?.mean ?? 0) > 0));
  return {
    type: 'bar',
    data: {
      labels: input.groups.map((g) => g.label),
      datasets: stages.map((stage) => ({
        label: stage,
        backgroundColor: STAGE_COLORS[stage] ?? '#333333',
        data: input.groups.map((g) => g.summary.metrics[`${stage}_ms`]?.mean ?? 0),
      })),
    },
    options: {
      plugins: { title: { display: true, text: input.title } },
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'ms (mean)' } } },
    },
  };
}
