import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStylizer } from '../../src/inference/stylizer/open.ts';
import type { Stylizer } from '../../src/inference/stylizer/stylizer.ts';
import { planTiles, TILE } from '../../src/inference/stylizer/tiling.ts';
import { readImageRgba } from '../../src/pipeline/style/image.ts';
import { MODELS_DIR, media, REPO, STYLES_DIR } from '../helpers/shared.ts';

/**
 * Real 16:9 frames through the 384x384-trained transform: no squashing, no visible seam. Pictures go to
 * test-artifacts/style-tiling/ (the whole-frame detail-1 painting, the tiled detail-2 one, the single
 * quick painting, and a crop across a tile overlap).
 */

const out = join(REPO, 'test-artifacts', 'style-tiling');
let stylizer: Stylizer;
let frame: { rgba: Uint8Array; width: number; height: number };
let bottleneck: Float32Array;

const save = (name: string, rgba: Uint8Array, width: number, height: number) =>
  sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toFile(join(out, name));

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  ({ stylizer } = await openStylizer({ variant: 'auto', modelsDir: MODELS_DIR, threads: 2 }));
  // A 16:9 frame: a band of the portrait, at 1280x720.
  const { data } = await sharp(media('portrait_obama', 'portrait.jpg'))
    .extract({ left: 0, top: 120, width: 820, height: 461 })
    .resize(1280, 720, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  frame = { rgba: new Uint8Array(data), width: 1280, height: 720 };
  const style = await readImageRgba(join(STYLES_DIR, 'kandinsky_composition_vii.jpg'), { maxShortSide: 512 });
  bottleneck = await stylizer.predict(style.rgba, style.width, style.height);
  await save('input-1280x720.png', frame.rgba, 1280, 720);
});

afterAll(async () => {
  await stylizer?.release();
});

/** Mean |column x - column x-1| over RGB, per x. */
function columnSteps(rgba: Uint8Array, width: number, height: number): Float64Array {
  const steps = new Float64Array(width);
  for (let x = 1; x < width; x++) {
    let s = 0;
    for (let y = 0; y < height; y++) {
      const i = (y * width + x) * 4;
      s +=
        Math.abs(rgba[i] - rgba[i - 4]) +
        Math.abs(rgba[i + 1] - rgba[i - 3]) +
        Math.abs(rgba[i + 2] - rgba[i - 2]);
    }
    steps[x] = s / (height * 3);
  }
  return steps;
}

describe('fixed-shape transform on 16:9 frames', () => {
  it("detail 1: the whole frame in one transform at the tiles' scale (free-size model), aspect kept", async () => {
    const result = await stylizer.stylizeFrame(frame.rgba, frame.width, frame.height, bottleneck, {
      detail: 1,
    });
    expect(result.tiles).toBe(1);
    expect([result.width, result.height]).toEqual([680, 384]); // 683x384 rounded to multiples of 8
    await save('whole-detail1.png', result.rgba, result.width, result.height);
  });

  it('overlapping tiles (detail 2, and every detail on a fixed-size model) leave no seam', async () => {
    const result = await stylizer.stylizeFrame(frame.rgba, frame.width, frame.height, bottleneck, {
      detail: 2,
    });
    const plan = planTiles(1280, 720, 2);
    expect(result.tiles).toBe(plan.tiles.length);
    expect([result.width, result.height]).toEqual([plan.workWidth, plan.workHeight]);
    await save('tiled-detail2.png', result.rgba, result.width, result.height);
    // Vertical overlaps: where a tile's left edge falls inside the tile to its left.
    const lefts = [...new Set(plan.tiles.map((t) => t.x))].sort((a, b) => a - b);
    const overlaps = lefts.slice(1).map((x, i) => [x, lefts[i] + TILE] as const);
    const [seamStart, seamEnd] = overlaps[0];
    const crop = await sharp(result.rgba, {
      raw: { width: result.width, height: result.height, channels: 4 },
    })
      .extract({ left: seamStart - 40, top: 0, width: seamEnd - seamStart + 80, height: result.height })
      .png()
      .toFile(join(out, 'seam-crop.png'));
    expect(crop.width).toBeGreaterThan(80);
    // A seam would be a column where the picture jumps; across the overlaps the steps look like anywhere else.
    const steps = columnSteps(result.rgba, result.width, result.height);
    const typical = [...steps.slice(1)].sort((a, b) => a - b)[Math.floor(steps.length * 0.95)];
    const atSeams = Math.max(...overlaps.flatMap(([a, b]) => [...steps.slice(a, b + 1)]));
    console.log(
      `column step: 95th percentile ${typical.toFixed(2)}, max across the overlaps ${atSeams.toFixed(2)}`,
    );
    expect(atSeams).toBeLessThanOrEqual(typical * 1.5);
  }, 120_000);

  it('a single painting keeps the aspect (fast first frame after a switch)', async () => {
    // The default variant takes free sizes: the whole frame in one transform at 384x216, no padding.
    expect(await stylizer.takesFreeSize()).toBe(true);
    const single = await stylizer.stylizeFrame(frame.rgba, frame.width, frame.height, bottleneck, {
      single: true,
    });
    expect(single.tiles).toBe(1);
    expect([single.width, single.height]).toEqual([384, 216]);
    // Same look as the full-detail painting: the colours of the two agree on average.
    const tiled = await stylizer.stylizeFrame(frame.rgba, frame.width, frame.height, bottleneck, {
      detail: 1,
    });
    const small = await sharp(tiled.rgba, { raw: { width: tiled.width, height: tiled.height, channels: 4 } })
      .resize(384, 216, { fit: 'fill' })
      .raw()
      .toBuffer();
    const mean = (px: Uint8Array) =>
      [0, 1, 2].map((c) => px.filter((_, i) => i % 4 === c).reduce((a, v) => a + v, 0) / (px.length / 4));
    const [a, b] = [mean(single.rgba), mean(new Uint8Array(small))];
    console.log(
      `single vs full detail mean colour: ${a.map((v) => v.toFixed(0))} vs ${b.map((v) => v.toFixed(0))}`,
    );
    for (let c = 0; c < 3; c++) expect(Math.abs(a[c] - b[c])).toBeLessThan(20);
    await save('single-tile.png', single.rgba, single.width, single.height);
  }, 120_000);
});
