import { binaryIou, meanAbsDiff } from '../src/pipeline/mask/stability.ts';

/**
 * How far flicker can fall on a clip at all while the mask stays within mean IoU 0.95 of the
 * per-frame mask (the bound), measured on the per-frame masks themselves:
 *  - causal: an exponential moving average of the per-frame mask at a fixed rate, the strongest rate
 *    that keeps mean IoU >= 0.95 (what any live smoother of that family can reach);
 *  - centred: the per-pixel median over a window centred on each frame (sees future frames, so no
 *    live stream can use it; an upper bound for context), the widest window that keeps IoU >= 0.95.
 * Where a person moves, each edge pixel changes once per pass however it is filtered: only changes
 * that come and go (noise, back-and-forth motion) can be removed.
 */
export interface FlickerFrontier {
  causalReduction: number;
  causalRate: number;
  causalIou: number;
  centredReduction: number;
  centredWindow: number;
  centredIou: number;
}

const IOU_BOUND = 0.95;
const RATES = [0.9, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03];
const HALF_WINDOWS = [1, 2, 3, 4, 6, 8, 11, 15];

export function flickerFrontier(perFrame: Float32Array[]): FlickerFrontier {
  const base = flicker(perFrame);
  const causal = best(RATES, (rate) => ema(perFrame, rate), perFrame, base);
  const centred = best(HALF_WINDOWS, (half) => centredMedian(perFrame, half), perFrame, base);
  return {
    causalReduction: causal.reduction,
    causalRate: causal.parameter,
    causalIou: causal.iou,
    centredReduction: centred.reduction,
    centredWindow: centred.parameter * 2 + 1,
    centredIou: centred.iou,
  };
}

/** The strongest setting (parameters go from weak to strong) whose result keeps mean IoU >= the bound. */
function best(
  parameters: number[],
  filter: (parameter: number) => Float32Array[],
  perFrame: Float32Array[],
  base: number,
): { parameter: number; reduction: number; iou: number } {
  let found = { parameter: Number.NaN, reduction: 0, iou: 1 };
  for (const parameter of parameters) {
    const filtered = filter(parameter);
    const iou = filtered.reduce((sum, mask, i) => sum + binaryIou(mask, perFrame[i]), 0) / perFrame.length;
    if (iou < IOU_BOUND) break;
    found = { parameter, reduction: base > 0 ? 1 - flicker(filtered) / base : 0, iou };
  }
  return found;
}

function flicker(masks: Float32Array[]): number {
  let sum = 0;
  for (let t = 1; t < masks.length; t++) sum += meanAbsDiff(masks[t], masks[t - 1]);
  return masks.length > 1 ? sum / (masks.length - 1) : 0;
}

function ema(masks: Float32Array[], rate: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (const mask of masks) {
    const previous = out.at(-1);
    out.push(previous ? mask.map((v, i) => previous[i] + rate * (v - previous[i])) : mask.slice());
  }
  return out;
}

function centredMedian(masks: Float32Array[], half: number): Float32Array[] {
  const n = masks[0]?.length ?? 0;
  const window = new Float32Array(2 * half + 1);
  return masks.map((_, t) => {
    const from = Math.max(0, t - half);
    const to = Math.min(masks.length - 1, t + half);
    const count = to - from + 1;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < count; k++) window[k] = masks[from + k][i];
      out[i] = window.subarray(0, count).sort()[count >> 1];
    }
    return out;
  });
}
