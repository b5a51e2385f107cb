/** Hand-built records for the writer tests. */
import { STAGES } from '../../src/stages.js';
import { emptyMeasures, type TrialRecord } from '../../src/report/record.js';

/** An ok record whose stages take `ms` each (decode: 3 tokens of 10 ms) and TTFT = sum + 2. */
export function okRecord(sampleId: string, repeat: number, ms: Partial<Record<string, number>>, extra: Partial<TrialRecord['measures']> = {}): TrialRecord {
  const measures = emptyMeasures();
  let ttft = 2;
  for (const stage of STAGES) {
    const v = ms[stage] ?? 0;
    measures.stageMs[stage] = v;
    if (stage !== 'decode') ttft += v;
  }
  measures.ttftMs = ttft;
  measures.otherMs = 2;
  measures.totalMs = ttft + (ms['decode'] ?? 0);
  measures.outputTokens = 4;
  measures.tpotMs = (ms['decode'] ?? 0) / 3;
  Object.assign(measures, extra);
  return { spec: 'ttft-breakdown', variant: 'baseline', dataset: 'video-mme', sampleId, repeat, turn: 0, isolation: 'none', startedAt: '2026-01-01T00:00:00.000Z', status: 'ok', measures };
}

/** An error record. */
export function errorRecord(sampleId: string, error: string): TrialRecord {
  return { spec: 'ttft-breakdown', variant: 'baseline', dataset: 'video-mme', sampleId, repeat: 0, turn: 0, isolation: 'none', startedAt: '2026-01-01T00:00:00.000Z', status: 'error', error, measures: emptyMeasures() };
}

/** Three samples x 2 repeats plus an error: prefill 100 ms, vision_encoder 50, audio_encoder 30 (va only). */
export function sampleRecords(): TrialRecord[] {
  const records: TrialRecord[] = [];
  for (const repeat of [0, 1]) {
    records.push(okRecord('va', repeat, { audio_encoder: 30, vision_encoder: 50, prefill: 100, decode: 30 }, { answer: 'B', choice: 'B', expected: 'B', correct: true }));
    records.push(okRecord('v', repeat, { vision_encoder: 50, prefill: 100, decode: 30 }, { answer: 'the answer is maybe', choice: null, expected: 'C', correct: false }));
    records.push(okRecord('a', repeat, { audio_encoder: 30, prefill: 100, decode: 30 }, { answer: 'a dog, "barking"\nloudly', correct: null }));
  }
  records.push(errorRecord('bad', "video_path 'x.mp4' not found, check the manifest"));
  return records;
}
