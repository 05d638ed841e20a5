import type { ConvertContext } from '../context.ts';
import type { UpsampleConvMatch } from '../fuse-upsample-conv.ts';
import { transposeData } from '../tensor-data.ts';
import { emitPhasesToSpace, phaseChannel } from './phases.ts';

/**
 * conv3x3(reflectpad1(upsample2x(x))) computed at x's resolution.
 *
 * With U = nearest 2x upsample, reflect padding by one of U equals U of x edge-padded by one (cropped):
 * P[r] = x[clamp(floor(r / 2))]. Output row 2Y+py then reads x rows (in the edge-padded E):
 *   py = 0: E[Y] with W[0], E[Y+1] with W[1] + W[2];  py = 1: E[Y+1] with W[0] + W[1], E[Y+2] with W[2]
 * (columns alike). So one 3x3 conv over E with 4*O outputs (one per phase) and phases to space.
 */
const TAPS: number[][][] = [
  [[0], [1, 2], []], // phase 0: E row offsets 0, 1, 2 take these kernel rows
  [[], [0, 1], [2]], // phase 1
];

export function convertUpsampleConv(ctx: ConvertContext, match: UpsampleConvMatch): void {
  const x = ctx.valueOf(match.x);
  if (x?.kind !== 'tensor' || x.shape.length !== 4)
    ctx.unsupported('upsamples a value that is not available');
  const [n, h, w, c] = x.shape;
  const weight = ctx.requireConst(1, 'filter');
  const [outC] = weight.shape;
  const oihw = transposeData(weight.data, weight.shape, [0, 3, 1, 2]);
  const w2 = new Float32Array(4 * outC * c * 9);
  for (let py = 0; py < 2; py++)
    for (let px = 0; px < 2; px++)
      for (let o = 0; o < outC; o++)
        for (let ci = 0; ci < c; ci++)
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              let sum = 0;
              for (const ky of TAPS[py][i])
                for (const kx of TAPS[px][j]) sum += oihw[((o * c + ci) * 3 + ky) * 3 + kx];
              w2[((phaseChannel(o, py * 2 + px) * c + ci) * 3 + i) * 3 + j] = sum;
            }
  const padded = ctx.g.add('Pad', [ctx.onnxName(x), ctx.g.addInt64s('pads', [0, 0, 1, 1, 0, 0, 1, 1])], {
    mode: 'edge',
  });
  const inputs = [padded, ctx.g.addInitializer('upconv_w', w2, [4 * outC, c, 3, 3])];
  if (ctx.hasInput(2)) {
    const bias = ctx.requireConst(2, 'bias').data;
    inputs.push(
      ctx.g.addInitializer(
        'upconv_b',
        Float32Array.from({ length: 4 * outC }, (_, k) => bias[Math.floor(k / 4)]),
        [4 * outC],
      ),
    );
  }
  const conv = ctx.g.add('Conv', inputs, { kernel_shape: [3, 3], pads: [0, 0, 0, 0] });
  const y = emitPhasesToSpace(ctx, conv, outC);
  ctx.output(0, ctx.activation(y, ctx.options?.int8(3) ?? 0), [n, 2 * h, 2 * w, outC]);
}
