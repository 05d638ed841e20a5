import sharp from 'sharp';
import type { EffectName } from '../../config/schema.ts';
import { copyOf, type Frame } from '../../core/frame.ts';
import { SafeEmitter } from '../../core/lifecycle.ts';
import type { Daemon } from '../../daemon.ts';
import { EFFECT_FACTORIES } from '../../pipeline/effects/index.ts';
import { defaultStylesFolder } from '../../pipeline/style/library.ts';
import type { ObsIntegrationStats } from '../obs/integration.ts';
import { DaemonStyleCatalog } from './style-catalog.ts';
import type { ControlTarget, ObsState, PipelineStats, RecordingState, Status, StyleInfo } from './target.ts';

/** The part of the OBS integration the panel shows. */
export interface ObsStateSource {
  stats(): ObsIntegrationStats;
}

export interface DaemonTargetOptions {
  daemon: Daemon;
  /** Looked up on each read: the OBS add-on may start after the API. */
  obs?: () => ObsStateSource | undefined;
  /** 'disabled' when config obs.enabled is false. */
  obsEnabled?: boolean;
  version?: string;
}

const BRIDGE_TO_CONNECTION: Record<string, ObsState['connection']> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'disconnected',
  stopped: 'disconnected',
};

/**
 * Adapts the daemon (and its style catalog and OBS integration) to the API's ControlTarget.
 * Reads go to the daemon's current config and stats; commands go through the daemon's bus.
 */
export class DaemonTarget extends SafeEmitter implements ControlTarget {
  private readonly daemon: Daemon;
  readonly catalog: DaemonStyleCatalog;
  private lastObs = '';
  private preview: { key: string; jpeg: Promise<Buffer> } | undefined;
  private readonly detach: (() => void)[] = [];
  private readonly obsTimer: NodeJS.Timeout;

  constructor(private readonly options: DaemonTargetOptions) {
    super();
    this.daemon = options.daemon;
    const { style } = this.daemon.config;
    this.catalog = new DaemonStyleCatalog(this.daemon.styles, style.folder ?? defaultStylesFolder());
    const onState = () => this.safeEmit('state');
    const onStyles = () => this.safeEmit('styles');
    this.daemon.on('state', onState);
    this.daemon.styles.on('changed', onState);
    this.catalog.on('change', onStyles);
    this.detach.push(
      () => this.daemon.off('state', onState),
      () => this.daemon.styles.off('changed', onState),
      () => this.catalog.off('change', onStyles),
      () => this.catalog.dispose(),
    );
    // The OBS bridge reconnects on its own; its state is polled so the panel's pill follows it.
    this.obsTimer = setInterval(() => {
      const now = JSON.stringify(this.obsState());
      if (now !== this.lastObs) {
        this.lastObs = now;
        this.safeEmit('state');
      }
    }, 1000);
    this.obsTimer.unref();
  }

  get bus() {
    return this.daemon.bus;
  }

  dispose(): void {
    clearInterval(this.obsTimer);
    for (const off of this.detach.splice(0)) off();
  }

  status(): Status {
    const config = this.daemon.config;
    const stats = this.daemon.stats();
    return {
      name: 'stylecast',
      version: this.options.version ?? '0.1.0',
      state: stats.state,
      uptimeS: stats.uptimeS,
      input: {
        source: stats.input.description,
        width: stats.input.width,
        height: stats.input.height,
        fps: stats.input.fps,
      },
      effect: {
        name: this.daemon.effectName as EffectName,
        background: config.effect.background,
        available: Object.keys(EFFECT_FACTORIES) as EffectName[],
      },
      style: this.styleState(),
      mask: config.segmentation.mask,
      recording: this.recording(),
      obs: this.obsState(),
      sinks: stats.sinks,
    };
  }

  stats(): PipelineStats {
    const s = this.daemon.stats();
    const { wait, process: effectStage, output, endToEnd } = s.stages;
    return {
      fps: s.outputFps,
      latencyMs: endToEnd,
      frames: s.framesOut,
      dropped: s.drops,
      sinks: s.sinks,
      stages: {
        inputFps: s.inputFps,
        waitP50Ms: wait.p50,
        processP50Ms: effectStage.p50,
        processP95Ms: effectStage.p95,
        outputP50Ms: output.p50,
        repeats: s.repeats,
        effectErrors: s.effectErrors,
        inFlight: s.inFlight,
        restarts: s.restarts,
        effect: s.effect,
        // The daemon's JS heap (MB): the soak benchmark watches it for leaks.
        heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e5) / 10,
      },
    };
  }

  styles(): Omit<StyleInfo, 'thumbnailUrl'>[] {
    return this.catalog.list();
  }

  styleThumbnail(name: string): Promise<Buffer | undefined> {
    return this.catalog.thumbnail(name);
  }

  async addStyleImage(jpeg: Buffer, originalName: string): Promise<StyleInfo> {
    const { name } = await this.catalog.add(jpeg, originalName);
    return { name, source: 'upload' };
  }

  /** One encode per (frame, width), shared by every panel that asks; sharp runs off the main thread. */
  previewJpeg(maxWidth: number): Promise<Buffer | undefined> {
    const frame = this.daemon.peekLatestFrame();
    if (!frame) return Promise.resolve(undefined);
    const width = Math.min(maxWidth, frame.width);
    const key = `${frame.seq}:${width}`;
    // sharp reads the pixels later, off this thread: a copy, as capture reuses the frame's buffer.
    if (this.preview?.key !== key)
      this.preview = { key, jpeg: encodePreview({ ...frame, data: copyOf(frame.data) }, width) };
    return this.preview.jpeg;
  }

  private styleState(): Status['style'] {
    const state = this.daemon.styles.state();
    return {
      ...(state.style ? { name: state.style } : {}),
      strength: state.strength,
      morphMs: this.daemon.config.style.morphMs,
      ...(state.morphing && state.style ? { morphingTo: state.style } : {}),
    };
  }

  private obsState(): ObsState {
    const obs = this.options.obs?.();
    if (this.options.obsEnabled === false || !obs) return { connection: 'disabled' };
    const { bridge, installError } = obs.stats();
    return {
      connection: BRIDGE_TO_CONNECTION[bridge.state] ?? 'disconnected',
      url: bridge.url,
      ...(bridge.obsVersion ? { version: bridge.obsVersion } : {}),
      ...(bridge.lastError || installError ? { detail: installError ?? bridge.lastError } : {}),
    };
  }

  /** The daemon knows every recorder (`--record`, `file:` outputs, the Record button) and their state. */
  private recording(): RecordingState {
    return this.daemon.recordingStatus();
  }
}

function encodePreview(frame: Frame, width: number): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .resize({ width })
    .flatten({ background: '#202020' })
    .jpeg({ quality: 72 })
    .toBuffer();
}
