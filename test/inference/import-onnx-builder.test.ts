import { describe, expect, it } from 'vitest';
import { float, OnnxGraphBuilder } from '../../src/inference/onnx/graph-builder.ts';
import { createSession } from '../../src/inference/runtime.ts';

describe('OnnxGraphBuilder', () => {
  it('builds a small pixel graph that ONNX Runtime runs: y = clip(x * 2 + bias, 0, 1), NHWC -> NCHW', async () => {
    const g = new OnnxGraphBuilder({ name: 'pixels' });
    const x = g.addInput('x', [1, 2, 2, 3]);
    const nchw = g.add('Transpose', [x], { perm: [0, 3, 1, 2] });
    const scaled = g.add('Mul', [nchw, g.addFloats('two', [2], [])]);
    const biased = g.add('Add', [
      scaled,
      g.addInitializer('bias', Float32Array.of(0.1, -0.5, 0), [1, 3, 1, 1]),
    ]);
    const clipped = g.addNode(
      'Clip',
      [biased, g.addFloats('lo', [0], []), g.addFloats('hi', [1], [])],
      ['y'],
    )[0];
    g.addOutput(clipped, [1, 3, 2, 2]);
    const session = await createSession(g.toBytes(), { threads: 1 });
    const input = Float32Array.from({ length: 12 }, (_, i) => i / 20);
    const { y } = await session.run({ x: { data: input, dims: [1, 2, 2, 3] } });
    await session.release();
    expect(y.dims).toEqual([1, 3, 2, 2]);
    const expected = [0, 1, 2].flatMap((c) =>
      [0, 1, 2, 3].map((p) => Math.min(Math.max(input[p * 3 + c] * 2 + [0.1, -0.5, 0][c], 0), 1)),
    );
    expect(Array.from(y.data)).toEqual(expected.map((v) => Math.fround(v)));
  });

  it('makes unique names and typed attributes (float vs int)', () => {
    const g = new OnnxGraphBuilder();
    expect(g.unique('a')).toBe('a');
    expect(g.unique('a')).not.toBe('a');
    const [out] = g.addNode('LeakyRelu', ['x'], 1, { alpha: float(0.2) });
    expect(out).toMatch(/^leakyrelu/);
    expect(() => g.addInitializer('bad', new Float32Array(3), [2, 2])).toThrow(/3 values for dims \[2,2\]/);
  });
});
