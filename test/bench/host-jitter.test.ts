import { describe, expect, it } from 'vitest';
import { hostJitter } from '../../bench/host-jitter.ts';

describe('host jitter reference (bench)', () => {
  it('calibrates both references to the median asked for and reports p95 >= p50', async () => {
    const rows = await hostJitter(6, 1.5);
    expect(rows.map((r) => r.reference)).toEqual([
      'fixed work at 30 Hz, one thread',
      'fixed work at 30 Hz, split over two worker threads',
    ]);
    for (const row of rows) {
      // Loose: other test files share the two cores, and calibration is one correction step.
      expect(row['p50 ms']).toBeGreaterThan(6 / 3);
      // Load stretches the calibrated work (21 ms seen with 3 busy loops on 2 cores); a units slip is >= 10x.
      expect(row['p50 ms']).toBeLessThan(6 * 10);
      expect(row['p95 ms']).toBeGreaterThanOrEqual(row['p50 ms']);
      expect(row['p95 - p50 ms']).toBeCloseTo(row['p95 ms'] - row['p50 ms'], 9);
    }
  });
});
