import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR, PACKAGE_ROOT } from '../../src/paths.js';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('npm run fixtures (issue 8, item 22)', () => {
  it('regenerates every committed media fixture byte for byte', () => {
    const out = mkdtempSync(join(tmpdir(), 'omni-bench-fixtures-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'scripts/make-fixtures.ts'), '--out', out], { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const committed = readdirSync(join(FIXTURES_DIR, 'media')).sort();
    expect(readdirSync(out).sort()).toEqual(committed);
    const differing = committed.filter((name) => sha(join(out, name)) !== sha(join(FIXTURES_DIR, 'media', name)));
    expect(differing).toEqual([]);
  }, 180_000);
});
