import { expect, it } from 'vitest';
import { solidFrame } from '../../src/core/frame.ts';
import { StyleEngine, type StylizeBackend } from '../../src/pipeline/style/engine.ts';
import { StyleMixer } from '../../src/pipeline/style/mixer.ts';

it('a backend that rejects at once (its worker gone) is retried with backoff, never in a hot loop', async () => {
  let calls = 0;
  const dead: StylizeBackend = {
    stylize: async () => {
      calls++;
      throw new Error('stylizer worker is closed');
    },
    predict: async () => new Float32Array(100),
  };
  const mixer = new StyleMixer();
  mixer.setStyle('test', new Float32Array(100).fill(0.1), performance.now());
  const engine = new StyleEngine(dead, mixer, { target: 'live', detail: 1, refreshFps: 30 });
  engine.observe(solidFrame(64, 36, [10, 20, 30, 255]));
  // The event loop must keep turning: a timer fires on time while the engine keeps failing.
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 400));
  const late = performance.now() - started - 400;
  engine.dispose();
  // Measured 3-6 ms under load; a hot retry loop on promises never lets this timer fire (calls counts the rest).
  expect(late).toBeLessThan(300);
  expect(calls).toBeGreaterThanOrEqual(1);
  expect(calls).toBeLessThan(8); // 100, 200, 400 ms backoff: a handful of tries, not thousands
  expect(engine.stats().stylizeFailures).toBe(calls);
});
