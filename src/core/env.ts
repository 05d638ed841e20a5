import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** Environment variables other tools rely on. Read here only; everything else receives values. */
export const ENV = {
  models: 'STYLECAST_MODELS',
  styles: 'STYLECAST_STYLES',
  obsUrl: 'OBS_WEBSOCKET_URL',
  obsPassword: 'OBS_WEBSOCKET_PASSWORD',
  ffmpeg: 'FFMPEG_PATH',
  config: 'STYLECAST_CONFIG',
  cacheDir: 'STYLECAST_CACHE',
  /** A mirror for `models pull`: files are fetched from <url>/<manifest file path>. */
  modelsBaseUrl: 'STYLECAST_MODELS_BASE_URL',
} as const;

/** Per-OS cache directory: XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[ENV.cacheDir]) return env[ENV.cacheDir] as string;
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Caches', 'stylecast');
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'stylecast', 'cache');
    default:
      return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stylecast');
  }
}

/** Per-OS config directory, where the config file and the API token live. */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'stylecast');
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'stylecast');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'stylecast');
  }
}
