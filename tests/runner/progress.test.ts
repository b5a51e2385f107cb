import { describe, it, expect } from 'vitest';
import { createProgress } from '../../src/runner/progress.js';
import { emptyMeasures, type TrialRecord } from '../../src/report/record.js';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY, write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const record = (status: 'ok' | 'error'): TrialRecord =>
  ({ spec: 's', variant: 'v', dataset: 'd', sampleId: 'x', repeat: 0, turn: 0, isolation: 'none', startedAt: '', measures: emptyMeasures(), status, ...(status === 'error' ? { error: 'e' } : {}) }) as TrialRecord;

describe('progress', () => {
  it('redraws a bar with ETA in place on a terminal', () => {
    let t = 0;
    const out = stream(true);
    const p = createProgress({ label: 'spec', stream: out, now: () => t });
    p.start(4);
    t = 2000;
    p.tick(record('ok'));
    expect(out.text).toContain('\rspec [######------------------] 1/4 trials, elapsed 2s, ETA 6s');
    p.tick(record('error'));
    expect(out.text).toContain('2/4 trials, 1 failed');
    p.stop();
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('prints plain periodic lines when stderr is not a terminal', () => {
    let t = 0;
    const out = stream(false);
    const p = createProgress({ label: 'spec', stream: out, now: () => t, lineIntervalMs: 5000 });
    p.start(3);
    t = 1000;
    p.tick(record('ok')); // too soon for a line
    t = 6000;
    p.tick(record('ok'));
    t = 6500;
    p.tick(record('ok')); // the last one always prints
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      'spec: 3 trials to run',
      'spec: 2/3 trials, elapsed 6s, ETA 3s',
      'spec: 3/3 trials, elapsed 7s, ETA 0s',
    ]);
    expect(out.text).not.toContain('\r');
  });
});
