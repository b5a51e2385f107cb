/**
 * Tables and the Gantt chart of the parallel-encode spec. Per sample, every variant's TTFT
 * against the serial run's TTFT and against the ideal bound of a parallel schedule (the serial
 * run's critical path: its slower branch plus everything after the encoders), and the share of
 * the ideal saving (serial TTFT minus the ideal bound) each variant achieved; all from p50s of
 * the records beside it (invariant 4).
 */
import type { ChartConfiguration } from 'chart.js';
import { median } from '../profiler/stats.js';
import type { Span } from '../profiler/types.js';
import { STAGE_COLORS } from '../report/charts.js';
import { formatMs, formatPct, type TextTable } from '../report/format.js';
import { keyString, type Measures, type TrialRecord } from '../report/record.js';
import type { SpecChart } from '../report/sweep-charts.js';
import type { Summary } from '../report/summary.js';
import { stageTrack, TRACKS } from '../stages.js';
import { assignLanes } from '../profiler/concurrency.js';

/** The reference variant: the serial baseline. */
const SERIAL = 'serial';

/** p50 of one measure over the ok records of one (sample, variant), or undefined. */
function p50(records: readonly TrialRecord[], read: (m: Measures) => number | null): number | undefined {
  const values = records.map((r) => read(r.measures)).filter((v): v is number => v !== null && Number.isFinite(v));
  return values.length === 0 ? undefined : median(values);
}

/** One sample's figures under one variant (p50 over its repeats). */
export interface SampleFigures {
  sample: string;
  variant: string;
  /** The sample has sound (the audio branch ran). */
  sound: boolean;
  ttftMs?: number;
  audioBranchMs?: number;
  visionBranchMs?: number;
  overlapMs?: number;
  criticalPathMs?: number;
  ttftCpuMs?: number;
  /** The serial run's TTFT and critical path (the ideal bound) of the same sample. */
  serialTtftMs?: number;
  idealMs?: number;
}

/** Per (sample, variant) figures of the ok records, samples in the order they first appear. */
export function sampleFigures(records: readonly TrialRecord[]): SampleFigures[] {
  const ok = records.filter((r) => r.status === 'ok');
  const samples = [...new Set(ok.map((r) => `${r.dataset}/${r.sampleId}`))];
  const variants = [...new Set(ok.map((r) => r.variant))];
  const of = (sample: string, variant: string): TrialRecord[] => ok.filter((r) => `${r.dataset}/${r.sampleId}` === sample && r.variant === variant);
  const out: SampleFigures[] = [];
  for (const sample of samples) {
    const serial = of(sample, SERIAL);
    const serialTtftMs = p50(serial, (m) => m.ttftMs);
    const idealMs = p50(serial, (m) => m.criticalPathMs);
    for (const variant of variants) {
      const rs = of(sample, variant);
      if (rs.length === 0) continue;
      const f: SampleFigures = { sample, variant, sound: rs.some((r) => r.measures.melFrames !== null) };
      const set = (key: keyof SampleFigures, value: number | undefined): void => {
        if (value !== undefined) (f as unknown as Record<string, number>)[key] = value;
      };
      set('ttftMs', p50(rs, (m) => m.ttftMs));
      set('audioBranchMs', p50(rs, (m) => m.audioBranchMs));
      set('visionBranchMs', p50(rs, (m) => m.visionBranchMs));
      set('overlapMs', p50(rs, (m) => m.overlapMs));
      set('criticalPathMs', p50(rs, (m) => m.criticalPathMs));
      set('ttftCpuMs', p50(rs, (m) => m.ttftCpuMs));
      set('serialTtftMs', serialTtftMs);
      set('idealMs', idealMs);
      out.push(f);
    }
  }
  return out;
}

/** Share of the ideal saving a variant achieved: (serial TTFT - TTFT) / (serial TTFT - ideal bound). */
export function savingShare(f: Pick<SampleFigures, 'ttftMs' | 'serialTtftMs' | 'idealMs'>): number | undefined {
  if (f.ttftMs === undefined || f.serialTtftMs === undefined || f.idealMs === undefined) return undefined;
  const ideal = f.serialTtftMs - f.idealMs;
  // A request with one branch (audio only, a silent video) has nothing to overlap: an ideal
  // saving under 1% of TTFT is noise, and a share of it would be a meaningless large number.
  return ideal > Math.max(1, 0.01 * f.serialTtftMs) ? (f.serialTtftMs - f.ttftMs) / ideal : undefined;
}

const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b <= 0 ? '-' : `${(a / b).toFixed(2)}x`);
const ms = (v: number | undefined): string => (v === undefined ? '-' : formatMs(v));

/** The per-sample table and the per-variant targets table. */
export function parallelEncodeTables(_summary: Summary, records: readonly TrialRecord[]): TextTable[] {
  const figures = sampleFigures(records);
  if (figures.length === 0) return [];
  const perSample: TextTable = {
    title: 'Branches per sample (p50 over repeats): TTFT against serial and against the ideal bound',
    header: ['sample', 'variant', 'ttft ms', 'audio branch ms', 'vision branch ms', 'overlap ms', 'critical path ms', 'ttft cpu ms', 'x serial', 'x ideal', 'ideal saving achieved'],
    rows: figures.map((f) => [
      `${f.sample}${f.sound ? '' : ' (no sound)'}`,
      f.variant,
      ms(f.ttftMs),
      ms(f.audioBranchMs),
      ms(f.visionBranchMs),
      ms(f.overlapMs),
      ms(f.criticalPathMs),
      ms(f.ttftCpuMs),
      ratio(f.ttftMs, f.serialTtftMs),
      ratio(f.ttftMs, f.idealMs),
      f.variant === SERIAL ? '-' : formatPct(savingShare(f)),
    ]),
    note: 'ideal bound = the serial run\'s critical_path_ms (its slower branch plus everything after the encoders); ideal saving = serial TTFT - ideal bound; ttft cpu ms = CPU time of the process and its ffmpeg children until the first token',
  };
  const variants = [...new Set(figures.map((f) => f.variant))].filter((v) => v !== SERIAL);
  const byVariant: TextTable = {
    title: 'Schedules against serial (samples with sound)',
    header: ['variant', 'samples', 'ideal saving achieved (pooled)', 'ideal saving achieved (median)', 'ttft x serial (median)', 'logits max abs diff', 'encoder features max abs diff'],
    rows: variants.map((variant) => {
      const mine = figures.filter((f) => f.variant === variant && f.sound);
      const pooledIdeal = mine.reduce((t, f) => t + ((f.serialTtftMs ?? 0) - (f.idealMs ?? 0)), 0);
      const pooledSaved = mine.reduce((t, f) => t + ((f.serialTtftMs ?? 0) - (f.ttftMs ?? 0)), 0);
      const shares = mine.map(savingShare).filter((s): s is number => s !== undefined);
      const ratios = mine.filter((f) => f.ttftMs !== undefined && f.serialTtftMs).map((f) => (f.ttftMs as number) / (f.serialTtftMs as number));
      const own = records.filter((r) => r.status === 'ok' && r.variant === variant);
      const maxOf = (read: (m: Measures) => number | null): string => {
        const values = own.map((r) => read(r.measures)).filter((v): v is number => v !== null);
        return values.length === 0 ? '-' : Math.max(...values).toExponential(2);
      };
      return [
        variant,
        String(mine.length),
        pooledIdeal > 0 ? formatPct(pooledSaved / pooledIdeal) : '-',
        shares.length > 0 ? formatPct(median(shares)) : '-',
        ratios.length > 0 ? `${median(ratios).toFixed(2)}x` : '-',
        maxOf((m) => m.logitsMaxAbsDiff),
        maxOf((m) => m.encoderFeaturesMaxAbsDiff),
      ];
    }),
    note: 'pooled = sum of savings / sum of ideal savings over the samples; max abs diffs over every record of the variant against serial (first-token logits; audio and vision encoder outputs)',
  };
  return [perSample, byVariant];
}

/** The request the Gantt chart shows: the sample whose serial TTFT is longest, repeat 0 of each variant. */
function ganttTrials(records: readonly TrialRecord[]): TrialRecord[] {
  const ok = records.filter((r) => r.status === 'ok' && r.repeat === 0);
  const serial = ok.filter((r) => r.variant === SERIAL).sort((a, b) => (b.measures.ttftMs ?? 0) - (a.measures.ttftMs ?? 0))[0];
  if (!serial) return [];
  return ok.filter((r) => r.sampleId === serial.sampleId && r.dataset === serial.dataset);
}

/**
 * A Gantt timeline of one request per variant: one row per (variant, track), a bar per stage
 * span from the request's first stage, coloured by stage; spans of one track that overlap (the
 * streaming schedule decodes while it encodes) get extra rows ('#2'), as trace.json's lanes.
 */
export function ganttChart(records: readonly TrialRecord[], spans: readonly Span[]): ChartConfiguration | undefined {
  const trials = ganttTrials(records);
  const rows: string[] = [];
  const bars = new Map<string, { x: [number, number]; y: string }[]>();
  for (const record of trials) {
    const key = keyString(record);
    const mine = spans.filter((s) => s.trial === key && s.depth === 0);
    if (mine.length === 0) continue;
    const origin = Math.min(...mine.map((s) => s.startMs));
    const end = record.measures.ttftMs === null ? Infinity : origin + record.measures.ttftMs;
    const shown = mine.filter((s) => s.startMs <= end);
    // Spans of one track that overlap (streaming) go on extra lanes, as in trace.json.
    const lanes = assignLanes(shown);
    for (const track of TRACKS) {
      const onTrack = shown.map((s, i) => ({ s, lane: lanes[i] ?? 0 })).filter(({ s }) => stageTrack(String(s.name)) === track);
      const laneCount = Math.max(0, ...onTrack.map((x) => x.lane + 1));
      for (let lane = 0; lane < laneCount; lane++) {
        const row = `${record.variant} · ${track}${lane > 0 ? ` #${lane + 1}` : ''}`;
        rows.push(row);
        for (const { s } of onTrack.filter((x) => x.lane === lane)) {
          const list = bars.get(String(s.name)) ?? [];
          list.push({ x: [s.startMs - origin, Math.min(s.endMs, end) - origin], y: row });
          bars.set(String(s.name), list);
        }
      }
    }
  }
  if (rows.length === 0) return undefined;
  const sample = trials[0] ? `${trials[0].dataset}/${trials[0].sampleId}` : '';
  return {
    type: 'bar',
    data: {
      labels: rows,
      datasets: [...bars].map(([stage, data]) => ({
        label: stage,
        data: data as unknown as number[],
        backgroundColor: STAGE_COLORS[stage] ?? '#333333',
        borderSkipped: false,
        barPercentage: 0.8,
        grouped: false,
      })),
    },
    options: {
      indexAxis: 'y',
      plugins: { title: { display: true, text: `One request per variant (${sample}, repeat 0), until the first token` } },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'ms since the first stage started' } },
        y: { type: 'category', labels: rows },
      },
    },
  };
}

/** The Gantt chart of the spec (charts/parallel_encode_gantt.png). */
export function parallelEncodeCharts(_summary: Summary, records: readonly TrialRecord[], spans: readonly Span[] = []): SpecChart[] {
  const config = ganttChart(records, spans);
  return config ? [{ file: 'parallel_encode_gantt.png', config, width: 1400, height: 120 + 40 * (config.data.labels?.length ?? 0) }] : [];
}
