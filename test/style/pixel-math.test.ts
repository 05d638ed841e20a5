import { describe, expect, it } from 'vitest';
import {
  centreSquare,
  meanAbsDiffRgba,
  resizeRgba,
  rgbaToTensor,
  tensorToRgba,
} from '../../src/inference/stylizer/preprocess.ts';
import {
  planSingleTile,
  planTiles,
  TILE,
  TileAccumulator,
  tileSourceRect,
} from '../../src/inference/stylizer/tiling.ts';
import { styleNameFromFile } from '../../src/pipeline/style/names.ts';

/** A smooth RGB gradient image: every channel a different linear function of x and y. */
function gradient(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = Math.round((x / (width - 1)) * 255);
      rgba[i + 1] = Math.round((y / (height - 1)) * 255);
      rgba[i + 2] = Math.round(((x + y) / (width + height - 2)) * 255);
      rgba[i + 3] = 255;
    }
  return rgba;
}

describe('style names', () => {
  it('come from file names', () => {
    expect(styleNameFromFile('van_gogh_starry_night.jpg')).toBe('van-gogh-starry-night');
    expect(styleNameFromFile('/x/Félix  Vallotton.PNG')).toBe('felix-vallotton');
    expect(styleNameFromFile('a.b.webp')).toBe('a-b');
  });
});

describe('preprocessing', () => {
  it('centre square is the largest centred square', () => {
    expect(centreSquare(1280, 720)).toEqual({ x: 280, y: 0, width: 720, height: 720 });
    expect(centreSquare(287, 365)).toEqual({ x: 0, y: 39, width: 287, height: 287 });
  });

  it('bilinear resampling of a linear gradient stays linear and in [0, 1]', () => {
    const w = 100;
    const h = 60;
    const t = rgbaToTensor(gradient(w, h), w, h, { x: 0, y: 0, width: w, height: h }, 50, 30);
    expect(t.length).toBe(50 * 30 * 3);
    expect(Math.min(...t)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...t)).toBeLessThanOrEqual(1);
    // red grows left to right, green top to bottom
    expect(t[(10 * 50 + 40) * 3]).toBeGreaterThan(t[(10 * 50 + 10) * 3]);
    expect(t[(25 * 50 + 10) * 3 + 1]).toBeGreaterThan(t[(5 * 50 + 10) * 3 + 1]);
    const back = tensorToRgba(t, 50, 30);
    const direct = resizeRgba(gradient(w, h), w, h, 50, 30);
    expect(meanAbsDiffRgba(back, direct)).toBeLessThan(1);
  });

  it('resizeRgba: 32-bit stores and the byte path agree, and a 2x upscale interpolates between pixels', () => {
    const src = Uint8Array.from([0, 0, 0, 255, 200, 100, 50, 255]); // 2x1: black, orange
    const aligned = resizeRgba(src, 2, 1, 4, 2);
    const unaligned = resizeRgba(src, 2, 1, 4, 2, new Uint8Array(4 * 2 * 4 + 1).subarray(1));
    expect([...unaligned]).toEqual([...aligned]);
    // half-pixel centres: outputs sample x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1)
    expect([...aligned.subarray(0, 16)]).toEqual([
      0, 0, 0, 255, 50, 25, 13, 255, 150, 75, 38, 255, 200, 100, 50, 255,
    ]);
    expect([...aligned.subarray(16)]).toEqual([...aligned.subarray(0, 16)]);
  });

  it('reads outside the frame clamp to the edge (letterbox tiles)', () => {
    const rgba = gradient(10, 10);
    const t = rgbaToTensor(rgba, 10, 10, { x: -5, y: 0, width: 20, height: 10 }, 20, 10);
    expect(t[0]).toBeCloseTo(rgba[0] / 255, 5); // left padding repeats column 0
  });
});

describe('tiling', () => {
  it('covers 16:9 with overlapping tiles at the frame aspect (no squashing)', () => {
    const plan = planTiles(1280, 720, 1);
    expect(plan.workHeight).toBe(TILE);
    expect(plan.workWidth / plan.workHeight).toBeCloseTo(1280 / 720, 2);
    expect(plan.tiles.length).toBe(2);
    const overlap = plan.tiles[0].x + TILE - plan.tiles[1].x;
    expect(overlap).toBeGreaterThanOrEqual(64);
    expect(plan.tiles[1].x + TILE).toBe(plan.workWidth);
  });

  it('more detail means more, smaller-scale tiles', () => {
    const plan = planTiles(1280, 720, 2);
    expect(plan.workHeight).toBeGreaterThan(TILE);
    expect(plan.tiles.length).toBeGreaterThanOrEqual(6);
  });

  it('a square frame is one tile; a single-tile plan fits the long side', () => {
    expect(planTiles(720, 720, 1).tiles).toEqual([{ x: 0, y: 0 }]);
    const single = planSingleTile(1280, 720);
    expect(single.workWidth).toBe(TILE);
    expect(single.tiles.length).toBe(1);
    expect(single.tiles[0].y).toBeLessThan(0);
  });

  it('blended tiles reproduce the image exactly when the tiles agree (weights sum to one)', () => {
    const w = 1280;
    const h = 720;
    const frame = gradient(w, h);
    const plan = planTiles(w, h, 1);
    const acc = new TileAccumulator(plan);
    plan.tiles.forEach((_, i) => {
      acc.add(i, rgbaToTensor(frame, w, h, tileSourceRect(plan, i, w, h), TILE, TILE));
    });
    const reference = resizeRgba(frame, w, h, plan.workWidth, plan.workHeight);
    expect(meanAbsDiffRgba(acc.toRgba(), reference)).toBeLessThan(1.5);
  });

  it('tiles that disagree cross-fade gradually over the overlap (no seam)', () => {
    const plan = planTiles(1280, 720, 1);
    const acc = new TileAccumulator(plan);
    acc.add(0, new Float32Array(TILE * TILE * 3).fill(0));
    acc.add(1, new Float32Array(TILE * TILE * 3).fill(1));
    const out = acc.toRgba();
    const row = 100 * plan.workWidth;
    let maxStep = 0;
    for (let x = 1; x < plan.workWidth; x++) {
      maxStep = Math.max(maxStep, Math.abs(out[(row + x) * 4] - out[(row + x - 1) * 4]));
    }
    expect(out[row * 4]).toBe(0);
    expect(out[(row + plan.workWidth - 1) * 4]).toBe(255);
    // 255 spread over an overlap of >= 64 px: no step larger than a few levels
    expect(maxStep).toBeLessThanOrEqual(5);
  });
});

describe('packed RGBA lerp', () => {
  it('lerps all four bytes of two words within one level of the float lerp', async () => {
    const { lerpPacked, fixedWeight } = await import('../../src/core/packed-rgba.ts');
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const a = [0, 1, 2, 3].map((k) => (i * 37 + k * 91) % 256);
      const b = [0, 1, 2, 3].map((k) => (i * 53 + k * 17 + 200) % 256);
      const w = (i % 129) / 128; // on the fixed-point grid: only rounding differs
      const pack = (v: number[]) => v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24);
      const out = lerpPacked(pack(a), pack(b), fixedWeight(w));
      for (let k = 0; k < 4; k++)
        worst = Math.max(worst, Math.abs(((out >>> (8 * k)) & 255) - (a[k] + (b[k] - a[k]) * w)));
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-9);
  });
});
