import { describeError } from '../../core/errors.ts';
import type { Daemon } from '../../daemon.ts';
import { ObsSink } from '../../output/obs-sink.ts';
import type { RunAddon } from '../cli/run-addons.ts';
import { portListeners } from './install.ts';
import { ObsIntegration } from './integration.ts';

/**
 * OBS in `stylecast run`:
 * - obs.enabled false (--no-obs): nothing.
 * - 'auto' (default): connect in the background; CustomEvents and scene->style work once OBS answers;
 *   frames go to OBS once its stylecast source exists (or always with obs.install / --output obs).
 * - true (--obs): also install the source on every (re)connect, and warn while OBS does not answer.
 * OBS trouble never stops the daemon: it logs one line per distinct problem and keeps retrying.
 */
const integrations = new WeakMap<Daemon, ObsIntegration>();

/** The OBS integration started for a daemon (the API reports its state), if any. */
export const obsIntegrationOf = (daemon: Daemon): ObsIntegration | undefined => integrations.get(daemon);

export const obsRunAddon: RunAddon = {
  name: 'obs',
  async start({ daemon, config, log }) {
    const obs = config.obs;
    if (obs.enabled === false) return { lines: ['OBS: off'] };
    const install = obs.install || obs.enabled === true;
    let sink: ObsSink | undefined;
    const integration = new ObsIntegration({ ...obs, install }, daemon.bus, log, {
      wrapRecord: false,
      // Never switch the live program scene from a daemon (it reconnects mid-stream).
      activate: false,
      // OBS is usually local: retrying often is cheap and gets the picture back sooner after a restart.
      backoff: { initialMs: 250, maxMs: 1000 },
      onReady: () => sink?.retryNow(),
      optional: obs.enabled === 'auto',
    });
    integrations.set(daemon, integration);
    daemon.onObsRecord = (action) => integration.obsRecord(action);

    const context = daemon.sinkContext();
    const hasObsSink = () => daemon.stats().sinks.some((s) => s.name === 'obs');
    const addSink = async () => {
      if (sink || hasObsSink()) return;
      sink = new ObsSink({
        port: obs.streamPort,
        fps: context.fps,
        logger: log,
        ffmpegPath: context.ffmpeg,
        slate: { width: context.width, height: context.height },
        // Fast while the bridge sees OBS; while it does not, each retry (an ffmpeg spawn) waits up to
        // 15 s, and onReady's retryNow() reconnects at once when OBS answers again.
        backoff: { initialMs: 250, maxMs: 1000, offlineMaxMs: 15_000 },
        obsReachable: () => integration.bridge.connected,
        statusLine: () => `obs-websocket ${integration.bridge.stats().state}`,
      });
      await daemon.addSink(sink).catch((e) => log.warn(`OBS output did not start: ${describeError(e)}`));
    };
    if (install) await addSink();
    else {
      // Without install, stream only once OBS shows it has our source (no ffmpeg retry loop for nobody).
      integration.bridge.on('connected', () => {
        const call = integration.bridge.call.bind(integration.bridge);
        void Promise.all([call('GetInputList'), portListeners(call, obs.streamPort)])
          // Our source, or one listening on our port under a name the user gave it.
          .then(([{ inputs }, listeners]) =>
            inputs.some((i) => i.inputName === obs.sourceName) || listeners.length > 0
              ? addSink()
              : undefined,
          )
          .catch(() => {});
      });
    }
    await integration.start();
    const where = `source "${obs.sourceName}" in scene "${obs.scene}", tcp://127.0.0.1:${obs.streamPort}`;
    return {
      lines: [`OBS: ${obs.url} (${integration.bridge.stats().state}; ${where})`],
      stop: async () => {
        daemon.onObsRecord = undefined;
        integrations.delete(daemon);
        await integration.stop();
      },
    };
  },
};
