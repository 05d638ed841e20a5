import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { ObsBridge } from '../obs/bridge.ts';
import { installObsSource, obsStatus, uninstallObsSource } from '../obs/install.ts';
import { numberFlag } from './flags.ts';

/**
 * `stylecast obs install [--scene NAME] | status | uninstall`: manage stylecast's Media Source in OBS
 * over obs-websocket. URL and password come from the config, OBS_WEBSOCKET_URL and
 * OBS_WEBSOCKET_PASSWORD; the password is deliberately not a flag (argv is visible to other users).
 */
interface ObsFlags {
  config?: string;
  url?: string;
  scene?: string;
  source?: string;
  port?: string;
  activate?: boolean;
  json?: boolean;
}

function settingsFrom(flags: ObsFlags): Config['obs'] {
  // The shared parser: '' and 0x50 are refused like everywhere else, not read as 0 and 80.
  const port =
    flags.port === undefined
      ? undefined
      : numberFlag('--port', { min: 1, max: 65535, integer: true, example: 9079 })(flags.port);
  return loadConfig({
    file: flags.config,
    flags: { obs: { url: flags.url, scene: flags.scene, sourceName: flags.source, streamPort: port } },
  }).obs;
}

async function withBridge<T>(settings: Config['obs'], work: (bridge: ObsBridge) => Promise<T>): Promise<T> {
  const bridge = new ObsBridge({ url: settings.url, password: settings.password });
  await bridge.connect();
  try {
    return await work(bridge);
  } finally {
    await bridge.stop();
  }
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config file (JSON)')
    .option('--url <ws-url>', 'obs-websocket URL (default ws://127.0.0.1:4455, or OBS_WEBSOCKET_URL)')
    .option('--scene <name>', 'scene that holds the stylecast source (default "stylecast")')
    .option('--source <name>', 'name of the Media Source (default "stylecast feed")')
    .option('--json', 'print the result as JSON');
}

export function registerObs(program: Command): void {
  const obs = program
    .command('obs')
    .description('install, inspect or remove the stylecast source in OBS Studio (obs-websocket 5)');

  common(obs.command('install'))
    .description('create the scene and the Media Source that receives stylecast frames (safe to run again)')
    .option('--port <n>', 'TCP port the Media Source listens on (default 9079)')
    .option('--activate', 'also switch OBS to the scene')
    .action(async (flags: ObsFlags) => {
      const settings = settingsFrom(flags);
      const report = await withBridge(settings, (bridge) =>
        installObsSource(bridge, {
          scene: settings.scene,
          sourceName: settings.sourceName,
          streamPort: settings.streamPort,
          activate: flags.activate,
        }),
      );
      if (flags.json) return out(JSON.stringify(report));
      if (report.adopted)
        out(`using "${report.sourceName}": it listens on tcp port ${settings.streamPort} (renamed in OBS?)`);
      for (const name of report.otherListeners)
        out(
          `warning: "${name}" also listens on tcp port ${settings.streamPort}; only one source gets the frames`,
        );
      const what = report.createdInput ? 'created' : report.updatedSettings ? 'updated' : 'already installed';
      out(
        `${what}: "${report.sourceName}" in scene "${report.scene}", listening on tcp://127.0.0.1:${settings.streamPort}, fitted to ${report.canvas.width}x${report.canvas.height}`,
      );
    });

  common(obs.command('status'))
    .description('show whether OBS answers and whether the stylecast source is installed')
    .option('--port <n>', 'TCP port the Media Source should listen on (default 9079)')
    .action(async (flags: ObsFlags) => {
      const settings = settingsFrom(flags);
      const status = await withBridge(settings, (bridge) =>
        obsStatus(bridge, {
          scene: settings.scene,
          sourceName: settings.sourceName,
          streamPort: settings.streamPort,
        }),
      );
      if (flags.json) return out(JSON.stringify(status));
      out(
        `OBS ${status.obsVersion ?? '?'} (obs-websocket ${status.websocketVersion ?? '?'}) at ${settings.url}`,
      );
      out(`scene "${settings.scene}": ${status.sceneExists ? 'present' : 'missing'}`);
      out(
        `source "${status.inputName}"${status.inputName !== settings.sourceName ? ` (not "${settings.sourceName}": it listens on tcp port ${settings.streamPort})` : ''}: ${status.inputExists ? `present (${status.inputKind}), settings ${status.settingsMatch ? 'match' : 'differ — run `stylecast obs install`'}, ${status.sceneItems} in the scene` : 'missing — run `stylecast obs install`'}`,
      );
      if (status.portConflict)
        out(
          `conflict: ${status.portListeners.map((n) => `"${n}"`).join(' and ')} all listen on tcp port ${settings.streamPort}; only one gets the frames: remove the others`,
        );
      out(`program scene: "${status.programScene}"; OBS recording: ${status.recording ? 'yes' : 'no'}`);
    });

  common(obs.command('uninstall'))
    .description('remove the stylecast source (and its scene when nothing else is in it)')
    .action(async (flags: ObsFlags) => {
      const settings = settingsFrom(flags);
      const result = await withBridge(settings, (bridge) =>
        uninstallObsSource(bridge, { scene: settings.scene, sourceName: settings.sourceName }),
      );
      if (flags.json) return out(JSON.stringify(result));
      out(
        result.removedInput
          ? `removed "${settings.sourceName}"${result.removedScene ? ` and the empty scene "${settings.scene}"` : ''}`
          : `nothing to remove: no "${settings.sourceName}" in OBS`,
      );
    });
}
