import sharp from 'sharp';
import { Rgba } from '../../config/schema.ts';
import { StylecastError } from '../../core/errors.ts';
import { readImageRgba } from '../style/image.ts';
import type { ImagePlane, Layer } from './kernels.ts';

/** effect.background: a colour like #00b140 (optionally #rrggbbaa) or an image path. */
export type BackgroundSource =
  | { kind: 'color'; rgba: [number, number, number, number] }
  | ({ kind: 'image'; path: string } & ImagePlane);

export function parseColor(value: string): [number, number, number, number] | undefined {
  if (!Rgba.safeParse(value).success) return undefined;
  const hex = value.replace(/^#/, '');
  const byte = (i: number) => Number.parseInt(hex.slice(i, i + 2), 16);
  return [byte(0), byte(2), byte(4), hex.length === 8 ? byte(6) : 255];
}

/** Reads the colour or the image (BAD_IMAGE / INPUT_NOT_FOUND as one-line errors). */
export async function loadBackground(value: string): Promise<BackgroundSource> {
  const rgba = parseColor(value);
  if (rgba) return { kind: 'color', rgba };
  if (value.startsWith('#'))
    throw new StylecastError(
      'BAD_ARGUMENT',
      `background ${value} is not a colour`,
      'use #rrggbb or #rrggbbaa (e.g. #00b140), or the path of an image',
    );
  const image = await readImageRgba(value);
  return { kind: 'image', path: value, data: image.rgba, width: image.width, height: image.height };
}

/**
 * The background as a layer the size of the frame: an image is scaled to cover the frame (aspect kept,
 * centre crop) once per frame size, by sharp (libvips, off the main thread), then reused every frame.
 */
export class BackgroundLayer {
  private fitted: { key: string; layer: Layer } | undefined;

  constructor(readonly source: BackgroundSource) {}

  async forSize(width: number, height: number): Promise<Layer> {
    if (this.source.kind === 'color') return { kind: 'color', rgba: this.source.rgba };
    const key = `${width}x${height}`;
    if (this.fitted?.key === key) return this.fitted.layer;
    const { data, width: w, height: h } = this.source;
    const resized = await sharp(data, { raw: { width: w, height: h, channels: 4 } })
      .resize(width, height, { fit: 'cover' })
      .raw()
      .toBuffer();
    const layer: Layer = { kind: 'image', data: new Uint8Array(resized), width, height };
    this.fitted = { key, layer };
    return layer;
  }
}
