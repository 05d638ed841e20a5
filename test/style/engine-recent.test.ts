import { expect, it } from 'vitest';
import { solidFrame } from '../../src/core/frame.ts';
import { type StyledImage, StyleEngine, type StylizeBackend } from '../../src/pipeline/style/engine.ts';
import { StyleMixer } from '../../src/pipeline/style/mixer.ts';

// A backend that paints every pixel with the bottleneck's first number (so a painting names its style),
// at the size asked for, after a short delay like a real transform.
const painter: StylizeBackend = {
  stylize: async (_rgba, width, height, bottleneck, job = {}) => {
    await new Promise((resolve) => setTimeout(resolve, 15));
    const [w, h] = job.outWidth ? [job.outWidth, job.outHeight ?? height] : [width, height];
    return { rgba: new Uint8Array(w * h * 4).fill(bottleneck[0]), width: w, height: h, ms: 15, tiles: 1 };
  },
  predict: async () => new Float32Array(100),
};

const vector = (value: number) => new Float32Array(100).fill(value);

it('switching back to a style painted in this scene shows its painting at once, then repaints it', async () => {
  const mixer = new StyleMixer();
  const engine = new StyleEngine(painter, mixer, {
    target: 'background',
    detail: 1,
    refreshFps: 30,
    fullSize: true,
  });
  const frame = solidFrame(128, 72, [90, 90, 90, 255]);
  const mask = { alpha: new Float32Array(32 * 18), width: 32, height: 18 }; // no person: all background
  const settle = async (): Promise<StyledImage | undefined> => {
    for (let i = 0; i < 20; i++) {
      engine.observe(frame, mask);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await engine.idle();
    }
    return engine.latest();
  };
  try {
    mixer.setStyle('a', vector(40), performance.now());
    engine.poke();
    const a = await settle();
    expect(a?.single).toBe(false);
    expect(a?.rgba[0]).toBe(40);
    mixer.setStyle('b', vector(200), performance.now());
    engine.poke();
    expect((await settle())?.rgba[0]).toBe(200);

    mixer.setStyle('a', vector(40), performance.now());
    engine.poke();
    const shown = engine.latest(); // before any stylization could finish
    expect(shown?.recent).toBe(true);
    expect(shown?.change).toBe(mixer.changeCount);
    expect(shown?.rgba[0]).toBe(40);
    expect(engine.stats().recentPaintingsShown).toBe(1);
    const repainted = await settle();
    expect(repainted?.recent).toBeUndefined();
    expect(repainted?.single).toBe(false);

    // A style never painted has nothing to show at once.
    mixer.setStyle('c', vector(120), performance.now());
    engine.poke();
    expect(engine.latest()?.change).not.toBe(mixer.changeCount);
  } finally {
    engine.dispose();
  }
});
