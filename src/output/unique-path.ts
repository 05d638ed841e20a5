import { closeSync, openSync } from 'node:fs';

/**
 * Creates `path` (empty) only if nothing is there, else `name-2.ext`, `name-3.ext` …, and returns the
 * name it created. The exclusive create ('wx') is atomic, so two recorders started in the same second
 * (or a stop and a start racing) can never end up writing one file, and a recording never replaces
 * an existing file. Errors other than "exists" (ENOTDIR, EACCES, ENOSPC …) are thrown.
 */
export function reserveUniquePath(path: string, maxTries = 10_000): string {
  for (let n = 1; n <= maxTries; n++) {
    const candidate = n === 1 ? path : numberedPath(path, n);
    try {
      closeSync(openSync(candidate, 'wx'));
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free name like ${path} after ${maxTries} tries`);
}

/** rec.mkv -> rec-2.mkv (the extension stays last: it picks the container). */
export const numberedPath = (path: string, n: number): string => beforeExtension(path, `-${n}`);

/** Inserts `suffix` before the file's extension (or at the end when it has none). */
export function beforeExtension(path: string, suffix: string): string {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return dot > slash + 1 ? `${path.slice(0, dot)}${suffix}${path.slice(dot)}` : `${path}${suffix}`;
}
