import { type ChildProcess, spawn } from 'node:child_process';
import { ENV } from '../core/env.ts';
import type { Frame } from '../core/frame.ts';
import type { FrameLease } from '../core/frame-lease.ts';

/**
 * One ffmpeg child that reads raw RGBA frames of one size on stdin and writes them somewhere
 * (OBS over TCP, a v4l2 device). At most one frame waits in the pipe: a newer frame offered while
 * ffmpeg is still reading the previous one is dropped, so latency never grows behind a slow reader.
 */
export interface FramePipeOptions {
  ffmpeg: string;
  width: number;
  height: number;
  /** Output arguments after the input (codec, format, destination). */
  outputArgs: string[];
  /** Stamp frames with the time they arrive rather than a fixed rate, so drops leave no drift. */
  wallclock?: boolean;
  fps?: number;
}

export class FfmpegFramePipe {
  private readonly proc: ChildProcess;
  private stderrTail = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  readonly startedAt = performance.now();
  written = 0;

  constructor(readonly options: FramePipeOptions) {
    const { width, height } = options;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-video_size',
      `${width}x${height}`,
      '-framerate',
      String(options.fps ?? 30),
      ...(options.wallclock ? ['-use_wallclock_as_timestamps', '1'] : []),
      '-i',
      'pipe:0',
      ...options.outputArgs,
    ];
    // ffmpeg has no business with the obs-websocket password: keep it out of the child's environment.
    const { [ENV.obsPassword]: _secret, ...env } = process.env;
    this.proc = spawn(options.ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], env });
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    // EPIPE when ffmpeg exits under us: the exit handler reports it, nothing to do here.
    this.proc.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.proc.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal, stderr: this.lastError() });
      });
      this.proc.once('error', (error) => {
        this.stderrTail += error.message;
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === undefined && this.proc.exitCode === null && !this.proc.killed;
  }

  /** True when ffmpeg has taken everything written so far (the next frame will not queue). */
  get idle(): boolean {
    return (this.proc.stdin?.writableLength ?? 1) === 0;
  }

  fits(frame: Frame): boolean {
    return frame.width === this.options.width && frame.height === this.options.height;
  }

  /**
   * Writes a frame unless one is still waiting in the pipe; returns false on drop. The pipe reads the
   * pixels until the write completes: it holds them that long through `lease`.
   */
  write(frame: Frame, lease?: FrameLease): boolean {
    if (!this.alive || !this.idle || !this.fits(frame)) return false;
    const { data } = frame;
    const hold = lease?.hold();
    this.proc.stdin!.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), () => hold?.release());
    this.written++;
    return true;
  }

  /** The last meaningful stderr line, for a one-line message. */
  lastError(): string {
    const lines = this.stderrTail.trim().split('\n').filter(Boolean);
    return lines.at(-1) ?? '';
  }

  async stop(): Promise<void> {
    if (this.exitInfo) return;
    this.proc.stdin?.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 1500);
    this.proc.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }
}
