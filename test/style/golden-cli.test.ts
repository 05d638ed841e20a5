import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { meanAbsDiffRgba } from '../../src/inference/stylizer/preprocess.ts';
import { readImageRgba } from '../../src/pipeline/style/image.ts';
import { MODELS_DIR, media, REPO, STYLES_DIR } from '../helpers/shared.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO, 'bin', 'stylecast.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      STYLECAST_MODELS: MODELS_DIR,
      STYLECAST_CACHE: join(dir, 'cache'),
      STYLECAST_STYLES: STYLES_DIR,
    },
  });
}

describe('stylecast stylize (real CLI, real models)', () => {
  // The golden's content is square: the default (whole image) and --square paint the same 384x384.
  it('matches the TFLite sample golden within 10/255 at 384x384', async () => {
    const out = join(dir, 'golden.png');
    const run = cli(
      'stylize',
      media('style_golden', 'content_input_image.jpg'),
      '--style',
      media('style_golden', 'style_input_style.jpg'),
      '--strength',
      '1',
      '--out',
      out,
    );
    expect(run.stderr).toContain('wrote');
    expect(run.status).toBe(0);
    const got = await readImageRgba(out);
    const expected = await readImageRgba(media('style_golden', 'expected_image.png'));
    expect([got.width, got.height]).toEqual([384, 384]);
    const mad = meanAbsDiffRgba(got.rgba, expected.rgba);
    console.log(`golden mean abs diff: ${mad.toFixed(2)}/255`);
    expect(mad).toBeLessThanOrEqual(10);
  });

  it('takes a style by name, and weaker strength stays closer to the content', async () => {
    const full = join(dir, 'full.png');
    const weak = join(dir, 'weak.png');
    const content = media('style_golden', 'content_input_image.jpg');
    expect(cli('stylize', content, '--style', 'munch-the-scream', '--out', full).status).toBe(0);
    expect(
      cli('stylize', content, '--style', 'munch-the-scream', '--out', weak, '--strength', '0.2').status,
    ).toBe(0);
    const square = await readImageRgba(content);
    const { resizeRgba, centreSquare } = await import('../../src/inference/stylizer/preprocess.ts');
    const c = centreSquare(square.width, square.height);
    const crop = new Uint8Array(c.width * c.height * 4);
    for (let y = 0; y < c.height; y++)
      crop.set(
        square.rgba.subarray(
          ((y + c.y) * square.width + c.x) * 4,
          ((y + c.y) * square.width + c.x + c.width) * 4,
        ),
        y * c.width * 4,
      );
    const reference = resizeRgba(crop, c.width, c.height, 384, 384);
    const dFull = meanAbsDiffRgba((await readImageRgba(full)).rgba, reference);
    const dWeak = meanAbsDiffRgba((await readImageRgba(weak)).rgba, reference);
    expect(dWeak).toBeLessThan(dFull);
  });

  it('paints the whole image at its aspect by default; --square is the centre square at 384x384', async () => {
    const portrait = media('portrait_obama', 'portrait.jpg'); // 820x1024: cropping would cut the head
    const whole = join(dir, 'whole.png');
    const square = join(dir, 'square.png');
    expect(cli('stylize', portrait, '--style', 'munch-the-scream', '--out', whole).status).toBe(0);
    expect(cli('stylize', portrait, '--style', 'munch-the-scream', '--out', square, '--square').status).toBe(
      0,
    );
    const w = await readImageRgba(whole);
    const q = await readImageRgba(square);
    expect([w.width, w.height]).toEqual([384, 480]);
    expect([q.width, q.height]).toEqual([384, 384]);
    // The top rows of the whole painting show the top of the picture (the crop starts 102 px lower):
    // they differ from the square's top rows.
    const top = (img: { rgba: Uint8Array }) => img.rgba.subarray(0, 384 * 40 * 4);
    expect(meanAbsDiffRgba(top(w), top(q))).toBeGreaterThan(10);
  });

  it('--detail with --square is one clear line and a non-zero exit', () => {
    const run = cli(
      'stylize',
      media('style_golden', 'content_input_image.jpg'),
      ...['--style', 'munch-the-scream', '--square', '--detail', '2'],
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^error: --detail and --square do not go together/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown style is one clear line and a non-zero exit, no stack', () => {
    const run = cli('stylize', media('style_golden', 'content_input_image.jpg'), '--style', 'no-such-style');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^error: style 'no-such-style' is neither/m);
    expect(run.stderr).toMatch(/^hint: known styles: .*van-gogh-starry-night/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes the format --out names (.jpg), and refuses one it cannot write before painting', async () => {
    const content = media('style_golden', 'content_input_image.jpg');
    const jpg = join(dir, 'painted.jpg');
    expect(cli('stylize', content, '--style', 'klee-abstract', '--out', jpg).status).toBe(0);
    expect((await sharp(jpg).metadata()).format).toBe('jpeg');
    const txt = join(dir, 'painted.txt');
    const run = cli('stylize', content, '--style', 'klee-abstract', '--out', txt);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^error: --out .*painted\.txt: '\.txt' is not an image format/m);
    expect(run.stderr).toMatch(/^hint: end the file name in \.png, \.jpg or \.webp/m);
    expect(run.stderr).not.toMatch(/style (predict|transform)/); // refused before the models load
    expect(existsSync(txt)).toBe(false);
  });
});
