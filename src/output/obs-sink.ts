import { findFfmpeg } from '../core/ffmpeg.ts';
import { type Frame, solidFrame } from '../core/frame.ts';
import type { FrameHold, FrameLease } from '../core/frame-lease.ts';
import type { FrameSink, SinkStats } from '../core/lifecycle.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { FfmpegFramePipe } from './ffmpeg-frame-pipe.ts';

/**
 * Streams frames into an OBS Media Source (ffmpeg_source) that listens on loopback TCP:
 * raw RGBA (alpha kept) muxed into NUT by an ffmpeg child. NUT/TCP measured ~70-96 ms median into
 * OBS here, against 160-660 ms for MPEG-TS/UDP, and needs no encoder.
 *
 * OBS is the listener, so this side keeps reconnecting (backoff) while OBS is down or the source is
 * being recreated; a new size restarts the muxer; while no new frame arrives the last frame (or a
 * slate) is repeated slowly so a freshly (re)started source shows a picture at once.
 */
export interface ObsSinkOptions {
  port: number;
  host?: string;
  fps?: number;
  logger?: Logger;
  ffmpegPath?: string;
  /** Repeat the last frame (or the slate) when nothing new came for this long. */
  idleAfterMs?: number;
  idleRepeatMs?: number;
  /** Shown before the first frame: a size and an RGBA colour (default transparent). */
  slate?: { width: number; height: number; rgba?: [number, number, number, number] };
  /**
   * Reconnect delays, doubling from initialMs: up to maxMs while OBS is known to be there (a source
   * being recreated comes back fast), up to offlineMaxMs while `obsReachable()` says it is not: every
   * retry spawns an ffmpeg, which cost the whole pipeline frames when it ran once a second for an OBS
   * that was not running.
   */
  backoff?: {
    initialMs: number;
    maxMs: number;
    offlineMaxMs?: number;
    /**
     * Without a bridge (no obsReachable), once the source has refused us for refusedAfterMs (default
     * 30 s, OBS is probably closed) the wait grows to refusedMaxMs (default 5 s): fewer ffmpeg
     * spawns, and the picture still comes within 5 s of OBS starting.
     */
    refusedMaxMs?: number;
    refusedAfterMs?: number;
  };
  /** Whether obs-websocket sees OBS now (the bridge is connected); without it, maxMs always applies. */
  obsReachable?: () => boolean;
  /** Extra words for stats().detail, e.g. the obs-websocket connection state. */
  statusLine?: () => string;
  /**
   * Warn once when OBS is reachable but its source has refused the stream for this long (default
   * 10 s): the Media Source takes one sender, so a second stylecast on the same port is refused forever.
   */
  refusedWarnAfterMs?: number;
}

/** Media Source settings that match this sink (used by the installer and the scene templates). */
export function obsMediaSourceSettings(port: number, host = '127.0.0.1'): Record<string, unknown> {
  return {
    input: `tcp://${host}:${port}?listen`,
    input_format: 'nut',
    is_local_file: false,
    buffering_mb: 0,
    // Keep listening across sender restarts and keep the last picture instead of going blank.
    restart_on_activate: false,
    clear_on_media_end: false,
    close_when_inactive: false,
    reconnect_delay_sec: 1,
    hw_decode: false,
  };
}

/** ffmpeg output arguments: the raw frames copied (not re-encoded) into NUT, flushed per packet, over TCP. */
export const nutOverTcpArgs = (host: string, port: number): string[] => [
  '-c:v',
  'copy',
  '-f',
  'nut',
  '-write_index',
  '0',
  '-flush_packets',
  '1',
  `tcp://${host}:${port}?tcp_nodelay=1`,
];

export class ObsSink implements FrameSink {
  readonly name = 'obs';
  readonly releasesFrames = true;
  private pipe: FfmpegFramePipe | undefined;
  private state: SinkStats['state'] = 'idle';
  private written = 0;
  private dropped = 0;
  private reconnects = 0;
  private repeated = 0;
  private lastError = '';
  /** The picture repeated while idle or reconnecting, held until a newer one replaces it. */
  private last: Frame | undefined;
  private lastLease: FrameLease | undefined;
  private lastHold: FrameHold | undefined;
  private lastWriteAt = 0;
  private delay: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryWait = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** When the source started refusing connections (0: it is not refusing), and whether we said so. */
  private refusedSince = 0;
  private refusedWarned = false;
  private readonly log: Logger;
  private readonly ffmpeg: string;

  constructor(private readonly options: ObsSinkOptions) {
    this.log = (options.logger ?? silentLogger()).child({ sink: 'obs' });
    this.ffmpeg = options.ffmpegPath ?? findFfmpeg();
    this.delay = options.backoff?.initialMs ?? 250;
  }

  get port(): number {
    return this.options.port;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.state = 'reconnecting';
    const repeat = this.options.idleRepeatMs ?? 250;
    this.idleTimer = setInterval(() => this.keepAlive(), repeat);
    this.idleTimer.unref();
    if (this.last || this.options.slate) this.open(this.last ?? this.slateFrame());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.idleTimer);
    clearTimeout(this.retryTimer);
    const pipe = this.pipe;
    this.pipe = undefined;
    await pipe?.stop();
    this.state = 'stopped';
  }

  write(frame: Frame, lease?: FrameLease): boolean {
    const hold = lease?.hold();
    this.lastHold?.release();
    this.last = frame;
    this.lastLease = lease;
    this.lastHold = hold;
    this.lastWriteAt = performance.now();
    if (!this.running) return false;
    if (this.pipe && !this.pipe.fits(frame)) {
      this.log.info({ width: frame.width, height: frame.height }, 'frame size changed: restarting the muxer');
      this.restart(frame);
      this.dropped++;
      return false;
    }
    if (!this.pipe) {
      if (!this.retryTimer) this.open(frame);
      this.dropped++;
      return false;
    }
    if (this.pipe.write(frame, lease)) {
      this.written++;
      return true;
    }
    this.dropped++;
    return false;
  }

  /** The lease of `frame` when it is the held last picture (the slate needs none). */
  private leaseOf(frame: Frame): FrameLease | undefined {
    return frame === this.last ? this.lastLease : undefined;
  }

  stats(): SinkStats {
    const detail = [
      `tcp://${this.options.host ?? '127.0.0.1'}:${this.options.port}`,
      `reconnects=${this.reconnects}`,
      `repeated=${this.repeated}`,
      this.options.statusLine?.() ?? '',
      this.retryTimer ? `next try in ${(this.retryWait / 1000).toFixed(1)} s` : '',
      this.lastError && this.state !== 'running' ? `last error: ${this.lastError}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return { name: this.name, state: this.state, written: this.written, dropped: this.dropped, detail };
  }

  /** Reconnect now instead of waiting out the backoff (the bridge calls this when OBS is back). */
  retryNow(): void {
    if (!this.running) return;
    // Also when an ffmpeg is still trying: its failure then retries soon, not after a long offline wait.
    this.delay = this.options.backoff?.initialMs ?? 250;
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.open(this.last ?? this.slateFrame());
  }

  /** The longest wait between reconnects right now (see ObsSinkOptions.backoff). */
  private maxDelay(): number {
    const backoff = this.options.backoff;
    const online = backoff?.maxMs ?? 2000;
    if (!this.options.obsReachable) {
      const refusedFor = this.refusedSince ? performance.now() - this.refusedSince : 0;
      return refusedFor > (backoff?.refusedAfterMs ?? 30_000)
        ? Math.max(online, backoff?.refusedMaxMs ?? 5000)
        : online;
    }
    if (this.options.obsReachable() !== false) return online;
    return Math.max(online, backoff?.offlineMaxMs ?? 15_000);
  }

  private slateFrame(): Frame {
    const s = this.options.slate ?? { width: 1280, height: 720 };
    return solidFrame(s.width, s.height, s.rgba ?? [0, 0, 0, 0]);
  }

  /**
   * Spawns the muxer for this frame's size and sends the frame so ffmpeg connects at once.
   * Stream copy, not `-c:v rawvideo`: the decode/encode path holds each frame until the next one
   * arrives (measured: 34 ms per frame at 30 fps, a whole interval when the pipeline is slow); copied
   * packets leave in ~1 ms.
   */
  private open(first: Frame): void {
    if (!this.running || this.pipe) return;
    const host = this.options.host ?? '127.0.0.1';
    const pipe = new FfmpegFramePipe({
      ffmpeg: this.ffmpeg,
      width: first.width,
      height: first.height,
      // Frames are stamped on arrival (wallclock) and copied as they are, so the nominal rate only labels
      // the stream: an fps change needs no restart, and no frame is dropped or duplicated on the way.
      fps: this.options.fps ?? 30,
      wallclock: true,
      outputArgs: nutOverTcpArgs(host, this.options.port),
    });
    this.pipe = pipe;
    pipe.write(first, this.leaseOf(first));
    void pipe.exited.then(({ code, signal, stderr }) => this.onExit(pipe, code, signal, stderr));
  }

  private restart(frame: Frame): void {
    const old = this.pipe;
    this.pipe = undefined;
    if (old) {
      // Its exit is expected: detach it so onExit does not count a reconnect.
      void old.stop();
    }
    this.open(frame);
  }

  private onExit(pipe: FfmpegFramePipe, code: number | null, signal: string | null, stderr: string): void {
    if (this.pipe !== pipe) return; // replaced on purpose (size change or stop)
    this.pipe = undefined;
    if (!this.running) return;
    const lived = performance.now() - pipe.startedAt;
    this.lastError = stderr || `ffmpeg exited (${code ?? signal})`;
    if (lived > 5000 || pipe.written > 30) this.delay = this.options.backoff?.initialMs ?? 250;
    if (this.state === 'running')
      this.log.warn({ reason: this.lastError }, 'OBS media source went away; reconnecting');
    this.noteRefusal(/connection refused/i.test(this.lastError));
    this.state = 'reconnecting';
    this.reconnects++;
    const ceiling = this.maxDelay();
    const wait = Math.min(this.delay, ceiling);
    this.retryWait = wait;
    this.delay = Math.min(wait * 2, ceiling);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open(this.last ?? this.slateFrame());
    }, wait);
    this.retryTimer.unref();
  }

  /** Warns once when OBS is up and its source keeps refusing us (see refusedWarnAfterMs). */
  private noteRefusal(refused: boolean): void {
    const now = performance.now();
    if (!refused) {
      this.refusedSince = 0;
      return;
    }
    this.refusedSince ||= now;
    const after = this.options.refusedWarnAfterMs ?? 10_000;
    if (this.refusedWarned || now - this.refusedSince < after || this.options.obsReachable?.() !== true)
      return;
    this.refusedWarned = true;
    const host = this.options.host ?? '127.0.0.1';
    this.log.warn(
      `OBS is up but its media source on tcp://${host}:${this.options.port} has refused this stream for ${Math.round((now - this.refusedSince) / 1000)} s: another sender (a second stylecast?) holds it, or no source listens there (hint: stop the other sender, or give this daemon its own port with obs.streamPort and \`stylecast obs install --port N\`; \`stylecast obs status\` shows what listens)`,
    );
  }

  /** Promotes state once ffmpeg stayed up, and repeats the last picture while the pipeline is idle. */
  private keepAlive(): void {
    const pipe = this.pipe;
    if (!pipe) return;
    if (
      pipe.alive &&
      this.state !== 'running' &&
      // ffmpeg connects after reading the first frame, so a second frame fully taken from the pipe
      // (frames are larger than the 64 KiB pipe buffer) means the connection to OBS is up.
      pipe.written >= 2 &&
      pipe.idle
    ) {
      this.state = 'running';
      this.refusedSince = 0;
      this.refusedWarned = false;
      this.log.info({ port: this.options.port }, 'streaming into the OBS media source');
    }
    const idleAfter = this.options.idleAfterMs ?? 500;
    if (performance.now() - this.lastWriteAt < idleAfter) return;
    const frame = this.last ?? this.slateFrame();
    if (pipe.fits(frame) && pipe.write(frame, this.leaseOf(frame))) {
      this.written++;
      this.repeated++;
    }
  }
}
