import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.ts';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import { type Frame, makeFrame } from '../../src/core/frame.ts';
import { silentLogger } from '../../src/core/log.ts';
import { compositeRows } from '../../src/pipeline/composite/kernels.ts';
import { PersonPipeline } from '../../src/pipeline/composite/person-pipeline.ts';
import { createEffect } from '../../src/pipeline/effects/index.ts';
import { countDecodedFrames } from '../helpers/media-probe.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';
import { runCli } from './cli.ts';

/** The mask effects through the effect registry, on the real portrait, with the real selfie model. */
const dir = mkdtempSync(join(tmpdir(), 'stylecast-effects-'));
let portrait: Frame;
/** process() may write over the frame it is given (see Effect): hand it a copy, keep the original. */
const handOver = (frame: Frame): Frame => ({ ...frame, data: frame.data.slice() });
let personMask: Uint8Array; // reference, 820x1024

beforeAll(async () => {
  const { data, info } = await sharp(media('portrait_obama', 'portrait.jpg'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  portrait = makeFrame({
    width: info.width,
    height: info.height,
    data: new Uint8Array(data),
    pts: 0,
    seq: 1,
    readAt: 0,
  });
  personMask = new Uint8Array(
    await sharp(media('portrait_obama', 'person_mask.png')).greyscale().raw().toBuffer(),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (effect: Record<string, unknown>) =>
  ConfigSchema.parse({ effect, inference: { modelsDir: MODELS_DIR } });

/** Mean absolute RGB difference between two frames over pixels where `where(i)` holds. */
function meanDiff(a: Uint8Array, b: Uint8Array, where: (pixel: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length / 4; i++) {
    if (!where(i)) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i * 4 + c] - b[i * 4 + c]);
    n += 3;
  }
  return sum / n;
}
const person = (i: number) => personMask[i] === 255;
const background = (i: number) => personMask[i] === 0;

describe('mask effects', () => {
  it('blur-background keeps the person and changes the background', async () => {
    const effect = await createEffect('blur-background', {
      config: config({ name: 'blur-background' }),
      log: silentLogger(),
    });
    try {
      const out = await effect.process(handOver(portrait));
      expect([out.width, out.height, out.pts, out.seq]).toEqual([820, 1024, 0, 1]);
      expect(meanDiff(out.data, portrait.data, person)).toBeLessThan(4);
      expect(meanDiff(out.data, portrait.data, background)).toBeGreaterThan(4);
      expect(effect.stats?.()).toMatchObject({ model: 'selfie', inferences: 1 });
    } finally {
      await effect.dispose();
    }
  });

  it('replace-background paints the colour behind the person; a bad image later is logged and ignored', async () => {
    const logged: string[] = [];
    const log = silentLogger();
    log.warn = ((msg: string) => logged.push(msg)) as typeof log.warn;
    const effect = await createEffect('replace-background', {
      config: config({ name: 'replace-background', background: '#00ff00' }),
      log,
    });
    try {
      const out = await effect.process(handOver(portrait));
      const corner = [...out.data.subarray(0, 3)];
      expect(corner).toEqual([0, 255, 0]);
      expect(meanDiff(out.data, portrait.data, person)).toBeLessThan(4);
      effect.update?.(config({ name: 'replace-background', background: join(dir, 'missing.jpg') }));
      await new Promise((r) => setTimeout(r, 200));
      expect(logged.join('\n')).toMatch(
        /keeping the previous background: image .*missing\.jpg does not exist/,
      );
      const again = await effect.process(handOver(portrait));
      expect([...again.data.subarray(0, 3)]).toEqual([0, 255, 0]);
    } finally {
      await effect.dispose();
    }
  });

  it('replace-background with an image covers the frame with it', async () => {
    const image = join(dir, 'red.png');
    await sharp({ create: { width: 64, height: 32, channels: 3, background: '#ff0000' } })
      .png()
      .toFile(image);
    const effect = await createEffect('replace-background', {
      config: config({ name: 'replace-background', background: image }),
      log: silentLogger(),
    });
    try {
      const out = await effect.process(handOver(portrait));
      expect([...out.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    } finally {
      await effect.dispose();
    }
  });

  it('replace-background with a missing image fails at creation with one clear error', async () => {
    await expect(
      createEffect('replace-background', {
        config: config({ name: 'replace-background', background: join(dir, 'nope.png') }),
        log: silentLogger(),
      }),
    ).rejects.toThrow(/nope\.png does not exist/);
  });

  it('transparent-background puts the mask in alpha; mask shows it as grey', async () => {
    const transparent = await createEffect('transparent-background', {
      config: config({ name: 'transparent-background' }),
      log: silentLogger(),
    });
    const maskView = await createEffect('mask', { config: config({ name: 'mask' }), log: silentLogger() });
    try {
      const t = await transparent.process(handOver(portrait));
      const m = await maskView.process(handOver(portrait));
      let agree = 0;
      let counted = 0;
      let maxGap = 0;
      for (let i = 0; i < personMask.length; i++) {
        maxGap = Math.max(maxGap, Math.abs(t.data[i * 4 + 3] - m.data[i * 4]));
        if (personMask[i] === 128) continue;
        counted++;
        if (t.data[i * 4 + 3] >= 128 === (personMask[i] === 255)) agree++;
      }
      expect(maxGap).toBeLessThanOrEqual(1);
      expect(agree / counted).toBeGreaterThan(0.98);
      expect([...t.data.subarray(0, 3)]).toEqual([...portrait.data.subarray(0, 3)]);
    } finally {
      await Promise.all([transparent.dispose(), maskView.dispose()]);
    }
  });
});

describe('pixel pool', () => {
  it('the worker-split composite is byte-identical to the pure kernel on one thread', async () => {
    const people = await PersonPipeline.create({
      model: 'selfie',
      mask: ConfigSchema.parse({}).segmentation.mask,
      modelsDir: MODELS_DIR,
      workers: 2,
    });
    try {
      const mask = await people.mask(portrait);
      const bg = { kind: 'color' as const, rgba: [10, 20, 30, 255] as const };
      const pooled = await people.composite(portrait, mask, { mode: 'blend', background: bg });
      const out = new Uint8Array(portrait.data.length);
      compositeRows(
        {
          frame: portrait.data,
          width: portrait.width,
          height: portrait.height,
          out,
          coeffA: mask.coefficients.a,
          coeffB: mask.coefficients.b,
          gridWidth: mask.coefficients.width,
          gridHeight: mask.coefficients.height,
          mode: 'blend',
          foreground: { kind: 'frame' },
          background: bg,
        },
        0,
        portrait.height,
      );
      expect(Buffer.compare(Buffer.from(pooled.data), Buffer.from(out))).toBe(0);
    } finally {
      await people.dispose();
    }
  });
});

describe('stylecast render with the mask effects', () => {
  // The first second of the clip keeps these end-to-end runs short on a 2-core machine.
  const clip = join(dir, 'clip-1s.mp4');
  beforeAll(() => {
    execFileSync(findFfmpeg(), [
      '-v',
      'error',
      '-y',
      '-i',
      media('video', 'person_indoor_576x576_4s.mp4'),
      '-frames:v',
      '30',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      clip,
    ]);
  });

  it('transparent-background to .webm keeps a real alpha channel (VP9 yuva420p)', async () => {
    const out = join(dir, 'alpha.webm');
    const result = await runCli(
      ['render', clip, out, '--effect', 'transparent-background', '--no-progress'],
      240_000,
    );
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    // Decode with libvpx-vp9 (ffmpeg's native vp9 decoder drops alpha) and look at frame 20's alpha.
    const rgba = execFileSync(
      findFfmpeg(),
      [
        '-v',
        'error',
        '-c:v',
        'libvpx-vp9',
        '-i',
        out,
        '-vf',
        'select=eq(n\\,20)',
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgba',
        'pipe:1',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    expect(rgba.length).toBe(576 * 576 * 4);
    let transparent = 0;
    let opaque = 0;
    for (let i = 3; i < rgba.length; i += 4) {
      if (rgba[i] < 16) transparent++;
      else if (rgba[i] > 240) opaque++;
    }
    const n = 576 * 576;
    expect(transparent / n).toBeGreaterThan(0.5); // the room
    expect(opaque / n).toBeGreaterThan(0.02); // the person
  }, 300_000);

  it('blur-background and replace-background render; a missing background image is one clear error', async () => {
    for (const effect of ['blur-background', 'replace-background']) {
      const out = join(dir, `${effect}.mp4`);
      const result = await runCli(['render', clip, out, '--effect', effect, '--no-progress'], 240_000);
      expect(result.code, result.stderr).toBe(0);
      expect(countDecodedFrames(out)).toBe(30);
    }
    const cfg = join(dir, 'bad-background.json');
    writeFileSync(cfg, JSON.stringify({ effect: { background: join(dir, 'no-such-beach.jpg') } }));
    const bad = await runCli([
      'render',
      clip,
      join(dir, 'never.mp4'),
      '--effect',
      'replace-background',
      '--config',
      cfg,
      '--no-progress',
    ]);
    expect(bad.code).not.toBe(0);
    const errors = bad.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no-such-beach\.jpg does not exist/);
  }, 400_000);
});
