import { describeError } from '../core/errors.ts';
import { type Frame, solidFrame } from '../core/frame.ts';
import { BufferLedger, type FrameHold } from '../core/frame-lease.ts';
import { type FrameSink, type FrameSource, SafeEmitter } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { Effect } from './effect.ts';
import { PipelineMeters, type PipelineStats } from './pipeline-stats.ts';

/**
 * The double-buffered frame scheduler. Capture (ffmpeg decoding into the next buffer), processing
 * (one effect call at a time, in order) and output (sinks flush the previous frame asynchronously)
 * overlap. At most `queue + 1` frames are alive inside it:
 *  - live: the queue holds up to `liveQueue` frames (default 2) and never one older than `maxWaitMs`:
 *    a short spike in processing time (GC, a busy core) is absorbed and caught up on instead of costing
 *    a frame, while a sustained overload still drops the oldest (newest wins, the drop is counted);
 *  - lossless (render): the source is paused while a frame waits, and sinks with backpressure are
 *    awaited, so every frame goes through.
 * While the source restarts, the last output frame (or a slate) is re-sent at the frame rate so
 * sinks such as OBS keep a picture.
 */

/** A source the scheduler can pause (lossless) and give dropped buffers back to. */
export interface SchedulableSource extends FrameSource {
  pause?(): void;
  resume?(): void;
  recycle?(data: Uint8Array): void;
}

/** A sink that can say when it can take the next frame without dropping (used in lossless mode). */
export interface BackpressureSink extends FrameSink {
  waitWritable(): Promise<void>;
}

const hasBackpressure = (sink: FrameSink): sink is BackpressureSink =>
  typeof (sink as Partial<BackpressureSink>).waitWritable === 'function';

export interface SchedulerOptions {
  effect: Effect;
  log: Logger;
  mode: 'live' | 'lossless';
  width: number;
  height: number;
  fps: number;
  /** Re-send the last frame when no new one came for this long (live only; 0 = never). */
  keepAliveAfterMs?: number;
  /** Live: frames that may wait while one is processed (1 = newest only). */
  liveQueue?: number;
  /** Live: a waiting frame older than this is dropped when a newer one waits too (bounds latency). */
  maxWaitMs?: number;
  /**
   * True while someone outside may keep output frames (the daemon's 'frame' listeners): their buffers
   * are then never handed back to the source for reuse.
   */
  framesEscape?: () => boolean;
}

/** Live queue defaults: two frames absorb a spike of one slow frame; 100 ms caps the added latency. */
const LIVE_QUEUE = 2;
const MAX_WAIT_MS = 100;

export class FrameScheduler extends SafeEmitter {
  private readonly meters = new PipelineMeters();
  private readonly queue: Frame[] = [];
  private readonly sinkList: FrameSink[] = [];
  private source: SchedulableSource | undefined;
  private effect: Effect;
  private nextEffect: { effect: Effect; resolve: (old: Effect) => void } | undefined;
  private running: Promise<void> | undefined;
  private lastOutput: Frame | undefined;
  private lastOutputHold: FrameHold | undefined;
  private lastOutputAt = 0;
  /** Output buffers go back to the source once sinks, listeners and lastOutput are done with them. */
  private readonly ledger = new BufferLedger((data) => this.source?.recycle?.(data));
  private idleSince = 0;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private lastEffectErrorLog = 0;
  private stopped = false;
  private readonly onFrame = (frame: Frame) => this.accept(frame);

  constructor(private readonly options: SchedulerOptions) {
    super((error, event) => options.log.error(`pipeline listener for '${String(event)}' failed: ${error}`));
    this.effect = options.effect;
  }

  get currentEffect(): Effect {
    return this.effect;
  }

  get sinks(): readonly FrameSink[] {
    return this.sinkList;
  }

  /** Connects the source; frames flow as soon as it starts. */
  attach(source: SchedulableSource): void {
    this.source?.off('frame', this.onFrame);
    this.source = source;
    source.on('frame', this.onFrame);
    const afterMs = this.options.keepAliveAfterMs ?? 0;
    if (this.options.mode === 'live' && afterMs > 0 && !this.keepAliveTimer) {
      this.keepAliveTimer = setInterval(() => this.keepAlive(afterMs), 1000 / this.options.fps);
      this.keepAliveTimer.unref();
    }
  }

  addSink(sink: FrameSink): void {
    if (this.sinkList.some((s) => s.name === sink.name))
      throw new Error(`a sink named '${sink.name}' is already attached`);
    this.sinkList.push(sink);
  }

  /** Detaches a sink (the caller stops it). */
  removeSink(name: string): FrameSink | undefined {
    const index = this.sinkList.findIndex((s) => s.name === name);
    return index < 0 ? undefined : this.sinkList.splice(index, 1)[0];
  }

  /**
   * Swaps the effect between two frames; resolves with the old effect once no frame uses it
   * (the caller disposes it). Output never pauses: the frame in progress finishes on the old one.
   */
  swapEffect(effect: Effect): Promise<Effect> {
    return new Promise((resolve) => {
      this.nextEffect?.resolve(this.nextEffect.effect); // a swap nobody used yet: hand it back too
      this.nextEffect = { effect, resolve };
      if (!this.running) this.applyNextEffect();
    });
  }

  /** The latest output frame; its pixels are valid until the next one (copy them to keep them). */
  latestFrame(): Frame | undefined {
    return this.lastOutput;
  }

  stats(): PipelineStats {
    return this.meters.snapshot(this.queue.length + (this.running ? 1 : 0));
  }

  /** Resolves when nothing is queued or processing (render waits on this at the end of input). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      await (this.running ?? new Promise((r) => setImmediate(r)));
    }
  }

  /** Stops taking frames and waits for the frame in progress; sinks and effect stay with the owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.keepAliveTimer);
    this.source?.off('frame', this.onFrame);
    this.queue.length = 0;
    await this.running;
    this.applyNextEffect();
  }

  private accept(frame: Frame): void {
    if (this.stopped) return;
    this.meters.framesIn++;
    this.meters.input.mark(frame.readAt);
    if (this.options.mode === 'live') {
      const capacity = Math.max(1, this.options.liveQueue ?? LIVE_QUEUE);
      while (this.queue.length >= capacity) this.dropOldest();
    }
    if (this.idleSince > 0 && !this.running) this.meters.captureWait.push(frame.readAt - this.idleSince);
    this.queue.push(frame);
    if (this.options.mode === 'lossless') this.source?.pause?.();
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      this.idleSince = performance.now();
      this.applyNextEffect(); // a swap asked during the last frame needs no next frame to happen
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      if (this.options.mode === 'live') {
        const maxWait = this.options.maxWaitMs ?? MAX_WAIT_MS;
        while (this.queue.length > 1 && performance.now() - this.queue[0].readAt > maxWait) this.dropOldest();
      }
      const frame = this.queue.shift()!;
      // Double buffering: let the source read the next frame while this one is processed.
      if (this.queue.length === 0) this.source?.resume?.();
      this.applyNextEffect();
      const started = performance.now();
      this.meters.wait.push(started - frame.readAt);
      if (this.effect.keepsInputFrames) this.ledger.keep(frame.data);
      const output = await this.process(frame);
      const processed = performance.now();
      this.meters.process.push(processed - started);
      if (this.options.mode === 'lossless') await this.waitForSinks();
      const outputStart = performance.now();
      this.keepAsLast(output);
      this.writeToSinks(output);
      const written = performance.now();
      this.meters.outputStage.push(written - outputStart);
      this.meters.endToEnd.push(written - frame.readAt);
      this.meters.framesOut++;
      this.meters.output.mark(written);
      this.lastOutputAt = written;
      this.safeEmit('frame', output);
    }
  }

  private async process(frame: Frame): Promise<Frame> {
    try {
      return await this.effect.process(frame);
    } catch (error) {
      // A failing effect must not stop the stream: pass the frame through and say so (at most 1/s).
      this.meters.effectErrors++;
      const now = performance.now();
      if (now - this.lastEffectErrorLog > 1000) {
        this.lastEffectErrorLog = now;
        this.options.log.error(`effect '${this.effect.name}' failed: ${describeError(error)}`);
      }
      return frame;
    }
  }

  private dropOldest(): void {
    const dropped = this.queue.shift();
    if (!dropped) return;
    this.meters.drops++;
    // Nobody but us saw a dropped frame: its buffer can hold a later frame.
    this.source?.recycle?.(dropped.data);
  }

  private async waitForSinks(): Promise<void> {
    await Promise.all(this.sinkList.filter(hasBackpressure).map((s) => s.waitWritable()));
  }

  /** The repeat source for keepAlive; holds its buffer until the next output replaces it. */
  private keepAsLast(output: Frame): void {
    const hold = this.ledger.hold(output.data);
    this.lastOutputHold?.release();
    this.lastOutputHold = hold;
    this.lastOutput = output;
  }

  /** Sinks that keep a frame hold it through the lease; any that cannot say so keep its buffer for good. */
  private writeToSinks(frame: Frame): void {
    const lease = this.ledger.lease(frame.data);
    if (this.options.framesEscape?.()) this.ledger.keep(frame.data);
    for (const sink of this.sinkList) {
      if (!sink.releasesFrames) this.ledger.keep(frame.data);
      try {
        sink.write(frame, lease);
      } catch (error) {
        this.options.log.error(`sink ${sink.name} threw on write: ${describeError(error)}`);
      }
    }
  }

  private applyNextEffect(): void {
    const next = this.nextEffect;
    if (!next) return;
    this.nextEffect = undefined;
    const old = this.effect;
    this.effect = next.effect;
    next.resolve(old);
  }

  private keepAlive(afterMs: number): void {
    if (this.stopped || this.running) return;
    const now = performance.now();
    if (this.lastOutputAt !== 0 && now - this.lastOutputAt < afterMs) return;
    // Only once frames flowed: at start-up the source's start() waits for the first frame anyway.
    if (this.meters.framesIn === 0) return;
    const { width, height } = this.options;
    const base = this.lastOutput ?? solidFrame(width, height, [16, 16, 16, 255]);
    const repeat: Frame = { ...base, readAt: now };
    // lastOutputAt stays: once stale, every tick repeats, so sinks keep the frame rate.
    this.meters.repeats++;
    this.writeToSinks(repeat);
    this.safeEmit('frame', repeat);
  }
}
