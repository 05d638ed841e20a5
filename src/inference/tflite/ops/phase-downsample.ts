import type { ConvertContext } from '../context.ts';
import type { PhaseDownsampleMatch } from '../fuse-phase-downsample.ts';
import { transposeData } from '../tensor-data.ts';
import { emitSpaceToDepthPhases } from './narrow-conv.ts';
import { phaseChannel } from './phases.ts';

/**
 * conv3x3_stride2(reflectpad1(A)) where A = wide conv of x, computed from A's phases.
 *
 * A's output row 2Y+p is phase p's row Y. The stride-2 conv's output row Y reads padded rows
 * 2Y-1, 2Y, 2Y+1 of A: phase 1 row Y-1 (kernel row 0), phase 0 row Y (row 1), phase 1 row Y (row 2).
 * Reflect padding only shows at the top: A row -1 is A row 1, i.e. phase 1 row 0, which is what an
 * edge pad of the phases by one row on top gives. So: phases edge-padded top/left by one, then a 2x2
 * conv whose tap (t, p) takes kernel row TAP[t][p] (columns alike; -1 = nothing).
 */
const TAP = [
  [-1, 0], // tap 0 (phase row Y-1): only phase 1, kernel row 0
  [1, 2], // tap 1 (phase row Y): phase 0 -> kernel row 1, phase 1 -> kernel row 2
];

export function convertPhaseDownsample(ctx: ConvertContext, match: PhaseDownsampleMatch): void {
  const second = ctx.op;
  ctx.begin(ctx.subgraph.operators[match.first]);
  const [n, h, w, inC] = ctx.shapeOf(0);
  const firstWeight = ctx.requireConst(1, 'filter');
  const [midC, k] = firstWeight.shape;
  const firstFused = ctx.options?.int8(3) ?? 0;
  const phases = emitSpaceToDepthPhases(ctx, ctx.name(0), {
    weight: toFloat(transposeData(firstWeight.data, firstWeight.shape, [0, 3, 1, 2])),
    bias: ctx.hasInput(2) ? toFloat(ctx.requireConst(2, 'bias').data) : undefined,
    outC: midC,
    inC,
    kernel: [k, k],
  });
  const activated = ctx.activation(phases, firstFused);

  ctx.begin(second);
  const weight = ctx.requireConst(1, 'filter');
  const [outC] = weight.shape;
  const oihw = toFloat(transposeData(weight.data, weight.shape, [0, 3, 1, 2]));
  const w2 = new Float32Array(outC * 4 * midC * 4);
  for (let o = 0; o < outC; o++)
    for (let py = 0; py < 2; py++)
      for (let px = 0; px < 2; px++)
        for (let c = 0; c < midC; c++)
          for (let ty = 0; ty < 2; ty++)
            for (let tx = 0; tx < 2; tx++) {
              const [ky, kx] = [TAP[ty][py], TAP[tx][px]];
              if (ky < 0 || kx < 0) continue;
              w2[((o * 4 * midC + phaseChannel(c, py * 2 + px)) * 2 + ty) * 2 + tx] =
                oihw[((o * midC + c) * 3 + ky) * 3 + kx];
            }
  const padded = ctx.g.add('Pad', [activated, ctx.g.addInt64s('pads', [0, 0, 1, 1, 0, 0, 0, 0])], {
    mode: 'edge',
  });
  const inputs = [padded, ctx.g.addInitializer('phase_down_w', w2, [outC, 4 * midC, 2, 2])];
  if (ctx.hasInput(2))
    inputs.push(ctx.g.addInitializer('phase_down_b', toFloat(ctx.requireConst(2, 'bias').data), [outC]));
  const conv = ctx.g.add('Conv', inputs, { kernel_shape: [2, 2], pads: [0, 0, 0, 0] });
  const [outH, outW] = [(h - k + 1) / 2, (w - k + 1) / 2];
  ctx.output(0, ctx.activation(conv, ctx.options?.int8(3) ?? 0), [n, outH, outW, outC]);
}

const toFloat = (data: Float32Array | Int32Array): Float32Array =>
  data instanceof Float32Array ? data : Float32Array.from(data);
