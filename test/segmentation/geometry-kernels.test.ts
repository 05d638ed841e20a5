import { describe, expect, it } from 'vitest';
import { fitGeometry, gridSize, modelPlaneToGrid } from '../../src/inference/segmenters/fit.ts';
import { sinet } from '../../src/inference/segmenters/sinet.ts';
import { classVersusBestOther, encodeInput } from '../../src/inference/segmenters/spec.ts';
import { personAwareBlur } from '../../src/pipeline/composite/background-blur.ts';
import { parseColor } from '../../src/pipeline/composite/background-image.ts';
import { type CompositeJob, compositeRows } from '../../src/pipeline/composite/kernels.ts';
import { areaAverageRows, lumaOf } from '../../src/pipeline/composite/resample.ts';
import { compositeJob } from '../helpers/composite-jobs.ts';

describe('fitGeometry', () => {
  it('stretch maps frame to model, letterbox pads, crop cuts the sides', () => {
    expect(fitGeometry(1280, 720, 256, 256, 'stretch').dst).toEqual({ x: 0, y: 0, width: 256, height: 256 });
    const box = fitGeometry(1280, 720, 256, 256, 'letterbox');
    expect(box.dst).toEqual({ x: 0, y: 56, width: 256, height: 144 });
    const crop = fitGeometry(1280, 720, 256, 256, 'crop');
    expect(crop.src.x).toBeCloseTo(280, 6);
    expect(crop.src.width).toBeCloseTo(720, 6);
    expect(gridSize(1280, 720)).toEqual({ width: 256, height: 144 });
    expect(gridSize(200, 100)).toEqual({ width: 200, height: 100 });
  });

  it('modelPlaneToGrid reads back the model plane and marks unseen (cropped) cells as outside', () => {
    const model = new Float32Array(4 * 4).fill(1);
    const crop = fitGeometry(8, 4, 4, 4, 'crop');
    const grid = modelPlaneToGrid(model, crop, 8, 4, 0);
    expect(grid[0]).toBe(0); // left edge not seen
    expect(grid[3]).toBe(1); // centre seen
    const stretch = modelPlaneToGrid(model, fitGeometry(8, 4, 4, 4, 'stretch'), 8, 4);
    expect(Math.min(...stretch)).toBe(1);
  });
});

describe('pixel kernels', () => {
  const rgbaOf = (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
    const out = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set([...f(x, y), 255], (y * w + x) * 4);
    return out;
  };

  it('area average of 2x2 blocks is their mean', () => {
    const rgba = rgbaOf(4, 2, (x) => [x * 10, 100, 200]);
    const out = new Float32Array(2 * 1 * 3);
    areaAverageRows(
      {
        rgba,
        width: 4,
        height: 2,
        srcX: 0,
        srcY: 0,
        srcWidth: 4,
        srcHeight: 2,
        out,
        outWidth: 2,
        outHeight: 1,
      },
      0,
      1,
    );
    expect([...out]).toEqual([5, 100, 200, 25, 100, 200]);
    expect(lumaOf(Float32Array.from([255, 255, 255]))[0]).toBeCloseTo(1, 5);
  });

  const job = (
    mode: CompositeJob['mode'],
    a: number,
    b: number,
    extra: Partial<CompositeJob> = {},
  ): CompositeJob => ({
    frame: rgbaOf(8, 4, () => [200, 100, 50]),
    width: 8,
    height: 4,
    out: new Uint8Array(8 * 4 * 4),
    coeffA: new Float32Array(4).fill(a),
    coeffB: new Float32Array(4).fill(b),
    gridWidth: 2,
    gridHeight: 2,
    mode,
    foreground: { kind: 'frame' },
    background: { kind: 'color', rgba: [0, 255, 0, 255] },
    ...extra,
  });

  it('blend: alpha 1 keeps the frame, alpha 0 shows the background, alpha 0.5 mixes', () => {
    for (const [b, expected] of [
      [1, [200, 100, 50, 255]],
      [0, [0, 255, 0, 255]],
      [0.5, [100, 178, 25, 255]],
    ] as const) {
      const j = job('blend', 0, b);
      compositeRows(j, 0, 4);
      expect([...j.out.subarray(0, 4)]).toEqual(expected);
    }
  });

  it('alpha follows A * luma + B, clamped', () => {
    const j = job('mask', 2, 0); // luma of (200,100,50) ~ 0.454 -> 0.91
    compositeRows(j, 0, 4);
    expect(j.out[0]).toBe(Math.round(((2 * (0.299 * 200 + 0.587 * 100 + 0.114 * 50)) / 255) * 255));
    const k = job('mask', 0, 3);
    compositeRows(k, 0, 4);
    expect(k.out[0]).toBe(255);
  });

  it('transparent: colours kept, alpha = mask; rows outside the band untouched', () => {
    const j = job('transparent', 0, 0.25);
    compositeRows(j, 0, 2);
    expect([...j.out.subarray(0, 4)]).toEqual([200, 100, 50, 64]);
    expect(j.out[3 * 8 * 4 + 3]).toBe(0);
  });

  it('a small background image is stretched bilinearly to the frame', () => {
    const bg = rgbaOf(2, 1, (x) => (x === 0 ? [0, 0, 0] : [255, 255, 255]));
    const j = job('blend', 0, 0, { background: { kind: 'image', data: bg, width: 2, height: 1 } });
    compositeRows(j, 0, 4);
    const red = (x: number) => j.out[(1 * 8 + x) * 4];
    expect(red(0)).toBe(0);
    expect(red(7)).toBe(255);
    expect(red(3)).toBeGreaterThan(50);
    expect(red(3)).toBeLessThan(red(4));
  });

  it('settled spans (copied 32 bits at a time) match the per-pixel formula', () => {
    const [w, h, gw, gh] = [40, 20, 8, 4];
    let seed = 3;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const frame = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
    // Left columns settled at 0, right columns settled at 1, a mixed band between.
    const a = new Float32Array(gw * gh).map((_, i) => (i % gw === 3 || i % gw === 4 ? rand() - 0.5 : 0));
    const b = new Float32Array(gw * gh).map((_, i) => (i % gw < 3 ? 0 : i % gw > 4 ? 1 : rand()));
    const bgSmall = new Uint8Array(4 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
    for (const mode of ['blend', 'mask', 'transparent'] as const) {
      const out = new Uint8Array(w * h * 4);
      compositeRows(
        {
          frame,
          width: w,
          height: h,
          out,
          coeffA: a,
          coeffB: b,
          gridWidth: gw,
          gridHeight: gh,
          mode,
          foreground: { kind: 'frame' },
          background: { kind: 'image', data: bgSmall, width: 4, height: 2 },
        },
        0,
        h,
      );
      const bilinear = (
        plane: ArrayLike<number>,
        pw: number,
        ph: number,
        x: number,
        y: number,
        stride = 1,
        c = 0,
      ) => {
        const sx = Math.min(pw - 1, Math.max(0, ((x + 0.5) * pw) / w - 0.5));
        const sy = Math.min(ph - 1, Math.max(0, ((y + 0.5) * ph) / h - 0.5));
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(pw - 1, x0 + 1);
        const y1 = Math.min(ph - 1, y0 + 1);
        const at = (xx: number, yy: number) => plane[(yy * pw + xx) * stride + c];
        const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * (sx - x0);
        const bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * (sx - x0);
        return top + (bottom - top) * (sy - y0);
      };
      let worst = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = (y * w + x) * 4;
          const luma = (0.299 * frame[p] + 0.587 * frame[p + 1] + 0.114 * frame[p + 2]) / 255;
          const alpha = Math.min(
            1,
            Math.max(0, bilinear(a, gw, gh, x, y) * luma + bilinear(b, gw, gh, x, y)),
          );
          const expected =
            mode === 'mask'
              ? [alpha * 255, alpha * 255, alpha * 255, 255]
              : mode === 'transparent'
                ? [frame[p], frame[p + 1], frame[p + 2], alpha * 255]
                : [0, 1, 2].map((c) => {
                    const bg = bilinear(bgSmall, 4, 2, x, y, 4, c);
                    return bg + (frame[p + c] - bg) * alpha;
                  });
          for (let c = 0; c < expected.length; c++)
            worst = Math.max(worst, Math.abs(out[p + c] - expected[c]));
        }
      // blend stretches the small background in 7-bit fixed point, two channels per word (two lerps,
      // each within 1/256 of the weight and half a level of rounding): at most 3 levels from exact.
      expect(worst, mode).toBeLessThanOrEqual(mode === 'blend' ? 3 : 1);
    }
  });

  it('person-aware blur keeps the person colour out of the background', () => {
    const w = 20;
    const h = 10;
    const rgb = new Float32Array(w * h * 3);
    const alpha = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const person = i % w >= 10;
      rgb.set(person ? [255, 0, 0] : [0, 0, 255], i * 3);
      alpha[i] = person ? 1 : 0;
    }
    const out = personAwareBlur(rgb, alpha, w, h, 8); // computed at half resolution: 10x5
    expect([out.width, out.height]).toEqual([10, 5]);
    const at = (x: number) => [...out.data.subarray((2 * out.width + x) * 4, (2 * out.width + x) * 4 + 3)];
    expect(at(4)).toEqual([0, 0, 255]); // right next to the person: still pure background blue
  });
});

describe('model input encoding and output decoding', () => {
  it('encodes SINet as NCHW BGR with its mean/std and pads outside the region', () => {
    const region = Float32Array.from([10, 20, 30]); // one RGB pixel
    const t = encodeInput({ ...sinet, inputWidth: 2, inputHeight: 1 }, region, {
      x: 0,
      y: 0,
      width: 1,
      height: 1,
    });
    expect(t[0]).toBeCloseTo((30 - sinet.mean[0]) * sinet.scale[0], 6); // B first
    expect(t[2 * 2]).toBeCloseTo((10 - sinet.mean[2]) * sinet.scale[2], 6); // R plane
    expect(t[1]).toBeCloseTo((0 - sinet.mean[0]) * sinet.scale[0], 6); // padded pixel
  });

  it('class-versus-best-other is above 0.5 exactly where the class is the argmax', () => {
    const logits = Float32Array.from([1, 3, 2, /* */ 3, 1, 2.5]);
    const p = classVersusBestOther(logits, 3, 1);
    expect(p[0]).toBeGreaterThan(0.5);
    expect(p[1]).toBeLessThan(0.5);
  });

  it('parses background colours and leaves paths alone', () => {
    expect(parseColor('#00b140')).toEqual([0, 177, 64, 255]);
    expect(parseColor('ff000080')).toEqual([255, 0, 0, 128]);
    expect(parseColor('/tmp/beach.jpg')).toBeUndefined();
  });
});

describe('transparent-background kernel', () => {
  it('keeps every colour and puts the mask view’s alpha in alpha, settled runs included', () => {
    const job = compositeJob(331, 97, { width: 1, height: 1 });
    for (let i = 3; i < job.frame.length; i += 4) job.frame[i] = 255;
    const transparent = { ...job, mode: 'transparent' as const, out: new Uint8Array(job.out.length) };
    const mask = { ...job, mode: 'mask' as const, out: new Uint8Array(job.out.length) };
    compositeRows(transparent, 0, job.height);
    compositeRows(mask, 0, job.height);
    const alphas = new Set<number>();
    let colourChanged = 0;
    let alphaOff = 0;
    for (let p = 0; p < job.frame.length; p += 4) {
      for (let c = 0; c < 3; c++) if (transparent.out[p + c] !== job.frame[p + c]) colourChanged++;
      if (transparent.out[p + 3] !== mask.out[p]) alphaOff++;
      alphas.add(transparent.out[p + 3]);
    }
    expect(colourChanged).toBe(0);
    expect(alphaOff).toBe(0);
    // Settled background (0), settled person (255) and edge values in between all occur.
    expect(alphas.has(0) && alphas.has(255) && alphas.size > 10).toBe(true);
  });
});
