import { describeError } from '../../core/errors.ts';
import { BrowserSink, FRAMES_PATH, PAGE_PATH } from '../../output/browser-sink.ts';
import { apiServerOf } from '../api/run-addon.ts';
import type { RunAddon } from '../cli/run-addons.ts';

/**
 * The browser-source page on the daemon's own API port, always there while the API runs:
 * http://127.0.0.1:8790/obs/browser-source (frames over a WebSocket at /obs/frames, behind the API's
 * token and origin checks). With no page open the sink costs nothing: it has no one to send to.
 */
export const browserSourceRunAddon: RunAddon = {
  name: 'browser-source',
  async start({ daemon, log }) {
    const server = apiServerOf(daemon);
    if (!server) return {};
    const sink = new BrowserSink({ logger: log, name: 'browser-source' });
    server.mount(PAGE_PATH, (req, res) => {
      if (!sink.handleRequest(req, res)) res.writeHead(404).end();
    });
    server.mountUpgrade(FRAMES_PATH, (req, socket, head) => {
      if (!sink.handleUpgrade(req, socket, head)) socket.destroy();
    });
    try {
      await daemon.addSink(sink);
    } catch (error) {
      log.warn(`browser-source page not available: ${describeError(error)}`);
      return {};
    }
    // Printed without the token (terminals get logged and screen-shared); the token is shown once, when generated.
    const page = new URL(server.baseUrl);
    page.pathname = PAGE_PATH;
    const tokenHint = server.url !== server.baseUrl ? '?token=<your API token>' : '';
    return {
      lines: [`OBS browser source: ${page.toString()}${tokenHint}`],
      stop: async () => {
        await daemon.removeSink(sink.name);
      },
    };
  },
};
