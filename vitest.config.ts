import { defineConfig } from 'vitest/config';

// Two cores here: real ffmpeg/ONNX Runtime tests compete for CPU, so at most two files run at once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
