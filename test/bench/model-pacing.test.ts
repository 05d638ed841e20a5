import { describe, expect, it } from 'vitest';
import { modelPacing } from '../../bench/model-pacing.ts';
import { MODELS_DIR } from '../helpers/shared.ts';

describe('model pacing (bench)', () => {
  it('times the model bare and on its own thread, back to back and at 30 Hz, side by side', async () => {
    const rows = await modelPacing('selfie', 2, { modelsDir: MODELS_DIR });
    expect(rows.map((r) => `${r.path}: ${r.calls}`)).toEqual([
      'ORT run on the calling thread: back to back',
      'ORT run on the calling thread: paced at 30 Hz',
      'on its own thread, with encode and the hops: back to back',
      'on its own thread, with encode and the hops: paced at 30 Hz',
    ]);
    for (const row of rows) {
      expect(row['p50 ms']).toBeGreaterThan(0);
      expect(row['p95 ms']).toBeGreaterThanOrEqual(row['p50 ms']);
    }
    // Each row has a quarter of the 2 s: paced calls wait for the next 33 ms tick (at most ~15 in
    // half a second), back-to-back calls of a ~3 ms model come many more times.
    for (const [tight, paced] of [rows.slice(0, 2), rows.slice(2)]) {
      expect(paced.runs).toBeLessThanOrEqual(20);
      expect(tight.runs).toBeGreaterThan(paced.runs);
    }
  });
});
