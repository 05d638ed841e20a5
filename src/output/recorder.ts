import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeError } from '../core/errors.ts';
import { bytesPerFrame, type Frame } from '../core/frame.ts';
import type { FrameLease } from '../core/frame-lease.ts';
import type { SinkStats } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { BackpressureSink } from '../pipeline/scheduler.ts';
import {
  buildRecorderArgs,
  containerFor,
  encoderProbeArgs,
  HARDWARE_ENCODERS,
  type RecorderArgsOptions,
} from './recorder-args.ts';

/**
 * A FrameSink that records to a file through an ffmpeg child reading raw RGBA on stdin.
 * write() never blocks: at most `maxQueuedFrames` frames wait in the pipe, more are dropped and
 * counted (live). Render uses waitWritable() instead, so nothing is dropped. An ffmpeg that dies
 * marks the recorder failed (one log line) and never throws into the pipeline; stop() closes stdin
 * so ffmpeg finalizes the file. A hardware encoder is tried first with a tiny encode; when it does
 * not work here (no GPU, no driver) the recorder says so in one line and uses libx264.
 */

export interface RecorderOptions extends Omit<RecorderArgsOptions, 'encoder' | 'crf' | 'preset' | 'timing'> {
  ffmpeg: string;
  log: Logger;
  encoder?: string;
  crf?: number;
  preset?: string;
  timing?: RecorderArgsOptions['timing'];
  maxQueuedFrames?: number;
  name?: string;
}

type RecorderState = SinkStats['state'];

/** At most this many repeats of one frame per write, so repaying a gap never floods the pipe at once. */
const MAX_REPEATS = 8;

export class Recorder implements BackpressureSink {
  readonly name: string;
  readonly releasesFrames = true;
  readonly path: string;
  private state: RecorderState = 'idle';
  private child: ChildProcess | undefined;
  private encoder: string;
  private written = 0;
  private dropped = 0;
  private detail: string | undefined;
  private stderrTail: string[] = [];
  private readonly frameBytes: number;
  private exited: Promise<void> = Promise.resolve();
  private exitOk = false;
  /** Live recordings continue in <name>.partN.<ext> after the encoder dies (a crash loses the rest of a show otherwise). */
  private currentPath: string;
  private part = 1;
  private crashes = 0;
  private encoderStartedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Live pacing: frame slots handed to ffmpeg (repeats included) and when slot 0 began. */
  private slots = 0;
  private pacedSince: number | undefined;

  constructor(private readonly options: RecorderOptions) {
    containerFor(options.path); // unknown extension: a one-line error before anything starts
    this.path = options.path;
    this.currentPath = options.path;
    this.name = options.name ?? `file:${options.path}`;
    this.encoder = options.encoder ?? 'libx264';
    this.frameBytes = bytesPerFrame(options.width, options.height);
  }

  /** After stop(): ffmpeg wrote the end of the file and exited with 0. */
  get finishedCleanly(): boolean {
    return this.exitOk;
  }

  /** The encoder actually used (after a hardware fallback). */
  get activeEncoder(): string {
    return this.encoder;
  }

  /** The recording ffmpeg's pid (tests kill it to prove a crash loses at most a second). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    mkdirSync(dirname(this.path), { recursive: true });
    const hardware = (HARDWARE_ENCODERS as readonly string[]).includes(this.encoder);
    if (hardware && containerFor(this.path) !== 'webm' && containerFor(this.path) !== 'mov') {
      const problem = await this.probeEncoder(this.encoder);
      if (problem) {
        this.options.log.warn(
          `recorder: encoder ${this.encoder} is not usable here (${problem}); using libx264`,
        );
        this.encoder = 'libx264';
      }
    }
    this.spawnEncoder();
  }

  write(frame: Frame, lease?: FrameLease): boolean {
    const stdin = this.child?.stdin;
    if (this.state !== 'running' || !stdin || stdin.destroyed || frame.data.length !== this.frameBytes) {
      this.dropped++;
      return false;
    }
    if (stdin.writableLength >= (this.options.maxQueuedFrames ?? 2) * this.frameBytes) {
      this.dropped++;
      return false;
    }
    const copies = this.isLive ? this.pace(performance.now()) : 1;
    if (copies === 0) return true; // early by jitter: this slot of the constant-rate file is already filled
    // Repeats share the frame's memory (frames are immutable), so a repaid gap costs no copies.
    // ffmpeg's pipe reads the pixels until each write completes: held that long.
    for (let i = 0; i < copies; i++) {
      const hold = lease?.hold();
      stdin.write(frame.data, () => hold?.release());
    }
    this.written += copies; // frames in the file, repeats included
    this.slots += copies;
    return true;
  }

  private get isLive(): boolean {
    return (this.options.timing ?? 'wallclock') === 'wallclock';
  }

  /**
   * How many times to write this frame so that slot k of the constant-rate file stays at k/fps of wall
   * time since the first frame: 0 when frames come faster than fps, >1 to fill a gap (encoder start-up,
   * a stall upstream). A debt over 2 s is forgiven, so an encoder that cannot keep up never makes the
   * file run ahead of the clock for long.
   */
  private pace(now: number): number {
    if (this.pacedSince === undefined) this.pacedSince = now - 1000 / this.options.fps;
    const due = Math.floor(((now - this.pacedSince) / 1000) * this.options.fps);
    let owed = due - this.slots;
    if (owed > this.options.fps * 2) {
      this.slots = due - 1;
      owed = 1;
    }
    return Math.max(0, Math.min(owed, MAX_REPEATS));
  }

  waitWritable(): Promise<void> {
    const stdin = this.child?.stdin;
    if (this.state !== 'running' || !stdin || !stdin.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      stdin.once('close', done);
    });
  }

  /** Closes stdin so ffmpeg writes the end of the file; kills it only if it hangs. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.state === 'stopped') return;
    clearTimeout(this.restartTimer);
    const child = this.child;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (!child) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    if (wasRunning) this.options.log.info(`recording finished: ${this.currentPath} (${this.written} frames)`);
  }

  stats(): SinkStats {
    return {
      name: this.name,
      state: this.state,
      written: this.written,
      dropped: this.dropped,
      detail: this.detail ?? `${this.currentPath} (${this.encoder})`,
    };
  }

  private spawnEncoder(): void {
    const args = buildRecorderArgs({
      ...this.options,
      path: this.currentPath,
      encoder: this.encoder,
      crf: this.options.crf ?? 20,
      preset: this.options.preset ?? 'veryfast',
      timing: this.options.timing ?? 'wallclock',
    });
    this.options.log.debug(`recorder: ${this.options.ffmpeg} ${args.join(' ')}`);
    // Own process group: a terminal's Ctrl-C reaches only us, and we finalize the file in order.
    const child = spawn(this.options.ffmpeg, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: process.platform !== 'win32',
    });
    this.child = child;
    this.state = 'running';
    this.encoderStartedAt = performance.now();
    this.slots = 0;
    this.pacedSince = undefined;
    this.stderrTail = [];
    child.stdin?.on('error', () => {}); // EPIPE when ffmpeg dies: handled by 'close' below
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n').filter((l) => l.trim())) {
        this.stderrTail.push(line.trim());
        if (this.stderrTail.length > 6) this.stderrTail.shift();
      }
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.markFailed(`cannot start ffmpeg: ${describeError(error)}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (this.child === child) this.onExit(code, signal);
        resolve();
      });
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'stopped') {
      this.exitOk = code === 0;
      if (code !== 0)
        this.detail = `ffmpeg ended with ${signal ?? `code ${code}`}: ${this.stderrTail.at(-1)}`;
      return;
    }
    this.markFailed(`ffmpeg ${signal ? `killed by ${signal}` : `exited with code ${code}`}`);
    this.scheduleRestart();
  }

  /**
   * Live only (render must fail loudly): a new encoder into the next part file after 1, 2, 4 … 10 s.
   * Not after "No space left on device": a new file would fail the same way. State stays 'failed' until then.
   */
  private scheduleRestart(): void {
    if ((this.options.timing ?? 'wallclock') !== 'wallclock') return;
    if (this.stderrTail.some((line) => /No space left on device/i.test(line))) return;
    if (performance.now() - this.encoderStartedAt > 30_000) this.crashes = 0;
    const delay = Math.min(10_000, 1000 * 2 ** this.crashes++);
    const next = partPath(this.path, this.part + 1);
    this.options.log.warn(`recording continues in ${next} in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.state !== 'failed') return;
      this.part++;
      this.currentPath = next;
      this.detail = undefined;
      this.spawnEncoder();
    }, delay);
    this.restartTimer.unref();
  }

  /** ffmpeg opens an encoder only at the first frame: try a tiny encode first. Undefined = usable. */
  private probeEncoder(encoder: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile(this.options.ffmpeg, encoderProbeArgs(encoder), { timeout: 15_000 }, (error, _out, stderr) =>
        resolve(error ? String(stderr).trim().split('\n').at(-1) || error.message : undefined),
      );
    });
  }

  private markFailed(reason: string): void {
    if (this.state === 'stopped') return;
    this.state = 'failed';
    const last = this.stderrTail.at(-1);
    this.detail = `${this.path}: ${reason}${last ? ` (${last})` : ''}`;
    this.options.log.error(`recording stopped: ${this.detail}; the file keeps what was written`);
  }
}

/** rec.mkv -> rec.part2.mkv */
export function partPath(path: string, part: number): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/')
    ? `${path.slice(0, dot)}.part${part}${path.slice(dot)}`
    : `${path}.part${part}`;
}
