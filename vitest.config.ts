import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Model sessions and ffmpeg children are heavy: two cores, so keep files from oversubscribing.
    maxWorkers: 2,
  },
});
