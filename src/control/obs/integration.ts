import type { Config } from '../../config/schema.ts';
import { describeError } from '../../core/errors.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { type Command, type CommandBus, CommandError, type CommandOf } from '../commands.ts';
import { ObsBridge, type ObsBridgeStats } from './bridge.ts';
import { parseCustomEvent } from './custom-event.ts';
import { installObsSource } from './install.ts';

/**
 * What `stylecast run --obs` adds to a daemon: the bridge (kept connected), the source installed on every
 * (re)connect when asked, CustomEvent commands and scene->style mapping fed into the command bus, and
 * the 'record' command's OBS side (StartRecord/StopRecord). The daemon's own recorder keeps the
 * 'daemon' side: whatever 'record' handler was registered before attach() handles it.
 */
export type ObsSettings = Config['obs'];

export interface ObsIntegrationStats {
  bridge: ObsBridgeStats;
  installed: boolean;
  installError?: string;
  customEvents: { accepted: number; foreign: number; invalid: number; failed: number };
  lastCommand?: string;
}

type RecordCommand = CommandOf<'record'>;

export class ObsIntegration {
  readonly bridge: ObsBridge;
  private readonly log: Logger;
  private readonly counts = { accepted: 0, foreign: 0, invalid: 0, failed: 0 };
  private installed = false;
  private adoptedName: string | undefined;
  private installError: string | undefined;
  private lastCommand: string | undefined;
  private detach: Array<() => void> = [];

  constructor(
    private readonly settings: Pick<
      ObsSettings,
      'url' | 'password' | 'scene' | 'sourceName' | 'streamPort' | 'sceneStyles' | 'install'
    >,
    private readonly bus: CommandBus,
    logger: Logger = silentLogger(),
    bridgeOptions: {
      backoff?: { initialMs: number; maxMs: number };
      activate?: boolean;
      /** Wrap the bus's 'record' handler (default). Off when the daemon calls obsRecord() itself (Daemon.onObsRecord). */
      wrapRecord?: boolean;
      /** Called after each (re)connect once the source is installed (or found): the sink reconnects at once. */
      onReady?: () => void;
      /** OBS is optional here: an unreachable OBS is logged at info, not warn. */
      optional?: boolean;
    } = {},
  ) {
    this.log = logger.child({ part: 'obs' });
    this.bridge = new ObsBridge({
      url: settings.url,
      password: settings.password,
      logger,
      backoff: bridgeOptions.backoff,
      optional: bridgeOptions.optional,
    });
    this.activate = bridgeOptions.activate ?? false;
    this.wrapRecord = bridgeOptions.wrapRecord ?? true;
    this.onReady = bridgeOptions.onReady;
  }

  private readonly onReady: (() => void) | undefined;

  private readonly wrapRecord: boolean;

  private readonly activate: boolean;

  /** Registers the bus handlers and starts connecting in the background (never throws for OBS trouble). */
  async start(): Promise<void> {
    const onConnected = () => void this.onConnected();
    const onCustom = (data: unknown) => void this.onCustomEvent(data);
    const onScene = (scene: string) => void this.onProgramScene(scene);
    this.bridge.on('connected', onConnected);
    this.bridge.on('custom-event', onCustom);
    this.bridge.on('program-scene', onScene);
    this.detach.push(() => {
      this.bridge.off('connected', onConnected);
      this.bridge.off('custom-event', onCustom);
      this.bridge.off('program-scene', onScene);
    });
    if (this.wrapRecord) this.attachRecord();
    await this.bridge.start();
  }

  async stop(): Promise<void> {
    for (const undo of this.detach.splice(0)) undo();
    await this.bridge.stop();
  }

  stats(): ObsIntegrationStats {
    return {
      bridge: this.bridge.stats(),
      installed: this.installed,
      ...(this.installError ? { installError: this.installError } : {}),
      customEvents: { ...this.counts },
      ...(this.lastCommand ? { lastCommand: this.lastCommand } : {}),
    };
  }

  /** OBS's own recording; resolves with the file OBS wrote when stopping. */
  async obsRecord(action: RecordCommand['action']): Promise<{ active: boolean; outputPath?: string }> {
    let wanted = action;
    if (action === 'toggle') {
      const { outputActive } = await this.bridge.call('GetRecordStatus');
      wanted = outputActive ? 'stop' : 'start';
    }
    if (wanted === 'start') {
      await this.bridge.call('StartRecord');
      return { active: true };
    }
    const { outputPath } = await this.bridge.call('StopRecord');
    return { active: false, outputPath: String(outputPath) };
  }

  /**
   * Wraps the daemon's 'record' handler (if any): target 'obs' goes to OBS, 'daemon' to the daemon's
   * recorder, 'both' to both. Restores the previous handler on stop().
   */
  private attachRecord(): void {
    const previous = this.bus.handlerOf('record');
    const handler = async (command: RecordCommand) => {
      const result: { daemon?: unknown; obs?: unknown } = {};
      if (command.target === 'daemon' || command.target === 'both') {
        if (!previous) throw new CommandError('unavailable', 'this daemon has no recorder of its own');
        result.daemon = await previous({ ...command, target: 'daemon' });
      }
      if (command.target === 'obs' || command.target === 'both') {
        try {
          result.obs = await this.obsRecord(command.action);
        } catch (error) {
          throw new CommandError('failed', describeError(error));
        }
      }
      return result;
    };
    const undo = this.bus.handle('record', handler);
    this.detach.push(() => {
      undo();
      if (previous) this.bus.handle('record', previous);
    });
  }

  private async onConnected(): Promise<void> {
    await this.installIfAsked();
    this.onReady?.();
  }

  private async installIfAsked(): Promise<void> {
    if (!this.settings.install) return;
    try {
      const report = await installObsSource(this.bridge, {
        scene: this.settings.scene,
        sourceName: this.settings.sourceName,
        streamPort: this.settings.streamPort,
        activate: this.activate,
      });
      this.installed = true;
      this.installError = undefined;
      // One line per name (not per reconnect): the user renamed our source and we keep using it.
      if (report.adopted && this.adoptedName !== report.sourceName)
        this.log.info(
          `using the OBS source "${report.sourceName}" (it listens on tcp port ${this.settings.streamPort}) as stylecast's source`,
        );
      this.adoptedName = report.adopted ? report.sourceName : undefined;
      if (report.otherListeners.length > 0)
        this.log.warn(
          `OBS sources ${report.otherListeners.map((n) => `"${n}"`).join(', ')} also listen on tcp port ${this.settings.streamPort}: only one gets stylecast's frames; remove them or give them another port`,
        );
      if (report.createdInput || report.updatedSettings || report.removedDuplicates)
        this.log.info(
          { scene: report.scene, source: report.sourceName },
          'installed the stylecast source in OBS',
        );
    } catch (error) {
      this.installed = false;
      this.installError = describeError(error);
      this.log.warn(`could not install the OBS source: ${this.installError}`);
    }
  }

  private async onCustomEvent(data: unknown): Promise<void> {
    const parsed = parseCustomEvent(data);
    if (parsed.kind === 'foreign') {
      this.counts.foreign++;
      return;
    }
    if (parsed.kind === 'invalid') {
      this.counts.invalid++;
      this.log.warn(`ignored a stylecast CustomEvent: ${parsed.reason}`);
      return;
    }
    await this.run(parsed.command);
  }

  private async onProgramScene(scene: string): Promise<void> {
    const style = this.settings.sceneStyles[scene];
    if (style) await this.run({ command: 'style', name: style });
  }

  private async run(command: Command): Promise<void> {
    try {
      await this.bus.execute(command, 'obs');
      this.counts.accepted++;
      this.lastCommand = command.command;
    } catch (error) {
      this.counts.failed++;
      this.log.warn(`command '${command.command}' from OBS failed: ${describeError(error)}`);
    }
  }
}
