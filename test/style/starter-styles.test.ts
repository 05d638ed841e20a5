import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { starterStyles } from '../../src/pipeline/style/starter.ts';
import { expectOneError, runCli } from '../cli/cli-helpers.ts';
import { SMALL_TEST_INPUT, startDaemon } from '../helpers/daemon-process.ts';
import { MODELS_DIR, STYLES_DIR } from '../helpers/shared.ts';
import { type ModelServer, startModelServer } from '../inference/pull-server.ts';

// `stylecast styles pull` from a real HTTP mirror of ../shared/styles (the canonical URLs need the internet).
const root = mkdtempSync(join(tmpdir(), 'stylecast-starter-'));
let mirror: ModelServer;
beforeAll(async () => {
  mirror = await startModelServer(STYLES_DIR);
});
afterAll(async () => {
  await mirror?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('starter paintings manifest', () => {
  it('names each shared painting by size and sha256, at a pinned commit, one style name each', () => {
    const styles = starterStyles();
    expect(styles.length).toBe(10);
    for (const style of styles) {
      const bytes = readFileSync(join(STYLES_DIR, style.file));
      expect([bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([
        style.size,
        style.sha256,
      ]);
      for (const url of style.urls) expect(url).toContain(style.source.commit);
    }
    expect(new Set(styles.map((s) => s.name)).size).toBe(styles.length);
  });
});

describe('stylecast styles pull (real CLI)', { timeout: 120_000 }, () => {
  it('fills an empty styles folder, keeps verified files, replaces a damaged one', async () => {
    const folder = join(root, 'pulled');
    const first = await runCli(['styles', 'pull', '--folder', folder, '--base-url', mirror.baseUrl]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^van-gogh-starry-night: added \(Vincent van Gogh, The Starry Night \(1889\)\)$/m,
    );
    expect(first.stdout).toMatch(/^10 added to .*pulled; a running stylecast picks them up by itself$/m);
    for (const style of starterStyles())
      expect(readFileSync(join(folder, style.file)).equals(readFileSync(join(STYLES_DIR, style.file)))).toBe(
        true,
      );

    truncateSync(join(folder, 'klee_abstract.jpg'), 1000);
    const again = await runCli(['styles', 'pull', '--folder', folder, '--base-url', mirror.baseUrl]);
    expect(again.stdout).toMatch(/^klee-abstract: added/m);
    expect(again.stdout).toMatch(/^hokusai-great-wave: already there/m);
    expect(again.stdout).toMatch(/^1 added to /m);
  });

  it('a mirror without the paintings is one error line whose hint is about styles, not models', async () => {
    const result = await runCli([
      'styles',
      'pull',
      '--folder',
      join(root, 'none'),
      '--base-url',
      `${mirror.baseUrl}/nowhere`,
    ]);
    expectOneError(
      result,
      /^error: cannot download 'van-gogh-starry-night': .*HTTP 404/,
      /^hint: .*--base-url <url> sets a mirror\)$/,
    );
  });

  it('a running daemon with an empty styles folder says how to get paintings, then picks the pulled ones up', async () => {
    const folder = join(root, 'live');
    const daemon = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--no-obs', '--effect', 'style-background'],
      env: { STYLECAST_MODELS: MODELS_DIR, STYLECAST_STYLES: folder, STYLECAST_CACHE: join(root, 'cache') },
    });
    try {
      await daemon.waitForOutput(
        /no styles in .*: run `stylecast styles pull` for starter paintings/,
        30_000,
      );
      const pulled = await runCli(['styles', 'pull', '--folder', folder, '--base-url', mirror.baseUrl]);
      expect(pulled.code, pulled.stderr).toBe(0);
      const styleNames = async () =>
        (await daemon.api<{ styles: { name: string }[] }>('/api/v1/styles')).styles.map((s) => s.name);
      await expect.poll(styleNames, { timeout: 30_000, interval: 200 }).toHaveLength(10);
      expect(await styleNames()).toContain('hokusai-great-wave');
      // The painted background starts by itself: the first painting that arrived is the style on screen.
      const status = await daemon.api<{ style: { name?: string } }>('/api/v1/status');
      expect(await styleNames()).toContain(status.style.name);
    } finally {
      await daemon.stop();
    }
  });
});
