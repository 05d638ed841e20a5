import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon.ts';
import { MODELS_DIR, media, STYLES_DIR } from '../helpers/shared.ts';

/** Without the Magenta models the daemon still runs (blur) and says how to get them; it switches by itself once they appear. */

const root = mkdtempSync(join(tmpdir(), 'stylecast-fallback-'));
const models = join(root, 'models');
mkdirSync(models);
symlinkSync(join(MODELS_DIR, 'mediapipe-selfie-segmentation'), join(models, 'mediapipe-selfie-segmentation'));
// Nothing else may provide the style models: not the environment, not the per-user cache.
process.env.STYLECAST_MODELS = models;
process.env.STYLECAST_CACHE = join(root, 'cache');

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('running without the style models', () => {
  it('falls back to blur-background with one line, then switches to style-background when the models appear', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const config = validateConfig({
      input: {
        source: media('video', 'person_indoor_576x576_4s.mp4'),
        loop: true,
        width: 576,
        height: 576,
        fps: 30,
      },
      style: { folder: STYLES_DIR },
      inference: { modelsDir: models },
    });
    expect(config.effect.name).toBe('style-background');
    const daemon = new Daemon({ config, log: createLogger({ destination, level: 'info' }) });
    try {
      await daemon.start();
      expect(daemon.effectName).toBe('blur-background');
      const hints = lines.filter((l) => l.includes('stylecast models pull'));
      expect(hints.length).toBe(1);
      expect(hints[0]).toMatch(/style-background.*not installed.*blur-background/);

      symlinkSync(join(MODELS_DIR, 'magenta-arbitrary-style'), join(models, 'magenta-arbitrary-style'));
      const until = performance.now() + 90_000;
      while (daemon.effectName !== 'style-background' && performance.now() < until)
        await new Promise((r) => setTimeout(r, 200));
      expect(daemon.effectName).toBe('style-background');
      expect(lines.filter((l) => l.includes('stylecast models pull')).length).toBe(1);
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});
