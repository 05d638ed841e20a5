import { statfs } from 'node:fs/promises';

/** Free bytes in a folder (for the unprivileged user). */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export const megabytes = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;

export interface SpaceWatch {
  /** At least this many bytes must be free. */
  minFree: number;
  /** How often to look (ms). */
  every: number;
  /** Free bytes in a folder (tests inject it); default freeBytes. */
  freeSpace?: (dir: string) => Promise<number>;
}

/**
 * Looks at the free space in `dir` every `every` ms until `minFree` bytes are free, then calls
 * `onRoom` with what is free. Returns a function that stops looking. A failed look counts as no room.
 */
export function whenRoomIn(dir: string, watch: SpaceWatch, onRoom: (free: number) => void): () => void {
  const freeSpace = watch.freeSpace ?? freeBytes;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = async () => {
    const free = await freeSpace(dir).catch(() => 0);
    if (stopped) return;
    if (free >= watch.minFree) return onRoom(free);
    timer = setTimeout(look, watch.every);
    timer.unref();
  };
  timer = setTimeout(look, watch.every);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
