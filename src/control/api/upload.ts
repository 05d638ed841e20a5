import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeFolder } from '../../core/folders.ts';
import { ApiError } from './errors.ts';

/**
 * Style uploads: the bytes must decode as a JPEG, PNG or WebP of sane size; they are re-encoded
 * (which drops metadata and anything smuggled after the image) and stored under a generated name,
 * so the client's file name never becomes a path.
 */

const ACCEPTED = new Set(['jpeg', 'png', 'webp']);
const MAX_SIDE = 8192;
const MIN_SIDE = 16;
/** Styles are read at 256x256; a 1024 px long side keeps the detail and the folder small. */
const STORED_LONG_SIDE = 1024;

export async function reencodeStyleImage(bytes: Buffer): Promise<Buffer> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_SIDE * MAX_SIDE }).metadata();
  } catch {
    throw new ApiError(
      'bad_image',
      'the upload is not an image',
      'send a JPEG, PNG or WebP file as the body',
    );
  }
  if (!meta.format || !ACCEPTED.has(meta.format))
    throw new ApiError(
      'bad_image',
      `image format '${meta.format ?? 'unknown'}' is not accepted`,
      'use JPEG, PNG or WebP',
    );
  const { width = 0, height = 0 } = meta;
  if (width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE)
    throw new ApiError('bad_image', `image size ${width}x${height} is outside ${MIN_SIDE}..${MAX_SIDE} px`);
  try {
    return await sharp(bytes, { limitInputPixels: MAX_SIDE * MAX_SIDE })
      .rotate()
      .resize({ width: STORED_LONG_SIDE, height: STORED_LONG_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 92 })
      .toBuffer();
  } catch {
    throw new ApiError('bad_image', 'the image could not be decoded', 'the file may be truncated');
  }
}

/** A readable, safe stem from the client's file name: lowercase letters, digits and dashes only. */
export function styleStem(originalName: string): string {
  const base = originalName.split(/[\\/]/).pop() ?? '';
  const stem = base
    .replace(/\.[^.]*$/, '')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return stem || 'style';
}

/** Writes the JPEG into the style folder as `<stem>-<random>.jpg`, never overwriting; returns the file name. */
export async function storeStyleImage(folder: string, jpeg: Buffer, originalName: string): Promise<string> {
  makeFolder(folder);
  const file = `${styleStem(originalName)}-${randomBytes(4).toString('hex')}.jpg`;
  await writeFile(join(folder, file), jpeg, { flag: 'wx' });
  return file;
}

/** A small JPEG thumbnail of a style image file or buffer. */
export async function thumbnailJpeg(input: string | Buffer, size = 160): Promise<Buffer> {
  return sharp(input).rotate().resize(size, size, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
}
