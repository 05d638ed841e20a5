/**
 * The stylecast daemon: one input -> one effect -> many sinks, plus the command bus.
 *
 * API (other parts integrate through this; keep it stable):
 *   const daemon = new Daemon({ config, log })          // config: the validated Config
 *   daemon.bus: CommandBus                               // the daemon handles 'effect', 'mask' and 'record'
 *   await daemon.start()                                 // opens input, effect, outputs; resolves at the first frame
 *   await daemon.stop()                                  // clean: finalizes recordings, disposes the effect
 *   await daemon.addSink(sink) / await daemon.removeSink(name)   // starts / stops the sink too
 *   daemon.stats(): DaemonStats                          // fps, drops, restarts, p50/p95 per stage, sinks, effect
 *   daemon.latestFrame(): Frame | undefined              // a copy of the latest output frame
 *   daemon.on('stats', (s: DaemonStats) => …)            // every second while running
 *   daemon.on('state', (s: { state: DaemonState; effect: string; detail?: string }) => …)
 *   daemon.on('frame', (f: Frame) => …)                  // every output frame (keep listeners cheap)
 *   daemon.on('end', () => …)                            // a file input without --loop reached its end
 *   daemon.config / daemon.updateConfig(fn)              // current settings; effect.update() is called
 *   daemon.isRecording() / daemon.recordingStatus()      // any recorder sink writing; its real path, or why it failed
 *   daemon.effectName, daemon.inputDescription, daemon.onObsRecord (hook for record target obs/both)
 * Effects that fail to build fall back (EFFECT_FALLBACKS in pipeline/effect-fallback.ts) with one log line; the stream never stops for it.
 */
import { createSource, type FfmpegSource } from './capture/index.ts';
import { type Config, MaskSettings } from './config/schema.ts';
import { CommandBus, CommandError, type CommandOf } from './control/commands.ts';
import { describeError, type ErrorKey, isStylecastError, StylecastError } from './core/errors.ts';
import { findFfmpeg } from './core/ffmpeg.ts';
import { copyOf, type Frame } from './core/frame.ts';
import { type FrameSink, SafeEmitter, type SinkStats } from './core/lifecycle.ts';
import type { Logger } from './core/log.ts';
import { createSink, type SinkContext } from './output/index.ts';
import { Recorder } from './output/recorder.ts';
import type { Effect } from './pipeline/effect.ts';
import { createEffectWithFallback } from './pipeline/effect-fallback.ts';
import { createEffect } from './pipeline/effects/index.ts';
import type { PipelineStats } from './pipeline/pipeline-stats.ts';
import { FrameScheduler } from './pipeline/scheduler.ts';
import { StyleService } from './pipeline/style/service.ts';

export type DaemonState = 'idle' | 'starting' | 'running' | 'restarting' | 'ended' | 'stopping' | 'stopped';

export interface DaemonStats extends PipelineStats {
  state: DaemonState;
  uptimeS: number;
  effect: string;
  restarts: number;
  input: { description: string; width: number; height: number; fps: number };
  sinks: SinkStats[];
}

export interface DaemonOptions {
  config: Config;
  log: Logger;
  /** Injected source (tests, bench); default: from config.input. */
  source?: FfmpegSource;
}

export const RECORDING_SINK = 'recording';

/** What GET /api/v1/recording shows: `active` only while a recorder writes; a failed one says why. */
export interface RecordingStatus {
  active: boolean;
  /** The file being written (or that was, when failed). */
  path?: string;
  startedAt?: string;
  seconds?: number;
  frames?: number;
  state?: 'running' | 'failed';
  error?: string;
}

const ASKERS_MISTAKES = new Set<ErrorKey>([
  'UNKNOWN_EFFECT',
  'BAD_ARGUMENT',
  'BAD_IMAGE',
  'INPUT_NOT_FOUND',
  'INPUT_UNREADABLE',
]);

export class Daemon extends SafeEmitter {
  readonly bus = new CommandBus((error, event) =>
    this.log.error(`command listener '${String(event)}': ${error}`),
  );
  /** Set by the OBS bridge to serve `record` commands aimed at OBS. */
  onObsRecord: ((action: 'start' | 'stop' | 'toggle') => Promise<unknown>) | undefined;
  private readonly log: Logger;
  private currentConfig: Config;
  private source: FfmpegSource | undefined;
  private scheduler: FrameScheduler | undefined;
  private state: DaemonState = 'idle';
  private startedAt = 0;
  private statsTimer: NodeJS.Timeout | undefined;
  private ffmpegPath: string | undefined;
  private effectSwitch: Promise<unknown> = Promise.resolve();
  /** The effect switch waiting for the one being built (switchEffect): only the latest asked for. */
  private queuedSwitch:
    | {
        command: CommandOf<'effect'>;
        askers: { resolve(r: { effect: string }): void; reject(e: unknown): void }[];
      }
    | undefined;
  private switching: Promise<void> | undefined;
  /** Effects being created for a switch: stop() waits for them (their workers must end too). */
  private readonly effectsInMaking = new Set<Promise<unknown>>();
  /** Ctrl-C came while start() was still running: its input is not opened (or waited for) any longer. */
  private startAborted = false;
  /** Style models, library and current style: shared by the style effects across effect switches. */
  readonly styles: StyleService;

  constructor(private readonly options: DaemonOptions) {
    super((error, event) => options.log.error(`daemon listener for '${String(event)}' failed: ${error}`));
    this.log = options.log;
    this.currentConfig = options.config;
    this.bus.handle('effect', (command) => this.switchEffect(command));
    this.bus.handle('record', (command) => this.record(command));
    this.bus.handle('mask', (command) => this.setMask(command));
    this.styles = new StyleService(options.config, options.log);
    this.styles.registerCommands(this.bus);
  }

  get config(): Config {
    return this.currentConfig;
  }

  get effectName(): string {
    return this.scheduler?.currentEffect.name ?? this.currentConfig.effect.name;
  }

  get inputDescription(): string {
    return this.source?.description ?? this.currentConfig.input.source;
  }

  /** Changes settings at run time; the effect sees them through update(). */
  updateConfig(change: (config: Config) => Config): void {
    this.currentConfig = change(this.currentConfig);
    this.scheduler?.currentEffect.update?.(this.currentConfig);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.setState('starting');
    const { input } = this.currentConfig;
    const source =
      this.options.source ??
      (await createSource(input, { log: this.log, mode: 'live', ffmpeg: this.ffmpeg() }));
    this.source = source;
    const sinks = this.configuredSinks();
    const effect = await createEffectWithFallback(this.currentConfig.effect.name, {
      config: this.currentConfig,
      log: this.log,
      style: this.styles,
    });
    // Style effect asked but fell back (models not pulled yet): switch by itself once they appear.
    this.styles.watchForModels(this.currentConfig.effect.name, effect.name, (name) =>
      this.bus.execute({ command: 'effect', name }, 'internal'),
    );
    const scheduler = new FrameScheduler({
      effect,
      log: this.log,
      mode: 'live',
      width: source.width,
      height: source.height,
      fps: source.fps,
      keepAliveAfterMs: Math.max(250, 3000 / source.fps),
      // Listeners may keep the frames they are given: their buffers must not be reused then.
      framesEscape: () => this.listenerCount('frame') > 0,
    });
    this.scheduler = scheduler;
    scheduler.on('frame', (frame: Frame) => this.safeEmit('frame', frame));
    scheduler.attach(source);
    for (const sink of sinks) {
      // A recording that cannot start is reported once, as the error below, not also as a warning.
      const required = sink instanceof Recorder;
      try {
        await this.addSink(sink, { quiet: required });
      } catch (error) {
        // Other outputs are optional; a recording asked for at start is not: running unrecorded
        // while the user believes the show is being kept would lose it.
        if (!required) continue;
        await this.stop();
        const reason = isStylecastError(error) ? error.message : describeError(error);
        throw new StylecastError(
          'RECORDING',
          `cannot record to ${sink.requestedPath}: ${reason}`,
          (isStylecastError(error) && error.hint) ||
            'check that the folder can be created and written, or record somewhere else (--record PATH)',
        );
      }
    }
    source.on('restart', ({ reason }) => this.setState('restarting', `input ${reason}`));
    source.on('frame', () => {
      if (this.state === 'restarting') this.setState('running');
    });
    source.on('end', () => {
      this.setState('ended', 'input ended');
      this.safeEmit('end');
    });
    // At start-up the same error rejects start() and is printed once by the caller.
    source.on('error', (error) => {
      if (this.state !== 'starting') this.log.error(`input failed: ${describeError(error)}`);
    });
    try {
      if (this.startAborted) await source.stop(); // start() then resolves at once; the caller stops us
      await source.start();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.startedAt = performance.now();
    this.statsTimer = setInterval(() => this.safeEmit('stats', this.stats()), 1000);
    this.statsTimer.unref();
    this.setState('running');
  }

  /**
   * A stop asked for while start() runs: a stream that never answers would keep start() waiting for
   * its first frame, so the input is stopped now; start() settles and stop() cleans up after it.
   */
  abortStart(): void {
    if (this.state !== 'starting') return;
    this.startAborted = true;
    void this.source?.stop();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.setState('stopping');
    clearInterval(this.statsTimer);
    await this.source?.stop();
    const scheduler = this.scheduler;
    if (scheduler) {
      await scheduler.stop();
      await Promise.allSettled([...this.effectsInMaking]);
      await this.switching; // its last overtaken effect may still be being disposed
      await this.effectSwitch;
      await Promise.all(scheduler.sinks.map((sink) => this.stopSink(sink)));
      await scheduler.currentEffect
        .dispose()
        .catch((e) => this.log.warn(`effect dispose: ${describeError(e)}`));
    }
    await this.styles.dispose();
    this.setState('stopped');
  }

  /**
   * Starts a sink and sends it frames. A sink that fails to start is not attached; it is logged
   * unless `quiet` (the caller reports it itself).
   */
  async addSink(sink: FrameSink, options: { quiet?: boolean } = {}): Promise<void> {
    if (!this.scheduler) throw new Error('daemon not started');
    try {
      await sink.start();
    } catch (error) {
      if (!options.quiet) this.log.warn(`output ${sink.name} did not start: ${describeError(error)}`);
      throw error;
    }
    this.scheduler.addSink(sink);
  }

  async removeSink(name: string): Promise<boolean> {
    const sink = this.scheduler?.removeSink(name);
    if (sink) await this.stopSink(sink);
    return sink !== undefined;
  }

  /** A copy of the latest output frame (yours to keep: capture reuses the buffers of output frames). */
  latestFrame(): Frame | undefined {
    const frame = this.peekLatestFrame();
    return frame && { ...frame, data: copyOf(frame.data) };
  }

  /** The latest output frame itself: read it before yielding, or copy it (its buffer gets reused). */
  peekLatestFrame(): Frame | undefined {
    return this.scheduler?.latestFrame();
  }

  stats(): DaemonStats {
    const pipeline = this.scheduler?.stats() ?? emptyPipelineStats();
    return {
      ...pipeline,
      state: this.state,
      uptimeS: this.startedAt ? Math.round((performance.now() - this.startedAt) / 100) / 10 : 0,
      effect: this.effectName,
      restarts: this.source?.restarts ?? 0,
      input: {
        description: this.inputDescription,
        width: this.source?.width ?? this.currentConfig.input.width,
        height: this.source?.height ?? this.currentConfig.input.height,
        fps: this.source?.fps ?? this.currentConfig.input.fps,
      },
      sinks: this.scheduler?.sinks.map((s) => s.stats()) ?? [],
    };
  }

  /** The context output factories get (shared with the CLI, which builds sinks the same way). */
  sinkContext(): SinkContext {
    const source = this.source;
    const spec = source?.spec;
    return {
      config: this.currentConfig,
      log: this.log,
      bus: this.bus,
      width: source?.width ?? this.currentConfig.input.width,
      height: source?.height ?? this.currentConfig.input.height,
      fps: source?.fps ?? this.currentConfig.input.fps,
      ffmpeg: this.ffmpeg(),
      mode: 'live',
      inputFile: spec?.kind === 'file' ? { path: spec.path, loop: source?.loop ?? false } : undefined,
    };
  }

  private ffmpeg(): string {
    this.ffmpegPath ??= findFfmpeg();
    return this.ffmpegPath;
  }

  private configuredSinks(): FrameSink[] {
    const { outputs, record } = this.currentConfig;
    const specs = [...outputs];
    if (record.path && !specs.some((s) => s === `file:${record.path}` || s === record.path))
      specs.push(`file:${record.path}`);
    // Bad specs are user errors: thrown here, before anything starts.
    return specs.map((spec) => createSink(spec, this.sinkContext()));
  }

  /**
   * Effect switches run one at a time and the latest wins: a switch asked for while another is being
   * built waits, replacing any earlier one still waiting, so a button pressed five times quickly builds
   * two effects, not five at once (each is a model and its worker threads), and the stream ends on the
   * last one pressed. An effect built while a later switch was asked for is never shown: its askers get
   * the later switch's outcome.
   */
  private switchEffect(command: CommandOf<'effect'>): Promise<{ effect: string }> {
    if (!this.scheduler) throw new CommandError('unavailable', 'the pipeline is not running');
    return new Promise((resolve, reject) => {
      const asker = { resolve, reject };
      if (this.queuedSwitch) {
        this.queuedSwitch.command = command;
        this.queuedSwitch.askers.push(asker);
      } else this.queuedSwitch = { command, askers: [asker] };
      this.switching ??= this.runQueuedSwitches().finally(() => {
        this.switching = undefined;
      });
    });
  }

  private async runQueuedSwitches(): Promise<void> {
    while (this.queuedSwitch) {
      const { command, askers } = this.queuedSwitch;
      this.queuedSwitch = undefined;
      try {
        const effect = await this.buildEffect(command);
        const later = this.laterSwitch();
        if (later) {
          // Overtaken while it was built: the later switch answers for both.
          later.askers.push(...askers);
          await effect.dispose().catch((e) => this.log.warn(`effect dispose: ${describeError(e)}`));
          continue;
        }
        const result = await this.showEffect(effect, command);
        for (const asker of askers) asker.resolve(result);
      } catch (error) {
        for (const asker of askers) asker.reject(error);
      }
    }
  }

  /** A method, not the field: a switch may have been queued while this one was awaited. */
  private laterSwitch() {
    return this.queuedSwitch;
  }

  /** Builds the effect a switch asks for (not yet shown), or says why it cannot run. */
  private async buildEffect(command: CommandOf<'effect'>): Promise<Effect> {
    if (this.state === 'stopping' || this.state === 'stopped')
      throw new CommandError('unavailable', 'the daemon is stopping');
    const next = this.configWithEffect(command);
    const making = createEffect(command.name, { config: next, log: this.log, style: this.styles }).then(
      async (made) => {
        if (this.state !== 'stopping' && this.state !== 'stopped') return made;
        // The daemon stopped while this effect loaded: nothing will swap it in, so it ends here.
        await made.dispose().catch((e) => this.log.warn(`effect dispose: ${describeError(e)}`));
        return undefined;
      },
    );
    this.effectsInMaking.add(making);
    let effect: Effect | undefined;
    try {
      effect = await making;
    } catch (error) {
      // The asker's mistake (an unknown effect, a background that is no colour or image) keeps its
      // code and hint; anything else (models missing, say) means the effect cannot run here now.
      if (isStylecastError(error) && ASKERS_MISTAKES.has(error.key)) throw error;
      throw new CommandError('unavailable', describeError(error));
    } finally {
      this.effectsInMaking.delete(making);
    }
    if (!effect) throw new CommandError('unavailable', 'the daemon is stopping');
    return effect;
  }

  private configWithEffect(command: CommandOf<'effect'>): Config {
    const { effect } = this.currentConfig;
    return {
      ...this.currentConfig,
      effect: { ...effect, name: command.name, background: command.background ?? effect.background },
    };
  }

  /** Hands a built effect to the scheduler; resolves once it runs (at most one frame). */
  private async showEffect(effect: Effect, command: CommandOf<'effect'>): Promise<{ effect: string }> {
    const scheduler = this.scheduler;
    if (!scheduler) throw new CommandError('unavailable', 'the pipeline is not running');
    // Settings changed while it was built (mask sliders, say) reach it now.
    this.currentConfig = this.configWithEffect(command);
    effect.update?.(this.currentConfig);
    // Resolves with the effect the scheduler let go (the old one; this one itself if a later swap
    // replaced it before it ran).
    const replaced = scheduler.swapEffect(effect);
    const disposed = replaced
      .then((old) => (old === scheduler.currentEffect ? undefined : old.dispose()))
      .catch((e) => this.log.warn(`effect dispose: ${describeError(e)}`));
    this.effectSwitch = Promise.all([this.effectSwitch, disposed]);
    await replaced;
    this.log.info(`effect: ${this.effectName}`);
    this.setState(this.state);
    return { effect: this.effectName };
  }

  /** Mask settings changed live (panel sliders, `/mask/set`, OBS events): the running effect follows. */
  private setMask(command: CommandOf<'mask'>): { mask: MaskSettings } {
    this.updateConfig((config) => ({
      ...config,
      segmentation: {
        ...config.segmentation,
        mask: MaskSettings.parse({ ...config.segmentation.mask, ...command.settings }),
      },
    }));
    return { mask: this.currentConfig.segmentation.mask };
  }

  private async record(command: CommandOf<'record'>): Promise<{ recording: boolean; path?: string }> {
    if (command.target !== 'daemon') {
      if (!this.onObsRecord) throw new CommandError('unavailable', 'OBS is not connected');
      await this.onObsRecord(command.action);
      if (command.target === 'obs') return { recording: this.isRecording() };
    }
    // Any recorder counts (the Record button's, `--record`, a `file:` output): one show, one recording.
    const recording = this.isRecording();
    const want = command.action === 'toggle' ? !recording : command.action === 'start';
    if (want && recording) return { recording, path: this.recorders().find(isWriting)?.path };
    // Stopping finalizes every recorder (a failed one waiting to go on too); starting replaces a failed one.
    await Promise.all(this.recorders().map((r) => this.removeSink(r.name)));
    if (!want) return { recording: false };
    const { record } = this.currentConfig;
    const stamp = new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19);
    const path = record.path ?? `${record.dir ?? '.'}/stylecast-${stamp}.${record.container}`;
    const context = this.sinkContext();
    const recorder = new Recorder({
      name: RECORDING_SINK,
      path,
      width: context.width,
      height: context.height,
      fps: context.fps,
      ffmpeg: context.ffmpeg,
      log: this.log,
      encoder: record.encoder,
      crf: record.crf,
      preset: record.preset,
      audioFrom: context.inputFile,
    });
    try {
      await this.addSink(recorder);
    } catch (error) {
      throw new CommandError('unavailable', `cannot record to ${path}: ${describeError(error)}`);
    }
    // The recorder reserved a free name: another when `path` existed (two starts in one second).
    this.log.info(`recording to ${recorder.path}`);
    return { recording: true, path: recorder.path };
  }

  /** True while any recorder sink writes (a failed one, waiting to go on, does not count). */
  isRecording(): boolean {
    return this.recorders().some(isWriting);
  }

  /** The recording as the API shows it: the writing recorder, else a failed one and why. */
  recordingStatus(): RecordingStatus {
    const recorders = this.recorders();
    const recorder = recorders.find(isWriting) ?? recorders.find((r) => r.failureReason !== undefined);
    if (!recorder) return { active: false };
    const stats = recorder.stats();
    const startedAt = recorder.startedAt ?? Date.now();
    const error = recorder.failureReason;
    return {
      active: error === undefined,
      path: recorder.outputPath,
      startedAt: new Date(startedAt).toISOString(),
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      frames: stats.written,
      state: error === undefined ? 'running' : 'failed',
      ...(error === undefined ? {} : { error }),
    };
  }

  private recorders(): Recorder[] {
    return (this.scheduler?.sinks ?? []).filter((s): s is Recorder => s instanceof Recorder);
  }

  private async stopSink(sink: FrameSink): Promise<void> {
    try {
      await sink.stop();
    } catch (error) {
      this.log.warn(`output ${sink.name} did not stop cleanly: ${describeError(error)}`);
    }
  }

  private setState(state: DaemonState, detail?: string): void {
    this.state = state;
    this.safeEmit('state', { state, effect: this.effectName, detail });
  }
}

const isWriting = (r: Recorder) => r.stats().state === 'running';

function emptyPipelineStats(): PipelineStats {
  const none = { p50: 0, p95: 0, count: 0 };
  return {
    inputFps: 0,
    outputFps: 0,
    framesIn: 0,
    framesOut: 0,
    drops: 0,
    repeats: 0,
    effectErrors: 0,
    inFlight: 0,
    stages: { captureWait: none, wait: none, process: none, output: none, endToEnd: none },
  };
}
