import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeError, StylecastError } from '../core/errors.ts';
import { makeFolder, refusalReason } from '../core/folders.ts';
import { bytesPerFrame, type Frame } from '../core/frame.ts';
import type { FrameLease } from '../core/frame-lease.ts';
import type { SinkStats } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { BackpressureSink } from '../pipeline/scheduler.ts';
import { megabytes, whenRoomIn } from './free-space.ts';
import {
  buildRecorderArgs,
  containerFor,
  encoderProbeArgs,
  HARDWARE_ENCODERS,
  type RecorderArgsOptions,
  videoCodecName,
} from './recorder-args.ts';
import { RecordingNotices } from './recording-notices.ts';
import { beforeExtension, reserveUniquePath } from './unique-path.ts';

/**
 * A FrameSink that records to a file through an ffmpeg child reading raw RGBA on stdin.
 * write() never blocks: at most `maxQueuedFrames` frames wait in the pipe, more are dropped and
 * counted (live). Render uses waitWritable() instead, so nothing is dropped. An ffmpeg that dies
 * marks the recorder failed (one log line) and never throws into the pipeline; stop() closes stdin
 * so ffmpeg finalizes the file. A hardware encoder is tried first with a tiny encode; when it does
 * not work here (no GPU, no driver) the recorder says so in one line and uses libx264.
 * Live recordings never replace a file: each file (the first and every .partN) is created with an
 * exclusive open under a free name (rec.mkv, else rec-2.mkv …); render (`overwrite`) replaces its output.
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
  /** Replace an existing file at `path` (render: an explicit target). Live recordings never do. */
  overwrite?: boolean;
  /** Free bytes in a folder (tests inject it); default fs.statfs. */
  freeSpace?: (dir: string) => Promise<number>;
  /** After "No space left on device": how often to look, and how much must be free to go on. */
  spaceCheckMs?: number;
  minFreeBytes?: number;
}

/** Enough for a few minutes of 1080p H.264: resuming with less would only fill the disk again at once. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;

type RecorderState = SinkStats['state'];

/** At most this many repeats of one frame per write, so repaying a gap never floods the pipe at once. */
const MAX_REPEATS = 8;

export class Recorder implements BackpressureSink {
  readonly name: string;
  readonly releasesFrames = true;
  /** The path asked for; `path` is the file actually written first (another name when that existed). */
  readonly requestedPath: string;
  private firstPath: string;
  private state: RecorderState = 'idle';
  private child: ChildProcess | undefined;
  private encoder: string;
  private written = 0;
  /** Frames in the current part (`written` counts all parts). */
  private partWritten = 0;
  private dropped = 0;
  private detail: string | undefined;
  private failure: string | undefined;
  private startedAtMs: number | undefined;
  private readonly notices: RecordingNotices;
  /** Stops looking at the free space (after "No space left on device"). */
  private stopSpaceWatch: (() => void) | undefined;
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
    this.requestedPath = options.path;
    this.firstPath = options.path;
    this.currentPath = options.path;
    this.name = options.name ?? `file:${options.path}`;
    this.encoder = options.encoder ?? 'libx264';
    this.frameBytes = bytesPerFrame(options.width, options.height);
    this.notices = new RecordingNotices(options.log, options.path, options.fps);
  }

  /** After stop(): ffmpeg wrote the end of the file and exited with 0. */
  get finishedCleanly(): boolean {
    return this.exitOk;
  }

  /** The first file written (after start(): the name reserved, which differs when the asked one existed). */
  get path(): string {
    return this.firstPath;
  }

  /** The file being written now (a .partN after a crash). */
  get outputPath(): string {
    return this.currentPath;
  }

  /** Why the recorder is failed (undefined while it records or after a clean stop). */
  get failureReason(): string | undefined {
    return this.state === 'failed' ? this.failure : undefined;
  }

  /** When start() began writing (epoch ms). */
  get startedAt(): number | undefined {
    return this.startedAtMs;
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
    makeFolder(dirname(this.requestedPath));
    this.firstPath = this.options.overwrite ? this.requestedPath : this.reserveFirst(this.requestedPath);
    this.currentPath = this.firstPath;
    this.startedAtMs = Date.now();
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
      if (this.isLive) this.notices.droppedByEncoder(this.currentPath, this.codecName);
      return false;
    }
    this.notices.checkAlpha(frame, this.currentPath);
    const copies = this.isLive ? this.pace(performance.now()) : 1;
    if (copies === 0) return true; // early by jitter: this slot of the constant-rate file is already filled
    // Repeats share the frame's memory (frames are immutable), so a repaid gap costs no copies.
    // ffmpeg's pipe reads the pixels until each write completes: held that long.
    for (let i = 0; i < copies; i++) {
      const hold = lease?.hold();
      stdin.write(frame.data, () => hold?.release());
    }
    this.written += copies; // frames in the files, repeats included
    this.partWritten += copies;
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
    this.stopSpaceWatch?.();
    const child = this.child;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (!child) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    if (!wasRunning) return;
    if (!this.options.overwrite && this.keepOrRemoveEmpty() === 'nothing was written') {
      // Stopped before ffmpeg wrote anything: the empty placeholder is gone, not left as a 0-byte "recording".
      this.options.log.info(`recording stopped before its first frame: ${this.currentPath} not kept`);
      return;
    }
    const total = this.part > 1 ? `; ${this.written} in all ${this.part} files` : '';
    this.options.log.info(`recording finished: ${this.currentPath} (${this.partWritten} frames${total})`);
  }

  stats(): SinkStats {
    return {
      name: this.name,
      state: this.state,
      written: this.written,
      dropped: this.dropped,
      detail: this.detail ?? `${this.currentPath} (${this.codecName})`,
    };
  }

  /** The codec in the file: the alpha containers pick their own whatever `encoder` says. */
  private get codecName(): string {
    return videoCodecName(containerFor(this.requestedPath), this.encoder);
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
    this.failure = undefined;
    this.partWritten = 0;
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
    if (this.stderrTail.some((line) => /No space left on device/i.test(line))) this.waitForSpace();
    else this.scheduleRestart();
  }

  /**
   * Live only (render must fail loudly): a new encoder into the next part file after 1, 2, 4 … 10 s.
   * State stays 'failed' until then.
   */
  private scheduleRestart(): void {
    if (!this.isLive) return;
    if (performance.now() - this.encoderStartedAt > 30_000) this.crashes = 0;
    const delay = Math.min(10_000, 1000 * 2 ** this.crashes++);
    this.options.log.warn(`recording continues in ${partPath(this.firstPath, this.part + 1)} in ${delay} ms`);
    this.restartTimer = setTimeout(() => this.continueInNextPart(), delay);
    this.restartTimer.unref();
  }

  /**
   * After "No space left on device" a new file would fail at once: look at the free space every few
   * seconds instead, and go on in the next part once there is room again (a show outlives a full disk).
   */
  private waitForSpace(): void {
    if (!this.isLive) return;
    const dir = dirname(this.currentPath);
    const minFree = this.options.minFreeBytes ?? MIN_FREE_BYTES;
    this.options.log.warn(
      `recording paused: the disk is full; it continues when ${megabytes(minFree)} are free in ${dir}`,
    );
    this.stopSpaceWatch?.();
    const watch = { minFree, every: this.options.spaceCheckMs ?? 5000, freeSpace: this.options.freeSpace };
    this.stopSpaceWatch = whenRoomIn(dir, watch, (free) => {
      if (this.state !== 'failed') return;
      this.options.log.info(
        `disk has ${megabytes(free)} free again: recording continues in ${partPath(this.firstPath, this.part + 1)}`,
      );
      this.crashes = 0;
      this.continueInNextPart();
    });
  }

  private continueInNextPart(): void {
    if (this.state !== 'failed') return;
    let next: string;
    try {
      next = this.reserve(partPath(this.firstPath, this.part + 1));
    } catch (error) {
      this.markFailed(`cannot create the next part: ${describeError(error)}`, false);
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') this.waitForSpace();
      else this.scheduleRestart();
      return;
    }
    this.part++;
    this.currentPath = next;
    this.detail = undefined;
    this.spawnEncoder();
  }

  /**
   * The first file, so a recording that cannot start says so at once, in words (not a raw
   * "ENOENT: no such file or directory, open …": /proc takes no new files, say).
   */
  private reserveFirst(path: string): string {
    try {
      return this.reserve(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code) throw error;
      throw new StylecastError(
        'RECORDING',
        refusalReason(code, path), // callers say "cannot record to PATH: " before it
        'record to a folder you can write to (in your home folder, say)',
      );
    }
  }

  /** An exclusive create under a free name; says so when the name differs from the one asked for. */
  private reserve(path: string): string {
    const used = reserveUniquePath(path);
    if (used !== path) this.options.log.warn(`${path} already exists: recording to ${used} instead`);
    return used;
  }

  /** ffmpeg opens an encoder only at the first frame: try a tiny encode first. Undefined = usable. */
  private probeEncoder(encoder: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile(this.options.ffmpeg, encoderProbeArgs(encoder), { timeout: 15_000 }, (error, _out, stderr) =>
        resolve(error ? String(stderr).trim().split('\n').at(-1) || error.message : undefined),
      );
    });
  }

  private markFailed(reason: string, fromEncoder = true): void {
    if (this.state === 'stopped') return;
    this.state = 'failed';
    const last = fromEncoder ? this.stderrTail.at(-1) : undefined;
    this.failure = `${reason}${last ? ` (${last})` : ''}`;
    this.detail = `${this.currentPath}: ${this.failure}`;
    const kept = fromEncoder ? this.keepOrRemoveEmpty() : undefined;
    this.options.log.error(`recording stopped: ${this.detail}${kept === undefined ? '' : `; ${kept}`}`);
  }

  /**
   * What became of the part that died: the file keeps what was written, or, when ffmpeg wrote nothing
   * (it never got to open it), the empty file reserved for it is removed rather than left as a trap.
   */
  private keepOrRemoveEmpty(): string {
    const path = this.currentPath;
    let size = -1;
    try {
      size = statSync(path).size;
    } catch {
      return 'nothing was written';
    }
    if (size > 0) return `the file keeps what was written (${this.partWritten} frames)`;
    if (!this.options.overwrite) {
      try {
        unlinkSync(path);
      } catch {}
    }
    return 'nothing was written';
  }
}

/** rec.mkv -> rec.part2.mkv */
export const partPath = (path: string, part: number): string => beforeExtension(path, `.part${part}`);
