import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { StylecastError } from '../../core/errors.ts';

/**
 * Reads a style or content image into RGBA with limits, so a corrupt, empty, non-image or gigantic file
 * is a one-line StylecastError('BAD_IMAGE') instead of a crash or a memory spike.
 */

export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 50_000_000;

export interface RgbaImage {
  rgba: Uint8Array;
  width: number;
  height: number;
  /** sha256 of the file's bytes (the style cache key). */
  sha256: string;
}

export interface ReadImageOptions {
  /** Downscale (antialiased, keeping aspect) so the short side is at most this. */
  maxShortSide?: number;
  maxBytes?: number;
  maxPixels?: number;
  /** Paint transparent pixels this colour (CSS colour) instead of keeping the colours hidden under them. */
  flatten?: string;
}

/** Styles are read from a 256 centre square: decoding more than this is wasted work. */
const STYLE_SHORT_SIDE = 512;

/**
 * A painting as the style predictor should see it. Transparency is shown on white, as image viewers and
 * the upload path show it: the predictor has no alpha, and the colours hidden under transparent pixels
 * (often black, sometimes leftovers from the editor) would otherwise make the style.
 */
export const readStyleImage = (path: string): Promise<RgbaImage> =>
  readImageRgba(path, { maxShortSide: STYLE_SHORT_SIDE, flatten: '#ffffff' });

export async function readImageRgba(path: string, options: ReadImageOptions = {}): Promise<RgbaImage> {
  const maxBytes = options.maxBytes ?? MAX_IMAGE_BYTES;
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw statError(path, error);
  }
  // A device (/dev/zero) or a FIFO would be read forever or block: only regular files are images.
  if (info.isDirectory()) throw bad(path, 'it is a folder, not an image file');
  if (!info.isFile()) throw bad(path, `it is not a regular file (${fileKind(info)})`);
  const size = info.size;
  if (size === 0) throw bad(path, 'the file is empty');
  if (size > maxBytes)
    throw bad(path, `the file is too large (${mib(size)} MiB, limit ${mib(maxBytes)} MiB)`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new StylecastError(
      'INPUT_UNREADABLE',
      `image ${path} cannot be read (${firstLine(error)})`,
      'check the file permissions',
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw bad(path, `not a readable image (${firstLine(error)})`);
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (!width || !height) throw bad(path, 'not a readable image (no dimensions)');
  if (width * height > maxPixels)
    throw bad(
      path,
      `the image is too large (${width}x${height}, limit ${Math.round(maxPixels / 1e6)} megapixels)`,
    );
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    if (options.flatten) pipeline = pipeline.flatten({ background: options.flatten });
    const short = Math.min(width, height);
    if (options.maxShortSide && short > options.maxShortSide) {
      const scale = options.maxShortSide / short;
      pipeline = pipeline.resize(Math.round(width * scale), Math.round(height * scale), { fit: 'fill' });
    }
    const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return {
      rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      sha256,
    };
  } catch (error) {
    throw bad(path, `the image cannot be decoded (${firstLine(error)})`);
  }
}

const bad = (path: string, why: string) =>
  new StylecastError(
    'BAD_IMAGE',
    `image ${path}: ${why}`,
    'use a JPEG, PNG or WebP image under 50 megapixels',
  );

/** "does not exist" only when it does not: a permission or a file in the path is said as such. */
function statError(path: string, error: unknown): StylecastError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new StylecastError('INPUT_NOT_FOUND', `image ${path} does not exist`, 'check the path');
  if (code === 'EACCES' || code === 'EPERM')
    return new StylecastError(
      'INPUT_UNREADABLE',
      `image ${path} cannot be reached: permission denied`,
      'check the permissions of the file and its folders',
    );
  if (code === 'ENOTDIR')
    return new StylecastError(
      'INPUT_NOT_FOUND',
      `image ${path} cannot exist: part of its path is a file, not a folder`,
      'check the path',
    );
  return new StylecastError(
    'INPUT_UNREADABLE',
    `image ${path} cannot be read (${firstLine(error)})`,
    'check the path and the file permissions',
  );
}

function fileKind(info: Stats): string {
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0];
