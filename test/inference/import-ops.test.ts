import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/inference/runtime.ts';
import { importTflite } from '../../src/inference/tflite/import.ts';
import { difference } from './fixtures/images.ts';
import { loadOracle } from './fixtures/oracle.ts';
import { buildTflite, type OperatorSpec, OptionsType, type TensorSpec } from './fixtures/tflite-builder.ts';

// Single-operator models written here, run on the TFLite 2.9 oracle and on ONNX Runtime after import:
// these pin the semantics that are easy to get subtly wrong (asymmetric SAME padding, resize
// coordinate modes, pooling at the border, axis mapping through the NCHW layout).

const INT32 = 2;
const [CONV_2D, DEPTHWISE, AVERAGE_POOL, MEAN, RESIZE_BILINEAR, RESIZE_NEAREST, MIRROR_PAD, TRANSPOSE_CONV] =
  [3, 4, 1, 40, 23, 97, 100, 67];

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/** The last imported model's bytes as text, to check which ONNX operators it uses. */
let lastOnnx = '';

async function compare(
  input: number[],
  consts: TensorSpec[],
  output: number[],
  op: Omit<OperatorSpec, 'inputs' | 'outputs'>,
  /** Operator inputs as indices into [x, ...consts] (default: that order). */
  order?: number[],
): Promise<number> {
  const tensors: TensorSpec[] = [{ name: 'x', shape: input }, ...consts, { name: 'y', shape: output }];
  const out = tensors.length - 1;
  const bytes = buildTflite({
    tensors,
    operators: [{ ...op, inputs: order ?? tensors.slice(0, -1).map((_, i) => i), outputs: [out] }],
    inputs: [0],
    outputs: [out],
  });
  const x = {
    data: seeded(
      input.reduce((a, b) => a * b, 1),
      7,
    ),
    dims: input,
  };
  const { max, onnxText } = await oracleVsImport(bytes, x);
  lastOnnx = onnxText;
  return max;
}

/** Runs a TFLite model on the oracle and, imported, on ONNX Runtime: the largest difference and the ONNX text. */
async function oracleVsImport(
  bytes: Uint8Array,
  x: { data: Float32Array; dims: number[] },
): Promise<{ max: number; onnxText: string; dims: readonly number[] }> {
  const expected = (await loadOracle(bytes, 1)).run([x]);
  const onnx = importTflite(bytes, { modelName: 'op-test' });
  const session = await createSession(onnx, { threads: 1 });
  const actual = (await session.run({ x }))[session.outputNames[0]];
  await session.release();
  expect(actual.dims).toEqual(expected.dims);
  return {
    max: difference(actual.data, expected.data).max,
    onnxText: new TextDecoder('latin1').decode(onnx),
    dims: actual.dims,
  };
}

const i32 = (name: string, values: number[], shape = [values.length]): TensorSpec => ({
  name,
  shape,
  type: INT32,
  data: Int32Array.from(values),
});
const f32 = (name: string, shape: number[], seed: number): TensorSpec => ({
  name,
  shape,
  data: seeded(
    shape.reduce((a, b) => a * b, 1),
    seed,
  ),
});
const fields = (type: number, values: [number, 'int32' | 'int8' | 'bool', number][]) => ({
  type,
  fields: values.map(([index, kind, value]) => ({ index, kind, value })),
});

describe('operator patterns the importer rewrites match the TFLite interpreter', () => {
  it('RESIZE_NEAREST 2x -> MIRROR_PAD 1 -> CONV_2D 3x3 (run at low resolution) and a same-size resize', async () => {
    const tensors: TensorSpec[] = [
      { name: 'x', shape: [1, 6, 5, 4] },
      i32('size', [12, 10]),
      { name: 'up', shape: [1, 12, 10, 4] },
      i32('pads', [0, 0, 1, 1, 1, 1, 0, 0], [4, 2]),
      { name: 'padded', shape: [1, 14, 12, 4] },
      f32('w', [3, 3, 3, 4], 11),
      f32('b', [3], 12),
      { name: 'conv', shape: [1, 12, 10, 3] },
      { name: 'y', shape: [1, 12, 10, 3] },
    ];
    const bytes = buildTflite({
      tensors,
      operators: [
        {
          builtin: RESIZE_NEAREST,
          inputs: [0, 1],
          outputs: [2],
          options: fields(OptionsType.ResizeNearestNeighborOptions, []),
        },
        {
          builtin: MIRROR_PAD,
          inputs: [2, 3],
          outputs: [4],
          options: fields(OptionsType.MirrorPadOptions, []),
        },
        {
          builtin: CONV_2D,
          inputs: [4, 5, 6],
          outputs: [7],
          options: fields(OptionsType.Conv2DOptions, [
            [0, 'int8', 1],
            [1, 'int32', 1],
            [2, 'int32', 1],
            [3, 'int8', 1],
          ]),
        },
        {
          builtin: RESIZE_NEAREST,
          inputs: [7, 1],
          outputs: [8],
          options: fields(OptionsType.ResizeNearestNeighborOptions, []),
        },
      ],
      inputs: [0],
      outputs: [8],
    });
    const { max, onnxText } = await oracleVsImport(bytes, {
      data: seeded(6 * 5 * 4, 13),
      dims: [1, 6, 5, 4],
    });
    expect(onnxText).toContain('ConvTranspose');
    expect(onnxText).not.toContain('Resize');
    expect(max).toBeLessThan(1e-5);
  });
});

describe('the squeeze-excitation rewrite (gate expanded before its Mul)', () => {
  const [LOGISTIC, MUL] = [14, 18];
  const MUL_OPTIONS = 21;
  for (const gateFirst of [false, true])
    it(`MEAN -> LOGISTIC -> MUL by the map (fused RELU, gate as input ${gateFirst ? 0 : 1}) matches TFLite`, async () => {
      const tensors: TensorSpec[] = [
        { name: 'x', shape: [1, 5, 6, 16] },
        i32('axes', [1, 2]),
        { name: 'squeezed', shape: [1, 1, 1, 16] },
        { name: 'gate', shape: [1, 1, 1, 16] },
        { name: 'y', shape: [1, 5, 6, 16] },
      ];
      const bytes = buildTflite({
        tensors,
        operators: [
          {
            builtin: MEAN,
            inputs: [0, 1],
            outputs: [2],
            options: fields(OptionsType.ReducerOptions, [[0, 'bool', 1]]),
          },
          { builtin: LOGISTIC, inputs: [2], outputs: [3] },
          {
            builtin: MUL,
            inputs: gateFirst ? [3, 0] : [0, 3],
            outputs: [4],
            options: fields(MUL_OPTIONS, [[0, 'int8', 1]]),
          },
        ],
        inputs: [0],
        outputs: [4],
      });
      const { max, onnxText } = await oracleVsImport(bytes, {
        data: seeded(5 * 6 * 16, 21),
        dims: [1, 5, 6, 16],
      });
      expect(onnxText).toContain('Resize'); // the gate was expanded
      expect(max).toBeLessThan(1e-5);
    });
});

describe('the first-layer rewrite (wide conv -> reflect pad -> stride-2 conv) on a space-to-depth view', () => {
  it('CONV_2D 7x7 (fused RELU) -> MIRROR_PAD 1 -> CONV_2D 3x3 stride 2 matches TFLite, with no full-size tensor', async () => {
    const conv = (stride: number, fused: number) =>
      fields(OptionsType.Conv2DOptions, [
        [0, 'int8', 1],
        [1, 'int32', stride],
        [2, 'int32', stride],
        [3, 'int8', fused],
      ]);
    const tensors: TensorSpec[] = [
      { name: 'x', shape: [1, 20, 26, 3] },
      f32('w1', [8, 7, 7, 3], 21),
      f32('b1', [8], 22),
      { name: 'wide', shape: [1, 14, 20, 8] },
      i32('pads', [0, 0, 1, 1, 1, 1, 0, 0], [4, 2]),
      { name: 'padded', shape: [1, 16, 22, 8] },
      f32('w2', [5, 3, 3, 8], 23),
      f32('b2', [5], 24),
      { name: 'y', shape: [1, 7, 10, 5] },
    ];
    const bytes = buildTflite({
      tensors,
      operators: [
        { builtin: CONV_2D, inputs: [0, 1, 2], outputs: [3], options: conv(1, 1) },
        {
          builtin: MIRROR_PAD,
          inputs: [3, 4],
          outputs: [5],
          options: fields(OptionsType.MirrorPadOptions, []),
        },
        { builtin: CONV_2D, inputs: [5, 6, 7], outputs: [8], options: conv(2, 1) },
      ],
      inputs: [0],
      outputs: [8],
    });
    const { max, onnxText, dims } = await oracleVsImport(bytes, {
      data: seeded(20 * 26 * 3, 25),
      dims: [1, 20, 26, 3],
    });
    expect(onnxText).toContain('SpaceToDepth');
    expect(onnxText).not.toContain('ConvTranspose'); // the full-resolution 8-channel tensor is never built
    expect(dims).toEqual([1, 7, 10, 5]);
    expect(max).toBeLessThan(1e-4);
  });
});

describe('single TFLite operators match the TFLite interpreter after import', () => {
  it('CONV_2D SAME with stride 2 on odd sizes (asymmetric padding) and fused RELU6', async () => {
    const max = await compare([1, 8, 7, 3], [f32('w', [4, 3, 3, 3], 1), f32('b', [4], 2)], [1, 4, 4, 4], {
      builtin: CONV_2D,
      options: fields(OptionsType.Conv2DOptions, [
        [1, 'int32', 2],
        [2, 'int32', 2],
        [3, 'int8', 3],
      ]),
    });
    expect(max).toBeLessThan(1e-5);
  });

  it('CONV_2D SAME with an even 2x2 kernel (padding only after)', async () => {
    const max = await compare([1, 5, 6, 2], [f32('w', [3, 2, 2, 2], 3), f32('b', [3], 4)], [1, 5, 6, 3], {
      builtin: CONV_2D,
      options: fields(OptionsType.Conv2DOptions, [
        [1, 'int32', 1],
        [2, 'int32', 1],
      ]),
    });
    expect(max).toBeLessThan(1e-5);
  });

  it('CONV_2D with 3 outputs and a 5x5 kernel is computed through SpaceToDepth and still exact', async () => {
    const max = await compare(
      [1, 130, 128, 4],
      [f32('w', [3, 5, 5, 4], 7), f32('b', [3], 8)],
      [1, 126, 124, 3],
      {
        builtin: CONV_2D,
        options: fields(OptionsType.Conv2DOptions, [
          [0, 'int8', 1],
          [1, 'int32', 1],
          [2, 'int32', 1],
        ]),
      },
    );
    expect(lastOnnx).toContain('SpaceToDepth');
    expect(max).toBeLessThan(1e-4);
  });

  for (const [label, padding, output] of [
    ['SAME', 0, [1, 10, 12, 3]],
    ['VALID', 1, [1, 11, 13, 3]],
  ] as const) {
    it(`TRANSPOSE_CONV ${label}, stride 2, 3x3`, async () => {
      const shape = i32('output_shape', [...output]);
      const max = await compare(
        [1, 5, 6, 2],
        [shape, f32('w', [3, 3, 3, 2], 9)],
        [...output],
        {
          builtin: TRANSPOSE_CONV,
          options: fields(OptionsType.TransposeConvOptions, [
            [0, 'int8', padding],
            [1, 'int32', 2],
            [2, 'int32', 2],
          ]),
        },
        [1, 2, 0],
      );
      expect(max).toBeLessThan(1e-5);
    });
  }

  it('DEPTHWISE_CONV_2D with depth multiplier 2, stride 2', async () => {
    const max = await compare([1, 7, 7, 3], [f32('w', [1, 3, 3, 6], 5), f32('b', [6], 6)], [1, 4, 4, 6], {
      builtin: DEPTHWISE,
      options: fields(OptionsType.DepthwiseConv2DOptions, [
        [1, 'int32', 2],
        [2, 'int32', 2],
        [3, 'int32', 2],
      ]),
    });
    expect(max).toBeLessThan(1e-5);
  });

  it('AVERAGE_POOL_2D SAME ignores padded cells at the border', async () => {
    const max = await compare([1, 7, 6, 2], [], [1, 4, 3, 2], {
      builtin: AVERAGE_POOL,
      options: fields(OptionsType.Pool2DOptions, [
        [1, 'int32', 2],
        [2, 'int32', 2],
        [3, 'int32', 3],
        [4, 'int32', 3],
      ]),
    });
    expect(max).toBeLessThan(1e-5);
  });

  it('MEAN over H and W without keep_dims', async () => {
    const max = await compare([1, 5, 4, 3], [i32('axes', [1, 2])], [1, 3], { builtin: MEAN });
    expect(max).toBeLessThan(1e-5);
  });

  it('MIRROR_PAD REFLECT with uneven pads', async () => {
    const pads = i32('pads', [0, 0, 2, 1, 1, 2, 0, 0], [4, 2]);
    const max = await compare([1, 4, 5, 2], [pads], [1, 7, 8, 2], {
      builtin: MIRROR_PAD,
      options: fields(OptionsType.MirrorPadOptions, []),
    });
    expect(max).toBeLessThan(1e-6);
  });

  for (const [label, alignCorners, halfPixel] of [
    ['plain', 0, 0],
    ['align_corners', 1, 0],
    ['half_pixel_centers', 0, 1],
  ] as const) {
    it(`RESIZE_BILINEAR ${label}, non-integer scale`, async () => {
      const max = await compare([1, 5, 4, 2], [i32('size', [9, 7])], [1, 9, 7, 2], {
        builtin: RESIZE_BILINEAR,
        options: fields(OptionsType.ResizeBilinearOptions, [
          [2, 'bool', alignCorners],
          [3, 'bool', halfPixel],
        ]),
      });
      expect(max).toBeLessThan(1e-5);
    });

    it(`RESIZE_NEAREST_NEIGHBOR ${label}, non-integer scale`, async () => {
      const max = await compare([1, 5, 4, 2], [i32('size', [9, 7])], [1, 9, 7, 2], {
        builtin: RESIZE_NEAREST,
        options: fields(OptionsType.ResizeNearestNeighborOptions, [
          [0, 'bool', alignCorners],
          [1, 'bool', halfPixel],
        ]),
      });
      expect(max).toBeLessThan(1e-6);
    });
  }
});
