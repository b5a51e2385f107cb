import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { recordColumns } from '../../src/report/record.js';
import { STAGES } from '../../src/stages.js';

describe('docs/results-format.md', () => {
  it('documents every records.csv column', () => {
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs/results-format.md'), 'utf8');
    const stagePattern = new RegExp(`^(${STAGES.join('|')})_(ms|rss_poll_peak_mb|rss_poll_growth_mb|vmhwm_peak_mb)$`);
    const missing = recordColumns({ comparesLogits: true, params: ['x'] })
      .map((c) => c.name)
      .filter((name) => {
        const m = stagePattern.exec(name);
        // Per-stage columns are documented one by one (`_ms`) or as the `<stage>_...` template.
        return !doc.includes(`\`${name}\``) && !(m && doc.includes(`\`<stage>_${m[2]}\``)) && !(name.startsWith('param_') && doc.includes('`param_<name>`'));
      });
    expect(missing).toEqual([]);
  });
});
