import type { MaskSettings } from '../../config/schema.ts';
import type { Frame } from '../../core/frame.ts';
import type { PersonMasker } from './person-masker.ts';
import { MaskSmoother } from './smoother.ts';

/**
 * Flicker, measured: the same per-frame estimates go through two smoothers, one with the given
 * settings and one with temporal smoothing (and hysteresis) off. Reported per clip:
 *  - flicker: mean over frames of the mean absolute change of the final mask (alpha in [0, 1], all
 *    grid pixels) from the previous frame;
 *  - iou: mean IoU (alpha >= 0.5) of the smoothed mask against the unsmoothed one of the same frame.
 * Inference is never skipped here, so only smoothing differs.
 */
export interface StabilityReport {
  frames: number;
  flickerOff: number;
  flickerOn: number;
  /** 1 - flickerOn / flickerOff. */
  reduction: number;
  meanIou: number;
  minIou: number;
}

export class StabilityMeter {
  private readonly on: MaskSmoother;
  private readonly off: MaskSmoother;
  private previousOn: Float32Array | undefined;
  private previousOff: Float32Array | undefined;
  private sumOn = 0;
  private sumOff = 0;
  private changes = 0;
  private sumIou = 0;
  private minIou = 1;
  private frames = 0;

  constructor(
    private readonly masker: PersonMasker,
    settings: MaskSettings,
  ) {
    masker.update({ ...settings, skipSimilarFrames: false });
    this.on = new MaskSmoother(settings);
    this.off = new MaskSmoother({ ...settings, temporalSmoothing: 0 });
  }

  async add(frame: Frame): Promise<void> {
    const e = await this.masker.estimate(frame);
    const on = this.on.step(e.probability, e.guide, e.width, e.height).alpha;
    const off = this.off.step(e.probability, e.guide, e.width, e.height).alpha;
    if (this.previousOn && this.previousOff && this.previousOn.length === on.length) {
      this.sumOn += meanAbsDiff(on, this.previousOn);
      this.sumOff += meanAbsDiff(off, this.previousOff);
      this.changes++;
    }
    const iou = binaryIou(on, off);
    this.sumIou += iou;
    this.minIou = Math.min(this.minIou, iou);
    this.frames++;
    this.previousOn = on;
    this.previousOff = off;
  }

  report(): StabilityReport {
    const flickerOn = this.changes ? this.sumOn / this.changes : 0;
    const flickerOff = this.changes ? this.sumOff / this.changes : 0;
    return {
      frames: this.frames,
      flickerOff,
      flickerOn,
      reduction: flickerOff > 0 ? 1 - flickerOn / flickerOff : 0,
      meanIou: this.frames ? this.sumIou / this.frames : 0,
      minIou: this.minIou,
    };
  }
}

export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** IoU of two soft masks thresholded at 0.5; 1 when both are empty. */
export function binaryIou(a: Float32Array, b: Float32Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] >= 0.5;
    const y = b[i] >= 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
