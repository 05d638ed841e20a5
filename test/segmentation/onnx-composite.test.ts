import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/inference/runtime.ts';
import { compositeRows } from '../../src/pipeline/composite/kernels.ts';
import { buildCompositeGraph } from '../../src/pipeline/composite/onnx-composite.ts';

/** The ONNX composite graph (measured against the JS kernel in the bench) computes the same picture. */
describe('composite as an ONNX graph', () => {
  it('matches the JS kernel within rounding', async () => {
    const [w, h, gw, gh] = [24, 12, 6, 3];
    let seed = 1;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const frame = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
    const a = new Float32Array(gw * gh).map(() => rand() * 2 - 1);
    const b = new Float32Array(gw * gh).map(() => rand());
    const bg = new Uint8Array(gw * gh * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
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
        mode: 'blend',
        foreground: { kind: 'frame' },
        background: { kind: 'image', data: bg, width: gw, height: gh },
      },
      0,
      h,
    );
    const planar = (rgba: Uint8Array, n: number) => {
      const f = new Float32Array(3 * n);
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) f[c * n + i] = rgba[i * 4 + c];
      return f;
    };
    const session = await createSession(
      buildCompositeGraph(w, h, { width: gw, height: gh }, { width: gw, height: gh }),
      {
        isolation: 'inline',
      },
    );
    try {
      const result = await session.run({
        rgb: { data: planar(frame, w * h), dims: [1, 3, h, w] },
        coeff_a: { data: a, dims: [1, 1, gh, gw] },
        coeff_b: { data: b, dims: [1, 1, gh, gw] },
        background: { data: planar(bg, gw * gh), dims: [1, 3, gh, gw] },
      });
      let worst = 0;
      for (let i = 0; i < w * h; i++)
        for (let c = 0; c < 3; c++)
          worst = Math.max(worst, Math.abs(result.out.data[c * w * h + i] - out[i * 4 + c]));
      expect(worst).toBeLessThanOrEqual(1.5);
    } finally {
      await session.release();
    }
  });
});
