import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ENV } from './env.ts';
import { StylecastError } from './errors.ts';

const INSTALL_HINT =
  'install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set FFMPEG_PATH';

/** Finds ffmpeg (or ffprobe): FFMPEG_PATH, then PATH, then the optional ffmpeg-static package. */
export function findFfmpeg(
  tool: 'ffmpeg' | 'ffprobe' = 'ffmpeg',
  env: NodeJS.ProcessEnv = process.env,
): string {
  const exe = process.platform === 'win32' ? `${tool}.exe` : tool;
  const fromEnv = env[ENV.ffmpeg];
  if (fromEnv) {
    // FFMPEG_PATH names ffmpeg itself; ffprobe is looked for beside it.
    const candidate = tool === 'ffmpeg' ? fromEnv : join(fromEnv, '..', exe);
    if (existsSync(candidate)) return candidate;
    if (tool === 'ffmpeg') {
      throw new StylecastError(
        'FFMPEG_NOT_FOUND',
        `FFMPEG_PATH points to ${fromEnv}, which does not exist`,
        INSTALL_HINT,
      );
    }
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exe);
    if (existsSync(candidate)) return candidate;
  }
  if (tool === 'ffmpeg') {
    try {
      const staticPath = createRequire(import.meta.url)('ffmpeg-static') as string | null;
      if (staticPath && existsSync(staticPath)) return staticPath;
    } catch {
      // ffmpeg-static is optional.
    }
  }
  throw new StylecastError('FFMPEG_NOT_FOUND', `${tool} was not found`, INSTALL_HINT);
}

let cachedVersion: string | undefined;
/** First line of `ffmpeg -version`, for logs and bench reports. */
export function ffmpegVersion(path = findFfmpeg()): string {
  cachedVersion ??= execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0];
  return cachedVersion;
}
