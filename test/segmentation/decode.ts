import { spawn } from 'node:child_process';
import { findFfmpeg } from '../../src/core/ffmpeg.ts';
import { type Frame, makeFrame } from '../../src/core/frame.ts';

/**
 * Decodes a video to RGBA frames with ffmpeg (optionally scaled/cropped to width x height), one at a
 * time, so a long clip never sits in memory. The ffmpeg child is killed when the consumer stops early.
 */
export async function* decodeFrames(
  path: string,
  options: { width: number; height: number; maxFrames?: number; filter?: string },
): AsyncGenerator<Frame> {
  const { width, height } = options;
  const filter =
    options.filter ?? `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-i', path, '-vf', filter];
  if (options.maxFrames) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1');
  const child = spawn(findFfmpeg(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const size = width * height * 4;
  let pending: Buffer = Buffer.alloc(0);
  let seq = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= size) {
        const data = new Uint8Array(pending.subarray(0, size));
        pending = pending.subarray(size);
        yield makeFrame({ width, height, data, pts: seq / 30, seq: seq++, readAt: performance.now() });
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** All frames of a short clip (keep it short: width * height * 4 bytes each). */
export async function collectFrames(
  path: string,
  options: { width: number; height: number; maxFrames: number; filter?: string },
): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(path, options)) frames.push(frame);
  return frames;
}
