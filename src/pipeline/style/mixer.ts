/**
 * Styles are vectors. The mixer holds the style now shown, a morph in progress and the strength, and
 * answers "which bottleneck at time t". Strength is the published content blending: the transform's
 * bottleneck is s * style + (1 - s) * content, where content is the bottleneck of the content image
 * itself. Pure state + math (time is passed in); unit-tested.
 */

export function lerpInto(out: Float32Array, a: Float32Array, b: Float32Array, t: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

/** Content blending: strength 1 = the style alone, 0 = the content's own bottleneck. */
export function blendStrength(
  style: Float32Array,
  content: Float32Array | undefined,
  strength: number,
): Float32Array {
  if (!content || strength >= 1) return Float32Array.from(style);
  return lerpInto(new Float32Array(style.length), content, style, Math.max(0, strength));
}

/** Smooth start and end, so a morph does not jump in pace at either end. */
export const easeInOut = (t: number): number => t * t * (3 - 2 * t);

export interface MixerState {
  style: string | undefined;
  strength: number;
  morphing: boolean;
  /** Bumps on every change that alters the output (style, strength, content vector, morph step). */
  version: number;
}

export class StyleMixer {
  private from: Float32Array | undefined;
  private to: Float32Array | undefined;
  private morphStart = 0;
  private morphMs = 0;
  private content: Float32Array | undefined;
  private name: string | undefined;
  private strengthValue: number;
  private changes = 0;

  constructor(strength = 1) {
    this.strengthValue = clamp01(strength);
  }

  get style(): string | undefined {
    return this.name;
  }

  get strength(): number {
    return this.strengthValue;
  }

  /** Counts changes (not morph steps): a stylization tagged with an older one is out of date. */
  get changeCount(): number {
    return this.changes;
  }

  /** Switch to a style: instantly (morphMs 0) or by interpolating from what is shown now. */
  setStyle(name: string, vector: Float32Array, now: number, morphMs = 0): void {
    // Already the target (a button pressed twice, a morph to the style on screen): changing nothing
    // keeps the repaint in progress and spares a morph of identical vectors repainting for its whole length.
    if (name === this.name && this.to && sameVector(this.to, vector)) return;
    const current = this.to ? this.styleAt(now) : undefined;
    this.name = name;
    this.to = Float32Array.from(vector);
    if (current && morphMs > 0) {
      this.from = current;
      this.morphStart = now;
      this.morphMs = morphMs;
    } else {
      this.from = undefined;
      this.morphMs = 0;
    }
    this.changes++;
  }

  setStrength(strength: number): void {
    this.strengthValue = clamp01(strength);
    this.changes++;
  }

  /** The content image's own bottleneck (refreshed when the scene changes). */
  setContent(vector: Float32Array | undefined): void {
    this.content = vector ? Float32Array.from(vector) : undefined;
    if (this.strengthValue < 1) this.changes++;
  }

  isMorphing(now: number): boolean {
    return this.from !== undefined && now - this.morphStart < this.morphMs;
  }

  /** 0..1 progress of the morph (1 when none). */
  morphProgress(now: number): number {
    if (!this.from || this.morphMs <= 0) return 1;
    return clamp01((now - this.morphStart) / this.morphMs);
  }

  /** The style vector at `now` (before strength), undefined before any style was set. */
  styleAt(now: number): Float32Array | undefined {
    if (!this.to) return undefined;
    if (!this.from || !this.isMorphing(now)) return Float32Array.from(this.to);
    return lerpInto(new Float32Array(this.to.length), this.from, this.to, easeInOut(this.morphProgress(now)));
  }

  /** The bottleneck to feed the transform at `now`. */
  bottleneckAt(now: number): Float32Array | undefined {
    const style = this.styleAt(now);
    return style ? blendStrength(style, this.content, this.strengthValue) : undefined;
  }

  /** The bottleneck another style would get at the current strength (pre-painting). */
  blendFor(style: Float32Array): Float32Array {
    return blendStrength(style, this.content, this.strengthValue);
  }

  state(now: number): MixerState {
    return {
      style: this.name,
      strength: this.strengthValue,
      morphing: this.isMorphing(now),
      version: this.changes,
    };
  }
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

const sameVector = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);
