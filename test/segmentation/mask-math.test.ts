import { describe, expect, it } from 'vitest';
import { MaskSettings } from '../../src/config/schema.ts';
import { loadPixelSimd } from '../../src/core/simd/pixel-simd.ts';
import { boxBlur, boxMeanInto } from '../../src/pipeline/mask/box-filter.ts';
import { guidedCoefficients } from '../../src/pipeline/mask/guided.ts';
import { removeSmallIslands } from '../../src/pipeline/mask/islands.ts';
import { ScratchPlanes } from '../../src/pipeline/mask/scratch.ts';
import { finishMask, GUIDED_EPSILON, GUIDED_RADIUS, MaskSmoother } from '../../src/pipeline/mask/smoother.ts';
import { binaryIou, meanAbsDiff } from '../../src/pipeline/mask/stability.ts';
import {
  emaThenThreshold,
  f32AtLeast,
  hysteresisThreshold,
  motionAdaptiveEma,
  motionMap,
  psnr,
  stillRate,
} from '../../src/pipeline/mask/temporal.ts';

const plane = (w: number, h: number, f: (x: number, y: number) => number) => {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
};

describe('boxBlur', () => {
  it('keeps a constant plane and averages a window with clamped edges', () => {
    const flat = boxBlur(new Float32Array(20).fill(0.25), 5, 4, 2);
    for (const v of flat) expect(v).toBeCloseTo(0.25, 6);
    const impulse = new Float32Array(25);
    impulse[12] = 9;
    const out = boxBlur(impulse, 5, 5, 1);
    expect(out[12]).toBeCloseTo(1, 6); // 9 / (3*3)
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[6]).toBeCloseTo(1, 6);
    // Corner window has 2x2 pixels inside the plane.
    const corner = new Float32Array(25);
    corner[0] = 4;
    expect(boxBlur(corner, 5, 5, 1)[0]).toBeCloseTo(1, 6);
  });

  it('equals the mean over each clamped window for any size and radius (edge spans included)', () => {
    for (const [w, h, r] of [
      [1, 1, 1],
      [3, 7, 1],
      [7, 3, 2],
      [16, 9, 3],
      [9, 16, 8],
      [5, 4, 20],
      [40, 30, 2],
    ]) {
      const src = Float32Array.from({ length: w * h }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
      const out = boxBlur(src, w, h, r);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let sum = 0;
          let count = 0;
          for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
            for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++, count++)
              sum += src[yy * w + xx];
          expect(out[y * w + x]).toBeCloseTo(sum / count, 5);
        }
    }
  });
});

describe('removeSmallIslands', () => {
  it('clears small person blobs and fills small enclosed holes, keeps big regions and border background', () => {
    const w = 12;
    const h = 12;
    const mask = new Uint8Array(w * h);
    for (let y = 2; y < 10; y++) for (let x = 2; x < 8; x++) mask[y * w + x] = 1; // big person 6x8
    mask[5 * w + 4] = 0; // 1-pixel hole inside
    mask[0 * w + 11] = 1; // 1-pixel speck in a corner
    const changed = removeSmallIslands(mask, w, h, 4);
    expect(changed).toBe(2);
    expect(mask[5 * w + 4]).toBe(1);
    expect(mask[11]).toBe(0);
    expect(mask[3 * w + 3]).toBe(1);
    expect(mask[0]).toBe(0); // border background stays background
  });

  it('finds the same components as a per-pixel flood fill on random masks', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let flipped = 0;
    for (let trial = 0; trial < 60; trial++) {
      const w = 1 + Math.floor(random() * 40);
      const h = 1 + Math.floor(random() * 30);
      const density = random();
      // Blocky noise (cells of 1-3 pixels) makes blobs of many sizes, holes and border contacts.
      const cell = 1 + Math.floor(random() * 3);
      const cells = Array.from({ length: Math.ceil(w / cell) * Math.ceil(h / cell) }, () =>
        random() < density ? 1 : 0,
      );
      const mask = Uint8Array.from({ length: w * h }, (_, i) => {
        const x = Math.floor((i % w) / cell);
        const y = Math.floor(Math.floor(i / w) / cell);
        return cells[y * Math.ceil(w / cell) + x];
      });
      const minArea = 2 + Math.floor(random() * 12);
      const expected = Uint8Array.from(mask);
      const expectedChanged = floodFillIslands(expected, w, h, minArea);
      const changed = removeSmallIslands(mask, w, h, minArea);
      expect([changed, [...mask]]).toEqual([expectedChanged, [...expected]]);
      flipped += changed;
    }
    expect(flipped).toBeGreaterThan(100); // the trials did exercise removal
  });
});

/** The definition: per-pixel 4-connected flood fill over the original mask, then flip small ones. */
function floodFillIslands(mask: Uint8Array, width: number, height: number, minArea: number): number {
  const labels = new Int32Array(mask.length).fill(-1);
  let changed = 0;
  for (let startPixel = 0; startPixel < mask.length; startPixel++) {
    if (labels[startPixel] !== -1) continue;
    const value = mask[startPixel];
    const members: number[] = [];
    const stack = [startPixel];
    labels[startPixel] = 1;
    let touchesBorder = false;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      members.push(p);
      const x = p % width;
      const y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesBorder = true;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1];
      neighbours.push(y < height - 1 ? p + width : -1);
      for (const q of neighbours)
        if (q >= 0 && labels[q] === -1 && mask[q] === value) {
          labels[q] = 1;
          stack.push(q);
        }
    }
    const small = members.length < minArea;
    if (value === 1 ? small : small && !touchesBorder) {
      for (const p of members) mask[p] = value === 1 ? 0 : 1;
      changed += members.length;
    }
  }
  return changed;
}

describe('temporal steps', () => {
  it('hysteresis keeps the previous state inside the band and switches outside it', () => {
    const p = Float32Array.from([0.55, 0.45, 0.7, 0.3, 0.5]);
    const prev = Uint8Array.from([0, 1, 0, 1, 1]);
    expect([...hysteresisThreshold(p, prev, 0.5, 0.1)]).toEqual([0, 1, 1, 0, 1]);
    expect([...hysteresisThreshold(p, undefined, 0.5, 0.1)]).toEqual([1, 0, 1, 0, 1]);
    expect([...hysteresisThreshold(p, prev, 0.5, 0)]).toEqual([1, 0, 1, 0, 1]);
  });

  it('EMA follows at once where the picture moves and slowly where it is still', () => {
    const prev = new Float32Array([0, 0]);
    const cur = new Float32Array([1, 1]);
    const out = motionAdaptiveEma(prev, cur, Float32Array.from([0, 1]), 0.7);
    expect(out[0]).toBeCloseTo(stillRate(0.7), 5);
    expect(out[1]).toBeCloseTo(1, 5);
    expect(stillRate(0)).toBe(1);
  });

  it('EMA then hysteresis in WebAssembly gives the same planes as the JavaScript steps, bit for bit', () => {
    const simd = loadPixelSimd();
    expect(simd).toBeDefined();
    const n = 1001; // not a multiple of 4: the padded tail must not leak into the results
    // Values on and one f32 step either side of every threshold, and random ones.
    const f32Near = (v: number) => [
      Math.fround(v),
      f32AtLeast(v),
      Math.fround(Math.fround(v) * (1 - 2 ** -23)),
    ];
    const special = [0.5, 0.58, 0.42, 0.3, 0.7, 0.05, -0.03, 0.13].flatMap(f32Near);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const planeOf = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
    for (let trial = 0; trial < 40; trial++) {
      const current = planeOf((i) => (i % 3 === 0 ? special[(i + trial) % special.length] : random()));
      const previous = planeOf(() => random());
      const motion = planeOf((i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 1 : random()));
      const previousBinary = Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      const settings = {
        temporalSmoothing: [0, 0.7, 1, 0.35][trial % 4],
        threshold: [0.5, 0.3, 0.05, 0.13][trial % 4],
        band: [0.08, 0, 0.08, 0.12][(trial >> 2) % 4],
      };
      const withEma = trial % 3 !== 0;
      const keep = trial % 2 === 0;
      const run = (engine?: typeof simd) =>
        emaThenThreshold(
          {
            previous: withEma ? previous : undefined,
            current,
            motion: withEma ? motion : undefined,
            previousBinary: keep ? previousBinary : undefined,
            smoothedOut: new Float32Array(n),
            binaryOut: new Uint8Array(n),
          },
          settings,
          engine,
        );
      const js = run();
      const wasm = run(simd);
      expect(Buffer.compare(Buffer.from(wasm.smoothed.buffer), Buffer.from(js.smoothed.buffer))).toBe(0);
      expect(Buffer.compare(wasm.binary, js.binary)).toBe(0);
      expect(wasm.smoothed === current).toBe(!withEma);
    }
  });

  it('f32AtLeast is the smallest f32 at or above a number', () => {
    for (const v of [0.58, 0.42, -0.03, 0.5, 0, 1e-40, -1e-40, 0.1]) {
      const f = f32AtLeast(v);
      expect(Math.fround(f)).toBe(f);
      expect(f).toBeGreaterThanOrEqual(v);
      // One f32 step below is below v.
      const below = new Float32Array([f]);
      const word = new Int32Array(below.buffer);
      if (f > 0) word[0] -= 1;
      else if (f < 0) word[0] += 1;
      else below[0] = -1e-45;
      expect(below[0]).toBeLessThan(v);
    }
  });

  it('motion map is 0 for identical guides and saturates for a big change', () => {
    const a = plane(16, 16, () => 0.5);
    expect(Math.max(...motionMap(a, a, 16, 16))).toBe(0);
    const b = plane(16, 16, () => 0.9);
    expect(Math.min(...motionMap(b, a, 16, 16))).toBe(1);
  });

  it('psnr is infinite for equal planes and ~20 dB for a 0.1 offset', () => {
    const a = new Float32Array(64).fill(0.3);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(a, new Float32Array(64).fill(0.4))).toBeCloseTo(20, 3);
  });
});

describe('guided filter coefficients', () => {
  it('snap a blurry mask edge to the guide edge', () => {
    const w = 32;
    const h = 8;
    const guide = plane(w, h, (x) => (x < 16 ? 0.1 : 0.9)); // sharp edge at x = 16
    const blurry = plane(w, h, (x) => Math.min(1, Math.max(0, (x - 12) / 8))); // ramp 12..20
    const { a, b } = guidedCoefficients(guide, blurry, w, h, 2, 1e-4);
    const q = (x: number) => a[4 * w + x] * guide[4 * w + x] + b[4 * w + x];
    // Either side of the guide's edge, the output is further from 0.5 than the blurry input.
    expect(q(14)).toBeLessThan(blurry[4 * w + 14]);
    expect(q(17)).toBeGreaterThan(blurry[4 * w + 17]);
    // A flat guide region gives back the mask's local mean (A ~ 0).
    expect(Math.abs(a[4 * w + 3])).toBeLessThan(1e-3);
  });
});

describe('MaskSmoother', () => {
  const settings = MaskSettings.parse({});
  it('a motion map prepared ahead of step() (while the model runs) gives the same masks', () => {
    const [w, h] = [40, 30];
    const ahead = new MaskSmoother(settings);
    const inline = new MaskSmoother(settings);
    for (let t = 0; t < 12; t++) {
      // A person-ish blob that moves, over a guide that moves with it; a fresh guide plane each frame.
      const p = plane(w, h, (x, y) => (Math.hypot(x - 12 - t, y - 15) < 8 ? 0.9 : 0.1));
      const guide = plane(w, h, (x, y) => ((x + t) % 7) / 7 + (Math.hypot(x - 12 - t, y - 15) < 8 ? 0.2 : 0));
      ahead.prepare(guide, w, h);
      const a = ahead.step(p, guide, w, h);
      const b = inline.step(p, guide, w, h);
      expect([...a.alpha]).toEqual([...b.alpha]);
      expect([...a.coefficients.a]).toEqual([...b.coefficients.a]);
    }
    // A prepared map for another guide plane is not used.
    const other = plane(w, h, () => 0.3);
    ahead.prepare(other, w, h);
    const guide = plane(w, h, () => 0.9);
    const p = plane(w, h, () => 0.8);
    expect([...ahead.step(p, guide, w, h).alpha]).toEqual([...inline.step(p, guide, w, h).alpha]);
  });

  it('turns a noisy repeated estimate into a steadier mask than the per-frame one', () => {
    const w = 64;
    const h = 48;
    const guide = plane(w, h, () => 0.5);
    const on = new MaskSmoother(settings);
    const off = new MaskSmoother({ ...settings, temporalSmoothing: 0 });
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    let prevOn: Float32Array | undefined;
    let prevOff: Float32Array | undefined;
    let changeOn = 0;
    let changeOff = 0;
    for (let t = 0; t < 30; t++) {
      // A band of edge columns whose probability jitters around the threshold from frame to frame.
      const jitter = Array.from({ length: w }, () => 0.5 + noise() * 0.4);
      const p = plane(w, h, (x) => (Math.abs(x - 32) < 4 ? jitter[x] : x < 32 ? 0.9 : 0.1));
      const aOn = on.step(p, guide, w, h).alpha;
      const aOff = off.step(p, guide, w, h).alpha;
      if (prevOn && prevOff) {
        changeOn += meanAbsDiff(aOn, prevOn);
        changeOff += meanAbsDiff(aOff, prevOff);
      }
      prevOn = aOn;
      prevOff = aOff;
      expect(binaryIou(aOn, aOff)).toBeGreaterThan(0.8);
    }
    expect(changeOff).toBeGreaterThan(0);
    expect(changeOn).toBeLessThan(changeOff * 0.5);
  });

  it('finishMask in one WebAssembly call gives the floats of its steps run one by one (SIMD box means, guided filter), and the JavaScript ones to 1e-5', () => {
    const simd = loadPixelSimd();
    expect(simd).toBeDefined();
    for (const [w, h, smoothContour, feather] of [
      [37, 23, 0.5, 0.3],
      [64, 36, 1, 0],
      [31, 17, 0, 0.5],
      [256, 144, 0.5, 0.3],
    ]) {
      const settings = { smoothContour, feather };
      // A blob with a ragged edge and specks (islands, contour and feather all have work).
      const binary = Uint8Array.from({ length: w * h }, (_, i) => {
        const [x, y] = [i % w, Math.floor(i / w)];
        const d = Math.hypot(x - w / 2, (y - h / 2) * 1.5) + 2 * Math.sin(x * 1.7 + y * 0.9);
        return d < Math.min(w, h) / 2.5 || (x * 7 + y * 13) % 29 === 0 ? 1 : 0;
      });
      const guide = plane(w, h, (x, y) => ((x * 3 + y * 5) % 11) / 11);
      const fused = finishMask(binary.slice(), guide, w, h, settings, new ScratchPlanes(), simd);
      // The same steps one by one: islands, majority, feather in SIMD box means, then the guided filter.
      const n = w * h;
      const scratch = new ScratchPlanes();
      const mask = binary.slice();
      removeSmallIslands(mask, w, h, Math.round(smoothContour * 0.01 * n), scratch);
      let work = Float32Array.from(mask);
      const contour = Math.round(smoothContour * 2);
      if (contour > 0)
        work = boxMeanInto(work, w, h, contour, new Float32Array(n), scratch, simd).map((m) =>
          m >= 0.5 ? 1 : 0,
        );
      const featherRadius = Math.round(feather * 4);
      const alpha =
        featherRadius > 0 ? boxMeanInto(work, w, h, featherRadius, new Float32Array(n), scratch, simd) : work;
      const steps = guidedCoefficients(guide, alpha, w, h, GUIDED_RADIUS, GUIDED_EPSILON, scratch, simd);
      expect(fused.alpha).toEqual(alpha);
      expect(fused.coefficients.a).toEqual(steps.a);
      expect(fused.coefficients.b).toEqual(steps.b);
      const js = finishMask(binary.slice(), guide, w, h, settings);
      const pairs = [
        [fused.alpha, js.alpha],
        [fused.coefficients.a, js.coefficients.a],
        [fused.coefficients.b, js.coefficients.b],
      ];
      const worst = Math.max(...pairs.map(([x, y]) => Math.max(...x.map((v, k) => Math.abs(v - y[k])))));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('hands out its result planes in turn (no fresh planes per frame) with the same values as fresh ones', () => {
    const [w, h] = [48, 32];
    const settings = MaskSettings.parse({ temporalSmoothing: 0 });
    const simd = loadPixelSimd();
    const smoother = new MaskSmoother(settings, simd);
    const guide = plane(w, h, (x, y) => ((x + y) % 7) / 7);
    const estimates = [10, 20, 30].map((edge) => plane(w, h, (x) => (x < edge ? 0.9 : 0.1)));
    const results = estimates.map((p) => {
      const r = smoother.step(p, guide, w, h);
      return { r, alpha: r.alpha.slice(), a: r.coefficients.a.slice() };
    });
    // Frame 2 may be compared with frame 1 (its planes are other ones); frame 3 reuses frame 1's.
    expect(results[1].r.alpha).not.toBe(results[0].r.alpha);
    expect(results[2].r.alpha).toBe(results[0].r.alpha);
    expect(results[2].r.coefficients.a).toBe(results[0].r.coefficients.a);
    for (const [i, p] of estimates.entries()) {
      const binary = hysteresisThreshold(p, undefined, settings.threshold, 0);
      const fresh = finishMask(binary, guide, w, h, settings, new ScratchPlanes(), simd);
      expect(results[i].alpha).toEqual(fresh.alpha);
      expect(results[i].a).toEqual(fresh.coefficients.a);
    }
  });
});
