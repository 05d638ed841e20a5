import { type Frame, withPixels } from '../../core/frame.ts';
import { isShared, sharedFloat32, sharedUint8 } from '../../core/shared-memory.ts';
import { loadPixelSimd, type PixelSimd } from '../../core/simd/pixel-simd.ts';
import { RollingWindow, summarize } from '../../core/stats.ts';
import type { FrameMask, GridFrame } from '../mask/person-masker.ts';
import { ScratchPlanes } from '../mask/scratch.ts';
import { blurPlaneSize, personAwareBlur } from './background-blur.ts';
import type { CompositeMode, ImagePlane, Layer } from './kernels.ts';
import type { PixelPool } from './pool.ts';
import type { SharedPixels } from './shared-frame.ts';

/** A background: any layer, or the frame's own background blurred by `radius` frame pixels. */
export type Background = Layer | { kind: 'blur'; radius: number };

export interface CompositeOptions {
  mode: CompositeMode;
  /** What shows where the person is (default: the frame). */
  foreground?: Layer;
  /** What shows elsewhere (default: black). */
  background?: Background;
  /**
   * The caller holds no other reference to the input frame's pixels: the output is written over them
   * instead of into a fresh buffer. Saves a 3.7 MB allocation per 720p frame, and with it most of the
   * major GCs the frame path paid for (external memory). Shared input pixels (captured frames) are
   * composited in place by the workers: each pixel is read before it is written, in one band.
   */
  reuseInput?: boolean;
}

/**
 * Blends layers through a FrameMask at frame resolution on the pixel pool. Any layer may be smaller
 * than the frame (a 384x384 style plate, a grid-sized blur): the kernel stretches it bilinearly.
 * Output frames are fresh (non-shared) buffers, or the input's own (reuseInput), and keep the input's
 * pts/seq/readAt.
 */
export class Compositor {
  private out: Uint8Array | undefined;
  private coeffs: { a: Float32Array; b: Float32Array } | undefined;
  private blurPlane: Uint8Array | undefined;
  /** A blurred background made ahead of composite() (prepareBlur), and what it was made for. */
  private preparedBlur:
    | { frame: Frame; gridRgb: Float32Array; radius: number; plane: ImagePlane }
    | undefined;
  /** Composites that used a prepared blur (stats). */
  private blursMadeAhead = 0;
  private readonly timing = new RollingWindow();
  private readonly scratch = new ScratchPlanes();
  /** The last colour background as a 1x1 image, and its colour. */
  private colourImage: { rgba: string; plane: ImagePlane } | undefined;

  constructor(
    private readonly pool: PixelPool,
    private readonly pixels: SharedPixels,
    /** SIMD kernels for the background blur on this thread (undefined: JavaScript). */
    private readonly simd: PixelSimd | undefined = loadPixelSimd(),
  ) {}

  async composite(frame: Frame, mask: FrameMask, options: CompositeOptions): Promise<Frame> {
    const t0 = performance.now();
    const rgba = this.pixels.frame(frame);
    const inPlace = options.reuseInput === true && isShared(frame.data);
    if (!inPlace && this.out?.length !== rgba.length) this.out = sharedUint8(rgba.length);
    const out = inPlace ? frame.data : (this.out as Uint8Array);
    let background = this.resolveBackground(frame, mask, options.background);
    // A colour is a 1x1 image stretched over the frame: the SIMD kernel's path (blend over an image),
    // where the JavaScript kernel would fill and blend every pixel itself.
    if (background.kind === 'color' && options.mode === 'blend' && this.pool.simd)
      background = { kind: 'image', ...this.colourAsImage(background.rgba) };
    // Coefficients go to the workers through shared memory too (no structured-clone copy per worker).
    const n = mask.coefficients.a.length;
    if (this.coeffs?.a.length !== n) this.coeffs = { a: sharedFloat32(n), b: sharedFloat32(n) };
    this.coeffs.a.set(mask.coefficients.a);
    this.coeffs.b.set(mask.coefficients.b);
    await this.pool.run(
      'composite',
      {
        frame: rgba,
        width: frame.width,
        height: frame.height,
        out,
        coeffA: this.coeffs.a,
        coeffB: this.coeffs.b,
        gridWidth: mask.coefficients.width,
        gridHeight: mask.coefficients.height,
        mode: options.mode,
        foreground: this.pixels.layer(options.foreground ?? { kind: 'frame' }),
        background: this.pixels.layer(background),
      },
      frame.height,
    );
    if (options.reuseInput && !inPlace) frame.data.set(out);
    const result = withPixels(frame, options.reuseInput ? frame.data : out.slice());
    this.timing.push(performance.now() - t0);
    return result;
  }

  /**
   * Makes the blurred background of `frame` ahead of composite(), while the model still runs on it.
   * This frame's alpha is not known yet: what is left out of the blur is where the person was in the
   * previous frame and wherever the picture moved since (a moving person's new place among it), so
   * the person's colours do not smear into the background. composite() of the same frame and radius
   * uses it instead of blurring after the mask is done.
   */
  prepareBlur(frame: Frame, grid: GridFrame, previousAlpha: Float32Array, radius: number): void {
    this.preparedBlur = undefined;
    const n = grid.width * grid.height;
    if (previousAlpha.length !== n) return;
    let leftOut = previousAlpha;
    if (grid.motion?.length === n) {
      leftOut = this.scratch.float('blur.leftOut', n);
      for (let i = 0; i < n; i++) leftOut[i] = Math.max(previousAlpha[i], grid.motion[i]);
    }
    const plane = this.blur(frame, grid, leftOut, radius);
    this.preparedBlur = { frame, gridRgb: grid.gridRgb, radius, plane };
  }

  stats(): Record<string, number> {
    const s = summarize(this.timing);
    return { compositeMsP50: s.p50, compositeMsP95: s.p95, blursMadeAhead: this.blursMadeAhead };
  }

  private resolveBackground(frame: Frame, mask: FrameMask, background: Background | undefined): Layer {
    if (!background) return { kind: 'color', rgba: [0, 0, 0, 255] };
    if (background.kind !== 'blur') return background;
    const prepared = this.preparedBlur;
    this.preparedBlur = undefined;
    const ahead =
      prepared?.frame === frame && prepared.gridRgb === mask.gridRgb && prepared.radius === background.radius;
    if (ahead) this.blursMadeAhead++;
    const plane = ahead ? prepared.plane : this.blur(frame, mask, mask.alpha, background.radius);
    return { kind: 'image', data: plane.data, width: plane.width, height: plane.height };
  }

  private colourAsImage(rgba: readonly [number, number, number, number]): ImagePlane {
    const key = rgba.join(',');
    if (this.colourImage?.rgba !== key) {
      const data = sharedUint8(4);
      data.set(rgba);
      this.colourImage = { rgba: key, plane: { data, width: 1, height: 1 } };
    }
    return this.colourImage.plane;
  }

  /** The frame's grid blurred by `radius` frame pixels, person pixels (by `alpha`) left out. */
  private blur(frame: Frame, grid: GridFrame, alpha: Float32Array, radius: number): ImagePlane {
    // One shared buffer, rewritten each frame (the previous composite has finished with it): posting a
    // fresh SharedArrayBuffer to the workers every frame cost up to 5 ms per post here.
    const size = blurPlaneSize(grid.width, grid.height);
    const bytes = size.width * size.height * 4;
    if (this.blurPlane?.length !== bytes) this.blurPlane = sharedUint8(bytes);
    const gridRadius = (radius * grid.width) / frame.width;
    return personAwareBlur(
      grid.gridRgb,
      alpha,
      grid.width,
      grid.height,
      gridRadius,
      this.simd,
      this.scratch,
      this.blurPlane,
    );
  }
}
