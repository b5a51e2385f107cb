import { describe, it, expect } from 'vitest';
import * as api from '../../src/index.js';

describe('library API (src/index.ts)', () => {
  it('exports the runtime, media, datasets, profiler and runner entry points', () => {
    for (const name of [
      'OmniModel', 'ensureModel', 'buildModel', 'readGenaiConfig', 'calibrateMatMul',
      'probe', 'decodeAudio', 'logMel', 'sampleFrames', 'patchify',
      'loadManifest', 'computeStatistics', 'createTracker', 'MemoryPoller',
      'listSpecs', 'executeSpec', 'realEnvironment', 'runSerialRequest',
    ]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('lists ttft-breakdown among the registered specs', () => {
    expect(api.listSpecs().map((s) => s.name)).toContain('ttft-breakdown');
  });
});
