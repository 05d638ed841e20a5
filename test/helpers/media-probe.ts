import { execFileSync } from 'node:child_process';

// ffprobe questions the tests ask of files they wrote (ffprobe ships with ffmpeg).

/** ffprobe: duration in seconds of a media file (undefined when it cannot be read). */
export function probeDuration(path: string): number | undefined {
  try {
    const out = execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path],
      { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    const value = Number(out);
    return Number.isFinite(value) && out !== '' && out !== 'N/A' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes the whole file (what a player does): the number of video frames, or undefined. */
export function countDecodedFrames(path: string): number | undefined {
  try {
    const out = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        path,
      ],
      { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    const value = Number.parseInt(out, 10);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
