import { availableParallelism } from 'node:os';

/**
 * Intra-op threads for each session of the live pipeline when the config says 0 (auto). The live path
 * runs two models (segmentation, style) beside the pixel workers, capture and encoding, so ORT's default
 * (one thread per core per session) oversubscribes the cores. Measured on the 2-core machine here, one
 * thread per session: style-background 720p 28.1 vs 24.7 fps (63 vs 169 drops in 30 s, process p95 41-52
 * vs 62-72 ms); blur-background 15 vs 37 drops in 20 s. A quarter of the cores, at least one.
 */
export function liveSessionThreads(configured: number, cores = availableParallelism()): number {
  return configured > 0 ? configured : Math.max(1, Math.floor(cores / 4));
}

/**
 * Intra-op threads for a session that has the cores mostly to itself (style-frame: no segmentation
 * model runs beside it). Measured on the 2-core machine: style-frame 720p 16.2 vs 14.2 paintings/s
 * with 2 threads instead of 1 (single tiles, 54 vs 65 ms each). Capped at 8: the 384 transform's
 * convolutions do not scale further.
 */
export function soloSessionThreads(configured: number, cores = availableParallelism()): number {
  return configured > 0 ? configured : Math.max(1, Math.min(8, cores));
}
