import { setPriority } from 'node:os';

/**
 * Nice value of the stylizer's thread. Painting runs at its own rate and may lag; a late camera frame
 * is a dropped frame. At +10 the kernel gives the frame path (main thread, pixel workers, segmentation)
 * the core whenever both want it. Measured here (2 cores, 720p30, style-background with one morph after
 * another): process p95 41-43 -> 34-35 ms at the same style refresh (14-16/s) and output fps;
 * style-frame unchanged (25-28 paintings/s).
 */
export const BACKGROUND_THREAD_NICE = 10;

/**
 * Lowers the priority of the calling thread only. Linux keeps a nice value per thread, so this touches
 * nothing else; on Windows and macOS setPriority applies to the whole process (the daemon's frame path
 * too), so there it does nothing and returns false. Threads this thread starts later (ORT's intra-op
 * pool) inherit the value.
 */
export function lowerThreadPriority(nice = BACKGROUND_THREAD_NICE, platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  try {
    setPriority(nice); // pid 0: the calling thread on Linux
    return true;
  } catch {
    return false; // a sandbox that forbids it: run at normal priority
  }
}
