import type { ModelSession } from '../runtime.ts';
import { multipleOf8 } from './free-size.ts';
import { centreSquare, rgbaToTensor, tensorToRgba } from './preprocess.ts';
import { planSingleTile, planTiles, TILE, TileAccumulator, type TilePlan, tileSourceRect } from './tiling.ts';

/**
 * The Magenta arbitrary-style pipeline over two ONNX sessions: style predict (256x256 RGB [0,1] ->
 * 100-number bottleneck) and style transform (384x384 content + bottleneck -> 384x384 stylized).
 * Owns pre- and post-processing; callers pass RGBA pixels and get RGBA pixels back.
 */

export const BOTTLENECK_SIZE = 100;
export const PREDICT_SIZE = 256;

export interface StylizeOptions {
  /**
   * 384 tiles across the short side (1 = one). At 1 a free-size model paints the whole frame in one
   * transform at that scale; above 1 (and for fixed-size models) overlapping tiles are blended.
   */
  detail?: number;
  /**
   * The whole frame in one transform, long side 384: fastest, least detail (first frame after a switch,
   * morph steps). At the frame's own aspect when the model takes free sizes, else one edge-padded tile.
   */
  single?: boolean;
  /** Checked between tiles: true abandons the frame (a newer style made it worthless). */
  shouldStop?: () => boolean;
}

export class StylizeCancelled extends Error {
  constructor() {
    super('stylization cancelled');
  }
}

export interface Stylized {
  /** RGBA at work resolution (the tiles' scale), `width` x `height`. */
  rgba: Uint8Array;
  width: number;
  height: number;
  /** Transform runs this took. */
  tiles: number;
}

export class Stylizer {
  private readonly contentInput: string;
  private readonly styleInput: string;
  private readonly tileBuffer = new Float32Array(TILE * TILE * 3);
  private readonly plans = new Map<string, TilePlan>();
  /** Whether the transform runs on sizes other than 384x384 (probed once, see free-size.ts). */
  private freeSize: Promise<boolean> | undefined;
  private wholeBuffer = new Float32Array(0);

  constructor(
    private readonly predictSession: ModelSession,
    private transformSession: ModelSession,
  ) {
    // The importer keeps TFLite's tensor names; match by name, fall back to TFLite's input order.
    const names = transformSession.inputNames;
    this.contentInput = names.find((n) => /content/i.test(n)) ?? names[0];
    this.styleInput = names.find((n) => n !== this.contentInput) ?? names[1];
  }

  /** Bottleneck of an image: centre square, bilinear to 256x256, [0, 1]. */
  async predict(rgba: Uint8Array, width: number, height: number): Promise<Float32Array> {
    const input = rgbaToTensor(rgba, width, height, centreSquare(width, height), PREDICT_SIZE, PREDICT_SIZE);
    const name = this.predictSession.inputNames[0];
    const out = await this.predictSession.run({
      [name]: { data: input, dims: [1, PREDICT_SIZE, PREDICT_SIZE, 3] },
    });
    const vector = Object.values(out)[0].data;
    if (vector.length !== BOTTLENECK_SIZE)
      throw new Error(`style predict returned ${vector.length} numbers, expected ${BOTTLENECK_SIZE}`);
    return Float32Array.from(vector);
  }

  /** One 384x384 transform of an NHWC float tile. */
  async transformTile(content: Float32Array, bottleneck: Float32Array): Promise<Float32Array> {
    const out = await this.transformSession.run({
      [this.contentInput]: { data: content, dims: [1, TILE, TILE, 3] },
      [this.styleInput]: { data: bottleneck, dims: [1, 1, 1, BOTTLENECK_SIZE] },
    });
    return Object.values(out)[0].data;
  }

  /** One transform of a `width` x `height` NHWC float image (free-size models only). */
  private async transformAt(content: Float32Array, width: number, height: number, bottleneck: Float32Array) {
    const out = await this.transformSession.run({
      [this.contentInput]: { data: content, dims: [1, height, width, 3] },
      [this.styleInput]: { data: bottleneck, dims: [1, 1, 1, BOTTLENECK_SIZE] },
    });
    return Object.values(out)[0];
  }

  /** Probes once whether the session takes a non-square, non-384 content (a 64x40 run). */
  takesFreeSize(): Promise<boolean> {
    this.freeSize ??= this.transformAt(
      new Float32Array(64 * 40 * 3),
      64,
      40,
      new Float32Array(BOTTLENECK_SIZE),
    )
      .then((out) => out.dims[1] === 40 && out.dims[2] === 64)
      .catch(() => false);
    return this.freeSize;
  }

  /**
   * The whole frame in one transform at its own aspect (sides rounded to multiples of 8): long side 384
   * (the quick painting) or short side 384 (detail 1: the tiles' scale, one run instead of two
   * overlapping tiles — 62 vs 85 ms at 720p on 2 threads, and no seam to blend).
   */
  private async stylizeWhole(
    rgba: Uint8Array,
    width: number,
    height: number,
    bottleneck: Float32Array,
    side: 'long' | 'short',
  ) {
    const scale = TILE / (side === 'long' ? Math.max(width, height) : Math.min(width, height));
    const w = multipleOf8(width * scale);
    const h = multipleOf8(height * scale);
    if (this.wholeBuffer.length !== w * h * 3) this.wholeBuffer = new Float32Array(w * h * 3);
    rgbaToTensor(rgba, width, height, { x: 0, y: 0, width, height }, w, h, this.wholeBuffer);
    const out = await this.transformAt(this.wholeBuffer, w, h, bottleneck);
    return { rgba: tensorToRgba(out.data, w, h), width: w, height: h, tiles: 1 };
  }

  /** The upstream single-image recipe: centre square of the content, bilinear to 384, one transform. */
  async stylizeSquare(rgba: Uint8Array, width: number, height: number, bottleneck: Float32Array) {
    rgbaToTensor(rgba, width, height, centreSquare(width, height), TILE, TILE, this.tileBuffer);
    const out = await this.transformTile(this.tileBuffer, bottleneck);
    return { rgba: tensorToRgba(out, TILE, TILE), width: TILE, height: TILE };
  }

  /** A whole frame of any aspect, tiled without squashing; the result is at work resolution. */
  async stylizeFrame(
    rgba: Uint8Array,
    width: number,
    height: number,
    bottleneck: Float32Array,
    options: StylizeOptions = {},
  ): Promise<Stylized> {
    const detail = options.detail ?? 1;
    if ((options.single || detail === 1) && (await this.takesFreeSize()))
      return this.stylizeWhole(rgba, width, height, bottleneck, options.single ? 'long' : 'short');
    const plan = this.plan(width, height, options);
    const acc = new TileAccumulator(plan);
    for (let i = 0; i < plan.tiles.length; i++) {
      if (i > 0 && options.shouldStop?.()) throw new StylizeCancelled();
      rgbaToTensor(rgba, width, height, tileSourceRect(plan, i, width, height), TILE, TILE, this.tileBuffer);
      acc.add(i, await this.transformTile(this.tileBuffer, bottleneck));
    }
    return { rgba: acc.toRgba(), width: plan.workWidth, height: plan.workHeight, tiles: plan.tiles.length };
  }

  private plan(width: number, height: number, options: StylizeOptions): TilePlan {
    const key = `${width}x${height}:${options.single ? 'single' : (options.detail ?? 1)}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = options.single ? planSingleTile(width, height) : planTiles(width, height, options.detail ?? 1);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** Swaps in another session of the same transform model (e.g. with more threads) and releases the old one. */
  async replaceTransform(session: ModelSession): Promise<void> {
    const old = this.transformSession;
    this.transformSession = session;
    this.freeSize = undefined; // probed again on the new session
    await old.release();
  }

  async release(): Promise<void> {
    await Promise.all([this.predictSession.release(), this.transformSession.release()]);
  }
}
