import type { IncomingMessage } from 'node:http';
import { requestUrl } from '../control/api/request-url.ts';
import { checkAccess, checkOrigin, isLoopbackHost, resolveToken } from '../control/api/security.ts';
import { defaultConfigDir } from '../core/env.ts';
import { StylecastError } from '../core/errors.ts';
import type { FrameSink } from '../core/lifecycle.ts';
import { BrowserSink } from './browser-sink.ts';
import type { SinkContext } from './index.ts';
import { ObsSink } from './obs-sink.ts';
import { V4l2Sink } from './v4l2-sink.ts';

/**
 * Output-spec factories for the OBS-side sinks (registered in SINK_FACTORIES):
 *   obs | obs:PORT            NUT/TCP into the OBS Media Source (default port: config obs.streamPort)
 *   browser | browser:PORT    browser-source page on its own port (default: API port + 1)
 *   v4l2:/dev/videoN          v4l2loopback virtual camera
 */
function portOf(target: string, fallback: number, kind: string): number {
  if (!target) return fallback;
  const port = Number(target);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StylecastError(
      'BAD_ARGUMENT',
      `${kind}:${target} is not a TCP port`,
      `use ${kind}:9079 or just ${kind}`,
    );
  return port;
}

export function createObsSink(target: string, context: SinkContext): FrameSink {
  return new ObsSink({
    port: portOf(target, context.config.obs.streamPort, 'obs'),
    fps: context.fps,
    logger: context.log,
    ffmpegPath: context.ffmpeg,
    slate: { width: context.width, height: context.height },
  });
}

/** A browser sink that serves its page itself; start() binds the port. */
class StandaloneBrowserSink extends BrowserSink {
  private url = '';
  constructor(
    private readonly port: number,
    private readonly host: string,
    context: SinkContext,
  ) {
    // The API's rules: WebSockets ignore the same-origin policy, so without them any web page open in
    // the streamer's browser (or anyone on the LAN when bound there) could watch the camera.
    const loopback = isLoopbackHost(host);
    const { token } = context.config.api;
    let guard: { loopback: boolean; token?: string } | undefined;
    const authorize = (request: IncomingMessage) => {
      // Lazily: off loopback the API server generates the token first and shows it once.
      guard ??= {
        loopback,
        token: loopback ? token : resolveToken({ configured: token, configDir: defaultConfigDir() }).token,
      };
      try {
        checkAccess(guard, request.headers, requestUrl(request));
        checkOrigin(request.headers);
        return true;
      } catch {
        return false;
      }
    };
    super({ logger: context.log, authorize });
  }

  override async start(): Promise<void> {
    await super.start();
    try {
      const bound = await this.listen(this.port, this.host);
      this.url = `http://${this.host}:${bound}/obs/browser-source`;
    } catch (error) {
      await super.stop();
      throw new StylecastError(
        'PORT_IN_USE',
        `browser-source port ${this.port} is not free (${(error as Error).message})`,
        'pick another with --output browser:PORT',
      );
    }
  }

  override stats() {
    const stats = super.stats();
    return { ...stats, detail: `${this.url} ${stats.detail ?? ''}`.trim() };
  }
}

export function createBrowserSink(target: string, context: SinkContext): FrameSink {
  const { api } = context.config;
  return new StandaloneBrowserSink(portOf(target, api.port + 1, 'browser'), api.host, context);
}

export function createV4l2Sink(target: string, context: SinkContext): FrameSink {
  if (!target)
    throw new StylecastError('BAD_ARGUMENT', 'v4l2 output needs a device', 'use --output v4l2:/dev/video10');
  return new V4l2Sink({ device: target, fps: context.fps, logger: context.log, ffmpegPath: context.ffmpeg });
}
