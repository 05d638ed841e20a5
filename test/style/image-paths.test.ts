import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStylecastError } from '../../src/core/errors.ts';
import { readImageRgba } from '../../src/pipeline/style/image.ts';

/** What readImageRgba says about paths that are not image files (the `segment`/`stylize` errors). */

const dir = mkdtempSync(join(tmpdir(), 'stylecast-image-paths-'));
afterAll(() => {
  if (existsSync(join(dir, 'locked'))) chmodSync(join(dir, 'locked'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

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

  // root reads through any permission: the check needs an ordinary user.
  it.skipIf(process.getuid?.() === 0)('a folder it may not enter is "permission denied"', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'a.png'), 'x');
    chmodSync(locked, 0o000);
    expect(await messageOf(join(locked, 'a.png'))).toMatch(/cannot be reached: permission denied$/);
  });
});
