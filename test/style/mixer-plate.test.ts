import { describe, expect, it } from 'vitest';
import { blendStrength, StyleMixer } from '../../src/pipeline/style/mixer.ts';
import { BackgroundPlate, fillHoles } from '../../src/pipeline/style/plate.ts';

const vec = (v: number) => new Float32Array(100).fill(v);

describe('style mixer', () => {
  it('strength blends the style with the content bottleneck', () => {
    const out = blendStrength(vec(1), vec(0), 0.25);
    expect(out[0]).toBeCloseTo(0.25);
    expect(blendStrength(vec(1), undefined, 0.25)[0]).toBe(1);
  });

  it('switching without a morph is instant', () => {
    const mixer = new StyleMixer();
    mixer.setStyle('a', vec(0), 0);
    mixer.setStyle('b', vec(1), 10);
    expect(mixer.bottleneckAt(10)?.[0]).toBe(1);
    expect(mixer.isMorphing(10)).toBe(false);
  });

  it('a morph interpolates monotonically over its duration', () => {
    const mixer = new StyleMixer();
    mixer.setStyle('a', vec(0), 0);
    mixer.setStyle('b', vec(1), 1000, 800);
    const samples = [1000, 1200, 1400, 1600, 1800].map((t) => mixer.bottleneckAt(t)?.[0] ?? -1);
    expect(samples[0]).toBeCloseTo(0);
    expect(samples[2]).toBeCloseTo(0.5);
    for (let i = 1; i < samples.length; i++) expect(samples[i]).toBeGreaterThan(samples[i - 1]);
    expect(mixer.isMorphing(1799)).toBe(true);
    expect(mixer.isMorphing(1800)).toBe(false);
    expect(mixer.bottleneckAt(2000)?.[0]).toBe(1);
  });

  it('a switch or morph to the style already shown changes nothing (no repaint, no morph)', () => {
    const mixer = new StyleMixer();
    mixer.setStyle('a', vec(0), 0);
    const changes = mixer.changeCount;
    mixer.setStyle('a', vec(0), 100, 5000);
    mixer.setStyle('a', vec(0), 200);
    expect(mixer.isMorphing(300)).toBe(false);
    expect(mixer.changeCount).toBe(changes);
    mixer.setStyle('a', vec(0.5), 300); // its painting was replaced: that is a change
    expect(mixer.changeCount).toBe(changes + 1);
    mixer.setStyle('b', vec(1), 400, 800);
    mixer.setStyle('b', vec(1), 800, 800); // pressed again mid-morph: the morph goes on
    expect(mixer.bottleneckAt(800)?.[0]).toBeCloseTo(0.75);
  });

  it('a new morph starts from what is shown mid-morph (no jump)', () => {
    const mixer = new StyleMixer();
    mixer.setStyle('a', vec(0), 0);
    mixer.setStyle('b', vec(1), 0, 800);
    const shown = mixer.bottleneckAt(400)?.[0] ?? -1;
    mixer.setStyle('c', vec(-1), 400, 800);
    expect(mixer.bottleneckAt(400)?.[0]).toBeCloseTo(shown);
  });
});

describe('background plate', () => {
  const w = 40;
  const h = 20;
  const frame = (value: number) => new Uint8Array(w * h * 4).fill(value);
  /** Person covering the left half. */
  const leftPerson = () => {
    const a = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) a[y * w + x] = 1;
    return a;
  };

  it('takes only background pixels: the person leaves no ghost', () => {
    const plate = new BackgroundPlate(w, h);
    const f = frame(100);
    for (let i = 0; i < w * h; i++) if (i % w < w / 2) f.fill(250, i * 4, i * 4 + 3); // person is bright
    plate.update(f, leftPerson());
    expect(plate.coverage).toBeCloseTo(0.5);
    const snap = plate.snapshot();
    // the hole behind the person is filled from the background, not from the person
    expect(snap[(5 * w + 2) * 4]).toBe(100);
    expect(snap[(5 * w + 30) * 4]).toBe(100);
  });

  it('averages noise away and reveals pixels as the person moves', () => {
    const plate = new BackgroundPlate(w, h);
    plate.update(frame(100), leftPerson());
    for (let k = 0; k < 30; k++) plate.update(frame(k % 2 ? 110 : 90), leftPerson());
    expect(Math.abs(plate.color[(5 * w + 30) * 3] - 100)).toBeLessThan(8);
    const update = plate.update(frame(100), new Float32Array(w * h));
    expect(update.revealed).toBeCloseTo(0.5);
    expect(plate.coverage).toBe(1);
  });

  it('detects a scene change and restarts the plate', () => {
    const plate = new BackgroundPlate(w, h);
    plate.update(frame(20), new Float32Array(w * h));
    expect(plate.update(frame(22), new Float32Array(w * h)).sceneChanged).toBe(false);
    const change = plate.update(frame(200), new Float32Array(w * h));
    expect(change.sceneChanged).toBe(true);
    expect(plate.snapshot()[0]).toBe(200);
  });

  it('push-pull fills holes with nearby colours', () => {
    const color = new Float32Array(8 * 8 * 3);
    const known = new Uint8Array(64);
    for (let i = 0; i < 64; i++) {
      if (i % 8 < 4) {
        known[i] = 1;
        color[i * 3] = 60;
      }
    }
    const filled = fillHoles(color, known, 8, 8);
    expect(filled[(3 * 8 + 7) * 3]).toBeCloseTo(60);
  });
});
