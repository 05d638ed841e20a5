import { join } from 'node:path';
import { defaultConfigDir } from '../../core/env.ts';
import type { Logger } from '../../core/log.ts';
import type { Daemon } from '../../daemon.ts';
import { DaemonTarget, type ObsStateSource } from './daemon-target.ts';
import { TOKEN_FILE } from './security.ts';
import { ApiServer } from './server.ts';

export { ApiServer } from './server.ts';
export type { ControlTarget } from './target.ts';

export interface ControlApi {
  server: ApiServer;
  target: DaemonTarget;
  stop(): Promise<void>;
}

/**
 * Starts the HTTP/WebSocket API and panel for a running daemon (config api.host/api.port/api.token)
 * and prints where to find it. A generated token is printed once, here.
 */
export async function startControlApi(options: {
  daemon: Daemon;
  log: Logger;
  obs?: () => ObsStateSource | undefined;
  configDir?: string;
  /** Where the panel URL is printed (stdout for `stylecast run`). */
  announce?: (line: string) => void;
}): Promise<ControlApi> {
  const { daemon, log } = options;
  const config = daemon.config;
  const configDir = options.configDir ?? defaultConfigDir();
  const target = new DaemonTarget({ daemon, obs: options.obs, obsEnabled: config.obs.enabled !== false });
  const server = new ApiServer({
    target,
    host: config.api.host,
    port: config.api.port,
    token: config.api.token,
    configDir,
    log: log.child({ part: 'api' }),
  });
  try {
    await server.start();
  } catch (error) {
    target.dispose();
    throw error;
  }
  const announce = options.announce ?? ((line: string) => log.info(line));
  if (server.generatedToken) {
    announce(`control panel: ${server.url}`);
    announce(
      `API token (shown once, stored in ${server.generatedToken.path}): ${server.generatedToken.token}`,
    );
  } else if (server.tokenRequired) {
    const where = config.api.token ? 'config api.token' : join(configDir, TOKEN_FILE);
    announce(`control panel: ${server.baseUrl}?token=<token from ${where}>`);
  } else announce(`control panel: ${server.url}`);
  return {
    server,
    target,
    stop: async () => {
      await server.stop();
      target.dispose();
    },
  };
}
