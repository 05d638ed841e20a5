import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { StylecastError } from '../core/errors.ts';
import { findFfmpeg } from '../core/ffmpeg.ts';
import type { Frame } from '../core/frame.ts';
import type { FrameLease } from '../core/frame-lease.ts';
import type { FrameSink, SinkStats } from '../core/lifecycle.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { FfmpegFramePipe } from './ffmpeg-frame-pipe.ts';

/**
 * Virtual camera on Linux: frames into a v4l2loopback device (`--output v4l2:/dev/videoN`) through
 * ffmpeg's v4l2 output, as yuv420p (what browsers and conferencing apps accept). A size change restarts
 * ffmpeg; if ffmpeg dies the next frame starts it again (after a short pause).
 */
export interface V4l2SinkOptions {
  device: string;
  fps?: number;
  logger?: Logger;
  ffmpegPath?: string;
}

/** v4l2loopback devices on this machine (Linux only; empty elsewhere or when the module is not loaded). */
export function v4l2LoopbackDevices(): string[] {
  const root = '/sys/devices/virtual/video4linux';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^video\d+$/.test(name) && existsSync(`/dev/${name}`))
    .filter((name) => {
      try {
        return /loopback/i.test(readFileSync(`${root}/${name}/name`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map((name) => `/dev/${name}`);
}

export function checkV4l2Device(device: string): void {
  if (process.platform !== 'linux') {
    throw new StylecastError(
      'OUTPUT_FAILED',
      'v4l2 output works on Linux only',
      'on Windows and macOS use OBS (its Virtual Camera) with the obs output',
    );
  }
  if (!existsSync(device)) {
    throw new StylecastError(
      'DEVICE_NOT_FOUND',
      `${device} does not exist`,
      'load v4l2loopback: sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=stylecast',
    );
  }
  const loopbacks = v4l2LoopbackDevices();
  if (!loopbacks.includes(device)) {
    throw new StylecastError(
      'OUTPUT_FAILED',
      `${device} is not a v4l2loopback device${loopbacks.length ? ` (loopback devices: ${loopbacks.join(', ')})` : ''}`,
      `writing to a real camera (${basename(device)}) is not possible; load v4l2loopback and use its device`,
    );
  }
}

export class V4l2Sink implements FrameSink {
  readonly name: string;
  readonly releasesFrames = true;
  private pipe: FfmpegFramePipe | undefined;
  private state: SinkStats['state'] = 'idle';
  private written = 0;
  private dropped = 0;
  private lastError = '';
  private pausedUntil = 0;
  private running = false;
  private readonly log: Logger;
  private readonly ffmpeg: string;

  constructor(private readonly options: V4l2SinkOptions) {
    this.name = `v4l2:${options.device}`;
    this.log = (options.logger ?? silentLogger()).child({ sink: this.name });
    this.ffmpeg = options.ffmpegPath ?? findFfmpeg();
  }

  /** Throws a one-line StylecastError when the device is missing or is not a loopback device. */
  async start(): Promise<void> {
    checkV4l2Device(this.options.device);
    this.running = true;
    this.state = 'running';
  }

  async stop(): Promise<void> {
    this.running = false;
    const pipe = this.pipe;
    this.pipe = undefined;
    await pipe?.stop();
    this.state = 'stopped';
  }

  write(frame: Frame, lease?: FrameLease): boolean {
    if (!this.running || performance.now() < this.pausedUntil) {
      this.dropped++;
      return false;
    }
    if (this.pipe && !this.pipe.fits(frame)) {
      void this.pipe.stop();
      this.pipe = undefined;
    }
    if (!this.pipe) this.open(frame);
    if (this.pipe!.write(frame, lease)) {
      this.written++;
      return true;
    }
    this.dropped++;
    return false;
  }

  stats(): SinkStats {
    return {
      name: this.name,
      state: this.state,
      written: this.written,
      dropped: this.dropped,
      ...(this.lastError ? { detail: `last error: ${this.lastError}` } : {}),
    };
  }

  private open(frame: Frame): void {
    const pipe = new FfmpegFramePipe({
      ffmpeg: this.ffmpeg,
      width: frame.width,
      height: frame.height,
      fps: this.options.fps ?? 30,
      wallclock: true,
      outputArgs: ['-vsync', 'passthrough', '-pix_fmt', 'yuv420p', '-f', 'v4l2', this.options.device],
    });
    this.pipe = pipe;
    void pipe.exited.then(({ stderr, code }) => {
      if (this.pipe !== pipe || !this.running) return;
      this.pipe = undefined;
      this.lastError = stderr || `ffmpeg exited with ${code}`;
      this.state = 'reconnecting';
      this.pausedUntil = performance.now() + 1000;
      this.log.warn({ reason: this.lastError }, 'virtual camera output stopped; retrying in 1 s');
    });
  }
}
