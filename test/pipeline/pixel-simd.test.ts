import { describe, expect, it } from 'vitest';
import { loadPixelSimd } from '../../src/core/simd/pixel-simd.ts';
import { deeplabv3 } from '../../src/inference/segmenters/deeplabv3.ts';
import { selfie } from '../../src/inference/segmenters/selfie.ts';
import { sinet } from '../../src/inference/segmenters/sinet.ts';
import { encodeInput } from '../../src/inference/segmenters/spec.ts';
import { resizeRgba } from '../../src/inference/stylizer/preprocess.ts';
import { compositeRowsSimd, simdCompositeApplies } from '../../src/pipeline/composite/composite-simd.ts';
import { type CompositeJob, compositeRows } from '../../src/pipeline/composite/kernels.ts';
import { PixelPool } from '../../src/pipeline/composite/pool.ts';
import { type AreaJob, areaAverageRows, areaAverageRowsSimd } from '../../src/pipeline/composite/resample.ts';
import { boxBlur, boxBlurSimd } from '../../src/pipeline/mask/box-filter.ts';
import { guidedCoefficients } from '../../src/pipeline/mask/guided.ts';
import { regionInputEncoding } from '../../src/pipeline/mask/person-masker.ts';
import { compositeJob, noise } from '../helpers/composite-jobs.ts';

function compare(expected: Uint8Array, actual: Uint8Array): { maxDiff: number; differing: number } {
  let maxDiff = 0;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(expected[i] - actual[i]);
    if (d > 0) differing++;
    maxDiff = Math.max(maxDiff, d);
  }
  return { maxDiff, differing };
}

const simd = loadPixelSimd();

/**
 * The SIMD kernel's output for `job` (in two bands, split at row `split`) against the JavaScript
 * kernel's for `reference` (default: the same job): at most `levels` apart, in under `share` of bytes.
 */
function expectSimdMatches(
  job: CompositeJob,
  { reference = job, split = Math.floor(job.height / 2), levels = 1, share = 0.001 } = {},
): Uint8Array {
  expect(simdCompositeApplies(job)).toBe(true);
  const expected = new Uint8Array(job.out.length);
  compositeRows({ ...reference, out: expected }, 0, reference.height);
  const out = new Uint8Array(job.out.length);
  compositeRowsSimd({ ...job, out }, 0, split, simd!);
  compositeRowsSimd({ ...job, out }, split, job.height, simd!);
  const { maxDiff, differing } = compare(expected, out);
  expect(maxDiff).toBeLessThanOrEqual(levels);
  expect(differing / out.length).toBeLessThan(share);
  return out;
}

describe('WebAssembly SIMD pixel kernels', () => {
  it('are built by npm ci and load (STYLECAST_SIMD=0 turns them off)', () => {
    expect(simd, 'src/core/simd/pixels.wasm missing: run npm run build:simd').toBeDefined();
    expect(loadPixelSimd({ STYLECAST_SIMD: '0' })).toBeUndefined();
  });

  // Odd widths exercise the scalar tails after the 4-pixel loops; the bands, partial blocks of rows.
  for (const [width, height, background] of [
    [1283, 37, { width: 129, height: 11 }], // blur-background: a small plane stretched
    [318, 181, { width: 318, height: 181 }], // a style painting at frame size
    [31, 17, { width: 9, height: 5 }], // a frame smaller than the mask grid: grid rows skipped
  ] as const) {
    it(`composite ${width}x${height} over a ${background.width}x${background.height} image: the JavaScript kernel's pixels within one level`, () => {
      const j = compositeJob(width, height, background);
      const out = expectSimdMatches(j);
      // All three kinds of pixel were there: person (the frame), background (the image), edges (between).
      const frame = j.frame;
      let person = 0;
      let edge = 0;
      for (let i = 0; i < out.length; i += 4) {
        if (out[i] === frame[i] && out[i + 1] === frame[i + 1] && out[i + 2] === frame[i + 2]) person++;
        else edge++;
      }
      expect(person).toBeGreaterThan(out.length / 40);
      expect(edge).toBeGreaterThan(out.length / 40);
    });
  }

  it("a colour background as a 1x1 image (the compositor's SIMD path): the JavaScript kernel's colour blend within one level", () => {
    const rgba = [0, 177, 64, 255] as const;
    const j = compositeJob(1283, 37, { width: 1, height: 1 });
    const asImage = {
      ...j,
      background: { kind: 'image' as const, data: new Uint8Array(rgba), width: 1, height: 1 },
    };
    const out = expectSimdMatches(asImage, {
      reference: { ...j, background: { kind: 'color', rgba } },
      split: 20,
    });
    // Background pixels are the colour itself, opaque.
    expect([...out.subarray(0, 4)]).toEqual([...rgba]);
  });

  it("transparent (alpha out): the JavaScript kernel's colours and alpha within one level", () => {
    const j = { ...compositeJob(1283, 37, { width: 129, height: 11 }), mode: 'transparent' as const };
    const out = expectSimdMatches(j, { split: 20 });
    // The colours are the frame's everywhere; alpha runs from 0 (background) through mixed to the frame's.
    const alphas = new Set<number>();
    for (let i = 0; i < out.length; i += 4) {
      expect(out[i + 1]).toBe(j.frame[i + 1]);
      alphas.add(out[i + 3] === 0 ? 0 : out[i + 3] === j.frame[i + 3] ? 1 : 2);
    }
    expect([...alphas].sort()).toEqual([0, 1, 2]);
  });

  it("style-person (a painting over the frame where the person is): the JavaScript kernel's pixels within one level", () => {
    // The JavaScript kernel stretches a foreground in floats and a background in 7-bit fixed point (as
    // the module does for either): a stretched painting's own pixels differ by up to a level there.
    for (const [painting, levels, share] of [
      [{ width: 129, height: 11 }, 2, 0.1],
      [{ width: 1283, height: 37 }, 1, 0.001],
    ] as const) {
      const j = compositeJob(1283, 37, painting);
      const swapped = { ...j, foreground: j.background, background: { kind: 'frame' as const } };
      const out = expectSimdMatches(swapped, { split: 20, levels, share });
      // Outside the person the frame itself, opaque.
      expect([...out.subarray(0, 3)]).toEqual([...j.frame.subarray(0, 3)]);
      expect(out[3]).toBe(255);
    }
  });

  it("the mask view (grey mask, opaque): the JavaScript kernel's pixels within one level", () => {
    const j = { ...compositeJob(1283, 37, { width: 129, height: 11 }), mode: 'mask' as const };
    const out = expectSimdMatches(j, { split: 20 });
    const greys = new Set<number>();
    for (let i = 0; i < out.length; i += 4) {
      expect(out[i + 1]).toBe(out[i]);
      expect(out[i + 3]).toBe(255);
      greys.add(out[i] === 0 ? 0 : out[i] === 255 ? 1 : 2);
    }
    expect([...greys].sort()).toEqual([0, 1, 2]);
  });

  it('other layers stay with the JavaScript kernel', () => {
    const j = compositeJob(64, 36, { width: 16, height: 9 });
    expect(simdCompositeApplies({ ...j, background: { kind: 'color', rgba: [0, 0, 0, 255] } })).toBe(false);
    expect(simdCompositeApplies({ ...j, foreground: { kind: 'color', rgba: [0, 0, 0, 255] } })).toBe(false);
  });

  it('resizeRgba gives the same bytes with and without SIMD, up and down, odd sizes', () => {
    for (const [sw, sh, ow, oh] of [
      [384, 216, 1283, 721],
      [97, 55, 31, 17],
      [5, 3, 9, 1000],
    ]) {
      const src = noise(sw * sh * 4, sw);
      const js = resizeRgba(src, sw, sh, ow, oh);
      const fast = resizeRgba(src, sw, sh, ow, oh, undefined, simd);
      expect(compare(js, fast).differing, `${sw}x${sh} -> ${ow}x${oh}`).toBe(0);
    }
  });

  it('guided-filter coefficients: the JavaScript version’s to 1e-5, odd sizes and radii', () => {
    for (const [width, height, radius] of [
      [256, 144, 2],
      [37, 23, 1],
      [9, 5, 4],
    ]) {
      const n = width * height;
      const guide = Float32Array.from(noise(n, 5), (v) => v / 255);
      const mask = Float32Array.from({ length: n }, (_, i) =>
        (i % width) + (i / width) * 0.7 > width / 2 ? 1 : 0,
      );
      const js = guidedCoefficients(guide, mask, width, height, radius, 2e-3);
      const fast = guidedCoefficients(guide, mask, width, height, radius, 2e-3, undefined, simd);
      let worst = 0;
      for (let i = 0; i < n; i++)
        worst = Math.max(worst, Math.abs(js.a[i] - fast.a[i]), Math.abs(js.b[i] - fast.b[i]));
      expect(worst, `${width}x${height} r${radius}`).toBeLessThan(1e-5);
      expect(Math.max(...js.a.map(Math.abs))).toBeGreaterThan(0.1); // the edge is really there
    }
  });

  it('box means: boxBlur’s result to 1e-5, odd sizes, radii 1-5, three passes', () => {
    for (const [width, height, radius] of [
      [256, 144, 2],
      [31, 7, 1],
      [13, 29, 5],
    ]) {
      const n = width * height;
      const plane = Float32Array.from(noise(n, radius), (v) => v / 255);
      let js: Float32Array = plane;
      for (let pass = 0; pass < 3; pass++) js = boxBlur(js, width, height, radius);
      const fast = new Float32Array(n);
      boxBlurSimd([plane], width, height, radius, 3, [fast], simd!);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(js[i] - fast[i]));
      expect(worst, `${width}x${height} r${radius}`).toBeLessThan(1e-5);
    }
  });

  it('area average: the JavaScript version’s floats, whole frames, regions and bands', () => {
    const [width, height] = [203, 121];
    const rgba = noise(width * height * 4, 9);
    for (const [outWidth, outHeight, srcX, srcY, srcWidth, srcHeight] of [
      [64, 64, 0, 0, width, height],
      [48, 27, 10.5, 3.25, 150, 100],
      [31, 17, 0, 0, width, height],
    ]) {
      const job = { rgba, width, height, srcX, srcY, srcWidth, srcHeight, outWidth, outHeight };
      const js = new Float32Array(outWidth * outHeight * 3);
      const fast = new Float32Array(js.length);
      areaAverageRows({ ...job, out: js }, 0, outHeight);
      const half = Math.floor(outHeight / 2);
      areaAverageRowsSimd({ ...job, out: fast }, 0, half, simd!);
      areaAverageRowsSimd({ ...job, out: fast }, half, outHeight, simd!);
      let worst = 0;
      for (let i = 0; i < js.length; i++) worst = Math.max(worst, Math.abs(js[i] - fast[i]));
      expect(worst, `${outWidth}x${outHeight}`).toBeLessThan(1e-3);
      expect(Math.max(...js) - Math.min(...js)).toBeGreaterThan(10); // not a flat picture
    }
  });

  it('area average that writes a model input: encodeInput of the plain shrink, bit for bit (SIMD and JavaScript)', () => {
    const [width, height] = [203, 121];
    const rgba = noise(width * height * 4, 5);
    const [outWidth, outHeight] = [37, 23];
    const job = {
      rgba,
      width,
      height,
      srcX: 0,
      srcY: 0,
      srcWidth: width,
      srcHeight: height,
      outWidth,
      outHeight,
    };
    for (const spec of [selfie, deeplabv3]) {
      const small = { ...spec, inputWidth: outWidth, inputHeight: outHeight };
      const dst = { x: 0, y: 0, width: outWidth, height: outHeight };
      const encode = regionInputEncoding(small, dst);
      expect(encode).toBeDefined();
      for (const shrink of [
        (j: AreaJob) => areaAverageRows(j, 0, outHeight),
        (j: AreaJob) => {
          areaAverageRowsSimd(j, 0, 11, simd!);
          areaAverageRowsSimd(j, 11, outHeight, simd!);
        },
      ]) {
        const plain = new Float32Array(outWidth * outHeight * 3);
        const encoded = new Float32Array(plain.length);
        shrink({ ...job, out: plain });
        shrink({ ...job, out: encoded, encode });
        const expected = encodeInput(small, plain, dst);
        expect(Buffer.compare(Buffer.from(encoded.buffer), Buffer.from(expected.buffer))).toBe(0);
      }
    }
    // Models whose input the shrink cannot write as it is: channels first, BGR, per-channel means, a letterbox.
    expect(
      regionInputEncoding(sinet, { x: 0, y: 0, width: sinet.inputWidth, height: sinet.inputHeight }),
    ).toBeUndefined();
    expect(regionInputEncoding(selfie, { x: 0, y: 16, width: 256, height: 224 })).toBeUndefined();
  });

  it('area average: footprints of 256 white rows (the 16-bit column sums at their limit) and of 300 (JavaScript)', () => {
    for (const height of [512, 600]) {
      const [width, outWidth, outHeight] = [12, 3, 2];
      const rgba = new Uint8Array(width * height * 4).fill(255);
      const out = new Float32Array(outWidth * outHeight * 3);
      const job = { rgba, width, height, srcX: 0, srcY: 0, srcWidth: width, srcHeight: height };
      areaAverageRowsSimd({ ...job, out, outWidth, outHeight }, 0, outHeight, simd!);
      expect([...out], `${height} rows`).toEqual(new Array(out.length).fill(255));
    }
  });

  it('the pixel pool reports its workers run the SIMD kernels', async () => {
    const pool = await PixelPool.create(2);
    try {
      expect(pool.simd).toBe(true);
    } finally {
      await pool.dispose();
    }
  });
});
