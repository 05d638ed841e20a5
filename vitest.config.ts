import { defineConfig } from 'vitest/config';

/**
 * Two cores here: real ffmpeg/ONNX Runtime tests compete for CPU, so at most two files run at once.
 * Files named *.alone.test.ts assert timing of the live pipeline (e.g. no dropped frame during a style
 * switch): they run after the rest, one at a time, so another test's load is not what they measure.
 */
const ALONE = 'test/**/*.alone.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [ALONE],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: [ALONE], maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
