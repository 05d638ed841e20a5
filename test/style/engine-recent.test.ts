import { expect, it } from 'vitest';
import { solidFrame } from '../../src/core/frame.ts';
import {
  type EngineOptions,
  PREPAINT_GAP_MS,
  type StyledImage,
  StyleEngine,
  type StylizeBackend,
} from '../../src/pipeline/style/engine.ts';
import { StyleMixer } from '../../src/pipeline/style/mixer.ts';
import { outwardFrom } from '../../src/pipeline/style/service.ts';

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

/** A background-target engine on a small grey frame with no person (all background). */
const plateEngine = (backend: StylizeBackend, mixer: StyleMixer, options: Partial<EngineOptions> = {}) =>
  new StyleEngine(backend, mixer, {
    target: 'background',
    detail: 1,
    refreshFps: 30,
    fullSize: true,
    ...options,
  });
const frame = solidFrame(128, 72, [90, 90, 90, 255]);
const mask = { alpha: new Float32Array(32 * 18), width: 32, height: 18 };

it('switching back to a style painted in this scene shows its painting at once, then repaints it', async () => {
  const mixer = new StyleMixer();
  const engine = plateEngine(painter, mixer);
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

it('pre-paints the likely next styles while idle, so switching to one shows a preview at once', async () => {
  const mixer = new StyleMixer();
  const styles = [
    { name: 'a', bottleneck: vector(40) },
    { name: 'b', bottleneck: vector(200) },
    { name: 'c', bottleneck: vector(120) },
  ];
  const engine = plateEngine(painter, mixer, {
    prepaint: 1, // only the first candidate: 'c' stays unpainted
    prepaintCandidates: () =>
      outwardFrom(
        styles,
        styles.findIndex((s) => s.name === mixer.style),
      ),
  });
  const run = async (ms: number) => {
    for (const until = performance.now() + ms; performance.now() < until; ) {
      engine.observe(frame, mask);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await engine.idle();
  };
  try {
    mixer.setStyle('a', vector(40), performance.now());
    engine.poke();
    await run(PREPAINT_GAP_MS * 3);
    expect(engine.stats().prepainted).toBeGreaterThanOrEqual(1);

    mixer.setStyle('b', vector(200), performance.now()); // the next style: pre-painted
    engine.poke();
    const shown = engine.latest();
    expect(shown?.prepainted).toBe(true);
    expect(shown?.single).toBe(true); // a placeholder: full detail follows
    expect(shown?.change).toBe(mixer.changeCount);
    expect(shown?.rgba[0]).toBe(200);
    expect(engine.stats().previewsShown).toBe(1);
    await run(200);
    expect(engine.latest()?.single).toBe(false);
    expect(engine.latest()?.prepainted).toBeUndefined();

    // Beyond the pre-paint count: nothing to show until a painting is made.
    mixer.setStyle('c', vector(120), performance.now());
    engine.poke();
    expect(engine.latest()?.change).not.toBe(mixer.changeCount);
  } finally {
    engine.dispose();
  }
});

it('orders pre-paint candidates outward from the current style, wrapping', () => {
  expect(outwardFrom(['a', 'b', 'c', 'd', 'e'], 0)).toEqual(['b', 'e', 'c', 'd']);
  expect(outwardFrom(['a', 'b', 'c', 'd'], 2)).toEqual(['d', 'b', 'a']);
  expect(outwardFrom(['a', 'b'], -1)).toEqual(['a', 'b']);
  expect(outwardFrom(['a'], 0)).toEqual([]);
});

it('a painting of the old style that finishes after a switch to a kept painting does not replace it', async () => {
  // Jobs finish when the test says so: the moment the stale painting arrives can be looked at.
  const finish: (() => void)[] = [];
  const manual: StylizeBackend = {
    stylize: (_rgba, width, height, bottleneck, job = {}) =>
      new Promise((resolve) => {
        const [w, h] = job.outWidth ? [job.outWidth, job.outHeight ?? height] : [width, height];
        finish.push(() =>
          resolve({
            rgba: new Uint8Array(w * h * 4).fill(bottleneck[0]),
            width: w,
            height: h,
            ms: 1,
            tiles: 1,
          }),
        );
      }),
    predict: async () => new Float32Array(100),
  };
  const mixer = new StyleMixer();
  const engine = plateEngine(manual, mixer);
  const finishAll = async () => {
    for (let i = 0; i < 10 && finish.length > 0; i++) {
      finish.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 5));
      engine.observe(frame, mask);
    }
  };
  try {
    mixer.setStyle('a', vector(40), performance.now());
    engine.poke();
    engine.observe(frame, mask);
    await finishAll(); // 'a': quick painting, then full detail (kept)
    expect(engine.latest()?.single).toBe(false);
    mixer.setStyle('b', vector(200), performance.now());
    engine.poke(); // nothing kept for 'b': a painting of 'b' starts and waits
    expect(finish.length).toBe(1);
    mixer.setStyle('a', vector(40), performance.now());
    engine.poke(); // back to 'a': its kept painting shows at once
    expect(engine.latest()?.rgba[0]).toBe(40);
    finish.shift()?.(); // the 'b' painting arrives now
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(engine.latest()?.change).toBe(mixer.changeCount);
    expect(engine.latest()?.rgba[0]).toBe(40);
  } finally {
    engine.dispose();
  }
});
