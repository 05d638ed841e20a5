import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import type { Frame } from '../../src/core/frame.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createEffect } from '../../src/pipeline/effects/index.ts';
import { MODELS_DIR, media, STYLES_DIR } from '../helpers/shared.ts';
import { decodeFrames } from '../segmentation/decode.ts';

/** The three style effects on real frames (offline, so every frame carries its stylization): who gets painted. */

const root = mkdtempSync(join(tmpdir(), 'stylecast-effects-'));
const folder = join(root, 'styles');
mkdirSync(folder);
copyFileSync(join(STYLES_DIR, 'munch_the_scream.jpg'), join(folder, 'munch_the_scream.jpg'));
process.env.STYLECAST_CACHE = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Mean |out - in| over the centre (the person in this clip) and over the top corners (backdrop). */
function regions(input: Frame, output: Frame): { person: number; background: number } {
  const mean = (x0: number, y0: number, w: number, h: number) => {
    let s = 0;
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) {
        const i = (y * input.width + x) * 4;
        s += Math.abs(input.data[i] - output.data[i]) + Math.abs(input.data[i + 1] - output.data[i + 1]);
        s += Math.abs(input.data[i + 2] - output.data[i + 2]);
      }
    return s / (w * h * 3);
  };
  return {
    person: mean(310, 330, 100, 120), // face and chest
    background: (mean(0, 0, 80, 80) + mean(640, 0, 80, 80)) / 2,
  };
}

describe.each([
  ['style-background', 'background'],
  ['style-person', 'person'],
  ['style-frame', 'whole frame'],
] as const)('%s', (name, painted) => {
  it(`paints the ${painted}`, async () => {
    const config = validateConfig({
      input: { realtime: false },
      effect: { name },
      style: { folder, name: 'munch-the-scream' },
      inference: { modelsDir: MODELS_DIR },
    });
    const effect = await createEffect(name, { config, log: silentLogger() });
    let last: { person: number; background: number } | undefined;
    try {
      for await (const frame of decodeFrames(media('video', 'woman_plain_backdrop_720x720.mp4'), {
        width: 720,
        height: 720,
        maxFrames: 8,
      })) {
        // process() may write over the frame it is given (see Effect): hand it a copy.
        const out = await effect.process({ ...frame, data: frame.data.slice() });
        expect([out.width, out.height, out.seq]).toEqual([720, 720, frame.seq]);
        last = regions(frame, out);
      }
    } finally {
      await effect.dispose();
    }
    console.log(
      `${name}: mean change person ${last?.person.toFixed(1)}, background ${last?.background.toFixed(1)}`,
    );
    const changed = (v: number | undefined) => (v ?? 0) > 15;
    expect(changed(last?.background)).toBe(painted !== 'person');
    expect(changed(last?.person)).toBe(painted !== 'background');
  }, 120_000);
});
