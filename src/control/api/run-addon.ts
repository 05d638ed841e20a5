import type { Daemon } from '../../daemon.ts';
import type { RunAddon } from '../cli/run-addons.ts';
import { obsIntegrationOf } from '../obs/run-addon.ts';
import { type ApiServer, startControlApi } from './index.ts';
import { checkCanListen } from './listen.ts';

const servers = new WeakMap<Daemon, ApiServer>();

/** The API server started for a daemon, so other parts can mount pages on it (server.mount). */
export const apiServerOf = (daemon: Daemon): ApiServer | undefined => servers.get(daemon);

/**
 * The HTTP/WebSocket API and control panel in `stylecast run` (config api.host / api.port / api.token).
 * A port in use is a user error (one line); everything else about the API never stops the daemon.
 */
export const apiRunAddon: RunAddon = {
  name: 'api',
  preflight: (config) => checkCanListen(config.api.host, config.api.port),
  async start({ daemon, log }) {
    const lines: string[] = [];
    const api = await startControlApi({
      daemon,
      log,
      obs: () => obsIntegrationOf(daemon),
      announce: (line) => lines.push(line),
    });
    servers.set(daemon, api.server);
    return {
      lines,
      stop: async () => {
        servers.delete(daemon);
        await api.stop();
      },
    };
  },
};
