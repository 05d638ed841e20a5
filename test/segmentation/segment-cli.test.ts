import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { media } from '../helpers/shared.ts';
import { maskIou, runCli } from './cli.ts';

/**
 * `stylecast segment` end to end (real CLI, real models) against the reference masks in ../shared/media.
 * Floors: the targets where it sets them (portrait >= 0.97 with the default model; DeepLab
 * 0.95 / 0.98), elsewhere the measured value minus a small margin, so a regression fails.
 */
const dir = mkdtempSync(join(tmpdir(), 'stylecast-segment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IMAGES = {
  portrait: [media('portrait_obama', 'portrait.jpg'), media('portrait_obama', 'person_mask.png')],
  voc: [media('voc_294', 'image.png'), media('voc_294', 'person_mask.png')],
  kids: [media('deeplab_kids_horse', 'input_image.jpeg'), media('deeplab_kids_horse', 'person_mask.png')],
} as const;

// model -> image -> minimum IoU (measured: README `segmentation`).
const FLOORS: Record<string, Partial<Record<keyof typeof IMAGES, number>>> = {
  selfie: { portrait: 0.97, voc: 0.97, kids: 0.55 },
  'selfie-landscape': { portrait: 0.97, kids: 0.68 },
  deeplabv3: { portrait: 0.9, voc: 0.95, kids: 0.98 },
  sinet: { portrait: 0.97, kids: 0.7 },
};

async function segment(image: string, model?: string): Promise<string> {
  const out = join(dir, `${model ?? 'default'}-${image.split('/').at(-2)}.png`);
  const result = await runCli(['segment', image, '--out', out, ...(model ? ['--model', model] : [])]);
  expect(result.stderr).not.toMatch(/^error/m);
  expect(result.code).toBe(0);
  return out;
}

describe('stylecast segment', () => {
  it('writes an 8-bit greyscale PNG the size of the input; default model >= 0.97 IoU on the portrait', async () => {
    const out = await segment(IMAGES.portrait[0]);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height, meta.channels, meta.depth]).toEqual([820, 1024, 1, 'uchar']);
    expect(await maskIou(out, IMAGES.portrait[1])).toBeGreaterThanOrEqual(0.97);
  });

  for (const [model, floors] of Object.entries(FLOORS)) {
    it(`${model}: IoU per reference image`, async () => {
      for (const [name, floor] of Object.entries(floors)) {
        const [image, reference] = IMAGES[name as keyof typeof IMAGES];
        const iou = await maskIou(await segment(image, model), reference);
        expect(iou, `${model} on ${name}`).toBeGreaterThanOrEqual(floor as number);
      }
    }, 240_000);
  }
});

/** A PNG whose header claims width x height, with no pixel data worth decoding. */
function hugePngHeader(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('stylecast segment: bad input is one clear line, never a stack', () => {
  const expectOneLineError = (stderr: string, pattern: RegExp) => {
    const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('rejects a non-image, a truncated JPEG, a 20000x20000 image and an unknown model', async () => {
    const text = join(dir, 'not-an-image.jpg');
    writeFileSync(text, 'hello, this is not a picture\n');
    const truncated = join(dir, 'truncated.jpg');
    const jpeg = readFileSync(IMAGES.portrait[0]);
    writeFileSync(truncated, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, hugePngHeader(20000, 20000));
    const out = join(dir, 'never.png');

    const cases: [string[], RegExp][] = [
      [['segment', text, '--out', out], /not a readable image/],
      [['segment', truncated, '--out', out], /cannot be decoded|not a readable image/],
      [['segment', huge, '--out', out], /too large \(20000x20000/],
      [['segment', IMAGES.portrait[0], '--out', out, '--model', 'nope'], /unknown segmentation model 'nope'/],
      [['segment', join(dir, 'missing.jpg'), '--out', out], /does not exist/],
    ];
    for (const [args, pattern] of cases) {
      const started = performance.now();
      const result = await runCli(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expectOneLineError(result.stderr, pattern);
      // The huge image is refused from its header: no 400-megapixel decode.
      if (args[1] === huge) expect(performance.now() - started).toBeLessThan(30_000);
    }
  }, 180_000);
});
