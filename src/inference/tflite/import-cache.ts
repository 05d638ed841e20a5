import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/**
 * One entry of the importer's on-disk cache: `<source sha256>-v<importer version>.onnx` plus
 * `<that>.sha256`, the digest of the ONNX bytes. The digest makes the cache self-checking: a file
 * damaged on disk (or replaced) used to be handed to ONNX Runtime as is, which failed with "protobuf
 * parsing failed" while `models verify` (which checks the .tflite) said ok, so nothing the user ran
 * could fix it. Now such an entry is converted again and rewritten.
 */

export const checksumPathOf = (cachePath: string): string => `${cachePath}.sha256`;

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export type CacheEntry =
  | { state: 'absent' }
  /** No checksum beside it: written before entries had one, or a crash between the two renames. */
  | { state: 'unchecked' }
  | { state: 'damaged'; problem: string }
  | { state: 'ok'; onnx: Uint8Array };

export async function readCacheEntry(cachePath: string): Promise<CacheEntry> {
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(await readFile(cachePath));
  } catch {
    return { state: 'absent' }; // not there, or unreadable: either way it is converted again
  }
  let expected: string;
  try {
    expected = (await readFile(checksumPathOf(cachePath), 'utf8')).trim();
  } catch {
    return { state: 'unchecked' };
  }
  const digest = sha256Hex(onnx);
  if (digest === expected) return { state: 'ok', onnx };
  const problem =
    onnx.length === 0
      ? 'empty'
      : `${onnx.length} bytes, sha256 ${digest.slice(0, 12)}…, expected ${expected.slice(0, 12)}…`;
  return { state: 'damaged', problem };
}

/**
 * Each file is written under a temporary name and renamed, so a crash never leaves half a file; the
 * checksum goes last, so an entry whose checksum is missing is converted again rather than trusted.
 */
export async function writeCacheEntry(cachePath: string, onnx: Uint8Array): Promise<void> {
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  const files: [string, Uint8Array | string][] = [
    [cachePath, onnx],
    [checksumPathOf(cachePath), `${sha256Hex(onnx)}\n`],
  ];
  for (const [path, data] of files) {
    const temporary = `${path}${suffix}`;
    try {
      await writeFile(temporary, data);
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true }).catch(() => {});
    }
  }
}
