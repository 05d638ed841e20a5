import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELS_DIR, media, STYLES_DIR } from '../helpers/shared.ts';
import { expectOneError, runCli } from './cli-helpers.ts';

/**
 * `render` is an offline job: a --style it cannot find is an error before anything is written, not a
 * warning and another painting (live `run` warns and goes on in another style).
 */

const dir = mkdtempSync(join(tmpdir(), 'stylecast-render-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CLIP = media('video', 'person_indoor_576x576_4s.mp4');
const ENV = { STYLECAST_MODELS: MODELS_DIR, STYLECAST_STYLES: STYLES_DIR, STYLECAST_LOG_JSON: '0' };

describe('render --style that does not exist (real CLI)', { timeout: 120_000 }, () => {
  it('a misspelt name is one error line naming the close style; no file is written', async () => {
    const out = join(dir, 'typo.mkv');
    const result = await runCli(
      ['render', CLIP, out, '--effect', 'style-frame', '--style', 'van-gogh-starry-nite', '--no-progress'],
      ENV,
    );
    expectOneError(
      result,
      /^error: style 'van-gogh-starry-nite' is neither an image file nor a style in /,
      /^hint: did you mean 'van-gogh-starry-night'\? known styles: van-gogh-starry-night, /,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a style file the library cannot read is the same error once the models load, not another painting', async () => {
    // The name matches a file, so only the library (which skips the unreadable file) can tell.
    const styles = join(dir, 'styles');
    mkdirSync(styles);
    symlinkSync(join(STYLES_DIR, 'munch_the_scream.jpg'), join(styles, 'munch_the_scream.jpg'));
    writeFileSync(join(styles, 'broken.jpg'), 'not a painting');
    const out = join(dir, 'broken.mkv');
    const result = await runCli(
      ['render', CLIP, out, '--effect', 'style-frame', '--style', 'broken', '--no-progress'],
      { ...ENV, STYLECAST_STYLES: styles },
    );
    expect(result.stderr).toMatch(/broken\.jpg/); // the library says why it skipped the file (a warning)
    const lines = result.stderr.split('\n').filter((l) => /^(error|hint):/.test(l));
    expect(lines[0]).toMatch(/^error: style 'broken' is neither an image file nor a style in /);
    expect(lines[1]).toMatch(/^hint: known styles: munch-the-scream$/);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/using 'munch-the-scream'|looks like a bug|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
