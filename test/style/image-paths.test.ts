import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStylecastError } from '../../src/core/errors.ts';
import { readImageRgba } from '../../src/pipeline/style/image.ts';
import { REPO } from '../helpers/shared.ts';

/** What readImageRgba says about paths that are not image files (the `segment`/`stylize` errors). */

const dir = mkdtempSync(join(tmpdir(), 'stylecast-image-paths-'));
afterAll(() => {
  if (existsSync(join(dir, 'locked'))) chmodSync(join(dir, 'locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

// root reads through any permission: under root (CI) the CLI runs as `nobody`.
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const ordinaryUserCanRunCli =
  spawnSync(
    process.execPath,
    ['-e', `require('fs').accessSync(${JSON.stringify(join(REPO, 'src', 'daemon.ts'))})`],
    asUser,
  ).status === 0;

const messageOf = async (path: string): Promise<string> => {
  const error = await readImageRgba(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStylecastError(error)) throw new Error(`expected a StylecastError, got ${String(error)}`);
  return error.message;
};

describe('readImageRgba on paths that are not image files', () => {
  it('a folder is a folder; a device or a pipe is "not a regular file", never "a folder"', async () => {
    expect(await messageOf(dir)).toBe(`image ${dir}: it is a folder, not an image file`);
    if (existsSync('/dev/zero'))
      expect(await messageOf('/dev/zero')).toBe('image /dev/zero: it is not a regular file (a device)');
    const fifo = join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    expect(await messageOf(fifo)).toBe(`image ${fifo}: it is not a regular file (a pipe)`);
  });

  it('"does not exist" only for a path that does not exist', async () => {
    expect(await messageOf(join(dir, 'nope.png'))).toBe(`image ${join(dir, 'nope.png')} does not exist`);
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const under = join(file, 'x.png');
    expect(await messageOf(under)).toBe(
      `image ${under} cannot exist: part of its path is a file, not a folder`,
    );
  });

  // Skipped (and reported so) only where the checkout itself is closed to other users.
  it.skipIf(!ordinaryUserCanRunCli)(
    'a folder it may not enter is "permission denied" (the real CLI, as an ordinary user)',
    () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      writeFileSync(join(locked, 'a.png'), 'x');
      chmodSync(locked, 0o000);
      chmodSync(dir, 0o755);
      const result = spawnSync(
        process.execPath,
        [join(REPO, 'bin', 'stylecast.js'), 'segment', join(locked, 'a.png'), '--out', join(dir, 'm.png')],
        {
          ...asUser,
          cwd: REPO,
          encoding: 'utf8',
          env: { ...process.env, HOME: tmpdir(), STYLECAST_CONFIG: '' },
        },
      );
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error: image .*a\.png cannot be reached: permission denied\nhint: /);
    },
  );
});
