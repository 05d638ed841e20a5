import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStylecastError } from '../../src/core/errors.ts';
import { makeFolder } from '../../src/core/folders.ts';

const dir = mkdtempSync(join(tmpdir(), 'stylecast-folders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('makeFolder', () => {
  it('creates every missing level and accepts a folder that exists', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeFolder(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeFolder(deep);
    makeFolder(dir);
  });

  it('names the file that is in the way', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    for (const target of [file, join(file, 'x', 'y')]) {
      const error = thrown(() => makeFolder(target));
      expect(isStylecastError(error)).toBe(true);
      expect((error as Error).message).toBe(
        `cannot create the folder ${target}: ${file} is a file, not a folder`,
      );
      expect(isStylecastError(error) && error.hint).toMatch(/move .*plain-file away/);
    }
  });

  // Node 20's mkdirSync(…, { recursive: true }) spins forever here; this returns at once.
  it.runIf(existsSync('/proc/self'))(
    'a file system that refuses new folders (/proc) is an error, not a hang',
    () => {
      const started = performance.now();
      const error = thrown(() => makeFolder('/proc/stylecast-nope/x', { purpose: 'for the styles' }));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(isStylecastError(error) && error.key).toBe('OUTPUT_FAILED');
      expect((error as Error).message).toBe(
        'cannot create the folder /proc/stylecast-nope/x for the styles: /proc does not allow new files or folders',
      );
      expect(existsSync('/proc/stylecast-nope')).toBe(false);
    },
  );
});
