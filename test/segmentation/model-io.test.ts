import { describe, expect, it } from 'vitest';
import { deeplabv3 } from '../../src/inference/segmenters/deeplabv3.ts';
import { ASPECT_MODES, fitGeometry, modelPlaneToGrid } from '../../src/inference/segmenters/fit.ts';
import { selfie } from '../../src/inference/segmenters/selfie.ts';
import { sinet } from '../../src/inference/segmenters/sinet.ts';
import { encodeInput, type SegmenterSpec } from '../../src/inference/segmenters/spec.ts';

/**
 * The fast model-edge kernels (row spans, per-axis tap tables) against the plain per-pixel definitions
 * they replace, on every aspect mode, both layouts and both channel orders, with odd sizes.
 */

function referenceEncode(
  spec: SegmenterSpec,
  region: Float32Array,
  dst: { x: number; y: number; width: number; height: number },
): Float32Array {
  const { inputWidth: w, inputHeight: h } = spec;
  const out = new Float32Array(w * h * 3);
  const order = spec.channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = x >= dst.x && y >= dst.y && x < dst.x + dst.width && y < dst.y + dst.height;
      const r = ((y - dst.y) * dst.width + (x - dst.x)) * 3;
      for (let c = 0; c < 3; c++) {
        const pixel = inside ? region[r + order[c]] : spec.pad[order[c]];
        const value = (pixel - spec.mean[c]) * spec.scale[c];
        if (spec.layout === 'nhwc') out[(y * w + x) * 3 + c] = value;
        else out[c * w * h + y * w + x] = value;
      }
    }
  return out;
}

function referenceBilinear(plane: Float32Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const top = plane[y0 * width + x0] * (1 - wx) + plane[y0 * width + x1] * wx;
  const bottom = plane[y1 * width + x0] * (1 - wx) + plane[y1 * width + x1] * wx;
  return top * (1 - wy) + bottom * wy;
}

function referenceToGrid(
  plane: Float32Array,
  g: ReturnType<typeof fitGeometry>,
  gridWidth: number,
  gridHeight: number,
  outside: number,
): Float32Array {
  const out = new Float32Array(gridWidth * gridHeight);
  const sx = g.dst.width / g.src.width;
  const sy = g.dst.height / g.src.height;
  for (let gy = 0; gy < gridHeight; gy++) {
    const my = g.dst.y + (((gy + 0.5) * g.frameHeight) / gridHeight - g.src.y) * sy - 0.5;
    for (let gx = 0; gx < gridWidth; gx++) {
      const mx = g.dst.x + (((gx + 0.5) * g.frameWidth) / gridWidth - g.src.x) * sx - 0.5;
      const unseen =
        mx < g.dst.x - 0.5 ||
        my < g.dst.y - 0.5 ||
        mx > g.dst.x + g.dst.width - 0.5 ||
        my > g.dst.y + g.dst.height - 0.5;
      out[gy * gridWidth + gx] = unseen
        ? outside
        : referenceBilinear(plane, g.modelWidth, g.modelHeight, mx, my);
    }
  }
  return out;
}

/** Deterministic values in [0, 1). */
const noise = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => (((Math.sin(i * 12.9898 + seed) * 43758.5453) % 1) + 1) % 1);

/** Index of the first element that differs (NaN never equals), or -1: fast on planes of ~100 k values. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) return i;
  return -1;
}

const frames = [
  [1280, 720],
  [720, 1280],
  [333, 197],
  [64, 64],
] as const;

describe('model input encoding', () => {
  for (const spec of [selfie, sinet, deeplabv3])
    for (const mode of ASPECT_MODES)
      it(`${spec.name} (${spec.layout}, ${spec.channelOrder}) ${mode}: equals the per-pixel definition`, () => {
        for (const [fw, fh] of frames) {
          const small = { ...spec, inputWidth: 37, inputHeight: 23 };
          const g = fitGeometry(fw, fh, small.inputWidth, small.inputHeight, mode);
          const region = noise(g.dst.width * g.dst.height * 3, fw).map((v) => v * 255);
          const out = new Float32Array(37 * 23 * 3).fill(Number.NaN); // every element must be written
          expect(
            firstDifference(encodeInput(small, region, g.dst, out), referenceEncode(small, region, g.dst)),
          ).toBe(-1);
        }
      });
});

describe('model output to the mask grid', () => {
  for (const mode of ASPECT_MODES)
    it(`${mode}: equals per-cell bilinear sampling, unseen cells get the outside value`, () => {
      for (const [fw, fh] of frames)
        for (const [mw, mh] of [
          [256, 256],
          [256, 144],
          [31, 17],
        ]) {
          const g = fitGeometry(fw, fh, mw, mh, mode);
          const plane = noise(mw * mh, mw + fh);
          const [gw, gh] = [Math.min(fw, 256), Math.round((Math.min(fw, 256) * fh) / fw)];
          const out = new Float32Array(gw * gh).fill(Number.NaN);
          const fast = modelPlaneToGrid(plane, g, gw, gh, -1, out);
          expect(firstDifference(fast, referenceToGrid(plane, g, gw, gh, -1))).toBe(-1);
        }
    });
});
