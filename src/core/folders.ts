import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StylecastError } from './errors.ts';

/**
 * Creates a folder and its missing parents, one level at a time from the deepest folder that exists.
 * Not `mkdirSync(dir, { recursive: true })`: on Node 20 that never returns (it spins at 100 % CPU,
 * deaf to SIGTERM) when the file system refuses a new folder with ENOENT, as /proc does, so
 * `--record /proc/foo/x.mkv` hung `run` and `render` for good. Each refusal here is a one-line
 * StylecastError saying which folder and why; `purpose` says what the folder is for ("for the styles"),
 * `hint` replaces the generic hint.
 */
export function makeFolder(dir: string, options: { purpose?: string; hint?: string } = {}): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch (error) {
      const code = errnoCode(error);
      // ENOTDIR: a file further up is in the way; walking up finds and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw folderError(target, at, code, options);
      const parent = dirname(at);
      if (parent === at) throw folderError(target, at, code, options);
      missing.push(at);
      at = parent;
      continue;
    }
    if (!isFolder) throw folderError(target, at, 'ENOTDIR', options);
    break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = errnoCode(error);
      // Another process made it meanwhile: fine, as long as it is a folder.
      if (code === 'EEXIST' && isDirectory(folder)) continue;
      throw folderError(target, folder, code, options);
    }
  }
}

/** Why the file system refused to create `path` (a file or a folder), in words, from an errno code. */
export function refusalReason(code: string | undefined, path: string): string {
  switch (code) {
    case 'ENOENT':
      // The parent exists (we checked), so this is a file system that takes no new entries (/proc, /sys).
      return `${dirname(path)} does not allow new files or folders`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied in ${dirname(path)}`;
    case 'EROFS':
      return `${dirname(path)} is on a read-only file system`;
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EEXIST':
    case 'ENOTDIR':
      return `${path} is a file, not a folder`;
    case 'EISDIR':
      return `${path} is a folder`;
    case 'ENAMETOOLONG':
      return 'the name is too long';
    default:
      return `the file system refused it (${code ?? 'unknown error'})`;
  }
}

function folderError(
  target: string,
  at: string,
  code: string | undefined,
  options: { purpose?: string; hint?: string },
): StylecastError {
  const fileInTheWay = code === 'EEXIST' || code === 'ENOTDIR';
  return new StylecastError(
    'OUTPUT_FAILED',
    `cannot create the folder ${target}${options.purpose ? ` ${options.purpose}` : ''}: ${refusalReason(code, at)}`,
    options.hint ??
      (fileInTheWay
        ? `move ${at} away or choose another path`
        : 'choose a folder you can write to (in your home folder, say)'),
  );
}

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
