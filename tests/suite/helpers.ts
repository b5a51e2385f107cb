/** Hand-built records, summaries and suite files for the suite tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAGES } from '../../src/stages.js';
import { emptyMeasures, type Measures, type TrialRecord } from '../../src/report/record.js';

/** An ok record of `spec`/`variant` with the given stage ms (TTFT = their sum + 1 ms other) and measures. */
export function record(
  spec: string,
  variant: string,
  key: { sampleId?: string; repeat?: number; turn?: number; params?: Record<string, number> },
  stageMs: Partial<Record<(typeof STAGES)[number], number>>,
  extra: Partial<Measures> = {},
): TrialRecord {
  const measures = emptyMeasures();
  let ttft = 1;
  for (const stage of STAGES) {
    measures.stageMs[stage] = stageMs[stage] ?? 0;
    if (stage !== 'decode') ttft += stageMs[stage] ?? 0;
  }
  measures.ttftMs = ttft;
  measures.otherMs = 1;
  Object.assign(measures, extra);
  return {
    spec,
    variant,
    dataset: 'fixture',
    sampleId: key.sampleId ?? 's0',
    repeat: key.repeat ?? 0,
    turn: key.turn ?? 0,
    ...(key.params ? { params: key.params } : {}),
    isolation: 'none',
    startedAt: '2026-01-01T00:00:00.000Z',
    status: 'ok',
    measures,
  };
}

/**
 * audio-padding records at audio_s 5 and 30, two repeats: the audio encoder takes 100 ms
 * padded (pad-all), 10 ms (5 s) or 40 ms (30 s) on the real length; logits differ by 2e-5 and 3e-5.
 */
export function paddingRecords(): TrialRecord[] {
  const records: TrialRecord[] = [];
  for (const audioS of [5, 30]) {
    for (const repeat of [0, 1]) {
      const params = { audio_s: audioS, chunk_s: 300 };
      const real = audioS === 5 ? 10 : 40;
      records.push(record('audio-padding', 'pad-features', { repeat, params }, { audio_encoder: real + repeat }, { encoderFrames: audioS * 100 }));
      records.push(record('audio-padding', 'pad-all', { repeat, params }, { audio_encoder: 100 + repeat }, { encoderFrames: 30000, logitsMaxAbsDiff: 3e-5 }));
      records.push(record('audio-padding', 'dynamic', { repeat, params }, { audio_encoder: real + repeat }, { encoderFrames: audioS * 100, logitsMaxAbsDiff: 2e-5 }));
    }
  }
  return records;
}

/** Writes `text` as `name` in a new temporary folder; returns its path. */
export function suiteFile(text: string, name = 'suite.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'omni-bench-suite-')), name);
  writeFileSync(path, text);
  return path;
}
