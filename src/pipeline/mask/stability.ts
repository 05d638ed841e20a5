import type { MaskSettings } from '../../config/schema.ts';
import type { Frame } from '../../core/frame.ts';
import { boxBlur } from './box-filter.ts';
import type { PersonMasker } from './person-masker.ts';
import { MaskSmoother } from './smoother.ts';

/**
 * Flicker, measured: the same per-frame estimates go through two smoothers, one with the given
 * settings and one with temporal smoothing (and hysteresis) off. Reported per clip:
 *  - flicker: mean over frames of the mean absolute change of the final mask (alpha in [0, 1], all
 *    grid pixels) from the previous frame;
 *  - iou: mean IoU (alpha >= 0.5) of the smoothed mask against the unsmoothed one of the same frame;
 *  - staticFlicker: the same change, counted only where the picture itself did not change (grid luma
 *    moved less than 2/255 around the pixel): flicker that no motion explains.
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
  staticFlickerOff: number;
  staticFlickerOn: number;
  staticReduction: number;
  /** Share of pixel-frames counted as static. */
  staticShare: number;
}

/** Luma change (0..1, box-averaged) below which a grid pixel counts as static. */
const STATIC_LUMA = 2 / 255;

export class StabilityMeter {
  private readonly on: MaskSmoother;
  private readonly off: MaskSmoother;
  private previousOn: Float32Array | undefined;
  private previousOff: Float32Array | undefined;
  private previousGuide: Float32Array | undefined;
  private staticOn = 0;
  private staticOff = 0;
  private staticCount = 0;
  private pixelCount = 0;
  private sumOn = 0;
  private sumOff = 0;
  private changes = 0;
  private sumIou = 0;
  private minIou = 1;
  private frames = 0;
  /** Copies of the per-frame (unsmoothed) masks, when asked for (the bench's flicker frontier). */
  readonly perFrame: Float32Array[] = [];

  constructor(
    private readonly masker: PersonMasker,
    settings: MaskSettings,
    private readonly keepPerFrame = false,
  ) {
    masker.update({ ...settings, skipSimilarFrames: false });
    this.on = new MaskSmoother(settings);
    this.off = new MaskSmoother({ ...settings, temporalSmoothing: 0 });
  }

  async add(frame: Frame): Promise<void> {
    const e = await this.masker.estimate(frame);
    const on = this.on.step(e.probability, e.guide, e.width, e.height).alpha;
    const off = this.off.step(e.probability, e.guide, e.width, e.height).alpha;
    if (this.keepPerFrame) this.perFrame.push(off.slice());
    if (this.previousOn && this.previousOff && this.previousOn.length === on.length) {
      this.sumOn += meanAbsDiff(on, this.previousOn);
      this.sumOff += meanAbsDiff(off, this.previousOff);
      this.changes++;
      if (this.previousGuide) {
        const lumaChange = boxBlur(absDiff(e.guide, this.previousGuide), e.width, e.height, 2);
        for (let i = 0; i < on.length; i++) {
          if (lumaChange[i] >= STATIC_LUMA) continue;
          this.staticOn += Math.abs(on[i] - this.previousOn[i]);
          this.staticOff += Math.abs(off[i] - this.previousOff[i]);
          this.staticCount++;
        }
        this.pixelCount += on.length;
      }
    }
    const iou = binaryIou(on, off);
    this.sumIou += iou;
    this.minIou = Math.min(this.minIou, iou);
    this.frames++;
    this.previousOn = on;
    this.previousOff = off;
    this.previousGuide = e.guide;
  }

  report(): StabilityReport {
    const flickerOn = this.changes ? this.sumOn / this.changes : 0;
    const flickerOff = this.changes ? this.sumOff / this.changes : 0;
    const staticFlickerOn = this.staticCount ? this.staticOn / this.staticCount : 0;
    const staticFlickerOff = this.staticCount ? this.staticOff / this.staticCount : 0;
    return {
      frames: this.frames,
      flickerOff,
      flickerOn,
      reduction: flickerOff > 0 ? 1 - flickerOn / flickerOff : 0,
      meanIou: this.frames ? this.sumIou / this.frames : 0,
      minIou: this.minIou,
      staticFlickerOff,
      staticFlickerOn,
      staticReduction: staticFlickerOff > 0 ? 1 - staticFlickerOn / staticFlickerOff : 0,
      staticShare: this.pixelCount ? this.staticCount / this.pixelCount : 0,
    };
  }
}

function absDiff(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.abs(a[i] - b[i]);
  return out;
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
