import { type ChildProcess, spawn } from 'node:child_process';
import { StylecastError } from '../core/errors.ts';
import { bytesPerFrame, type Frame } from '../core/frame.ts';
import { type FrameSource, SafeEmitter } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { buildCaptureArgs, type CaptureArgsOptions, describeInput, type InputSpec } from './ffmpeg-args.ts';
import { BufferPool, FrameAssembler } from './frame-reader.ts';
import { connectFrames, type FrameConnection, freeLoopbackPort, listenUrl } from './frame-socket.ts';
import { streamUrlError } from './stream-errors.ts';

/**
 * A FrameSource backed by one ffmpeg child writing raw RGBA to a loopback socket (frame-socket.ts: no
 * allocation per read) or, when no port can be had or the socket cannot be connected, to its stdout
 * pipe. start() resolves at the first frame, or rejects with a one-line StylecastError when ffmpeg
 * cannot open the input. After that, an ffmpeg that dies is restarted with exponential backoff ('restart' events, counted in `restarts`);
 * seq keeps increasing across restarts. A file without --loop ends with 'end'.
 */

export interface FfmpegSourceOptions extends Omit<CaptureArgsOptions, 'cameraDevice'> {
  spec: Exclude<InputSpec, { kind: 'auto' }>;
  /** For cameras: the device ffmpeg opens (resolved from the name by devices.ts). */
  cameraDevice?: string;
  ffmpeg: string;
  log: Logger;
  /** 'index': pts = frame index / fps (offline, exact); 'wallclock': seconds since start (live). */
  timestamps: 'index' | 'wallclock';
  backoff?: { initialMs: number; maxMs: number };
  /** A restarted ffmpeg that ran at least this long resets the backoff. */
  stableMs?: number;
  /** Live only: an ffmpeg alive but silent this long (stopped, hung device) is killed and restarted. */
  stallMs?: number;
  /**
   * Live only: how long the first frame may take (a URL that accepts the connection and then says
   * nothing, a camera that never delivers) before start() fails instead of waiting forever.
   */
  startTimeoutMs?: number;
  /** How frames leave ffmpeg (default 'socket'; 'pipe' = stdout). */
  transport?: 'socket' | 'pipe';
  /** Socket: how long ffmpeg waits for our connection before the source falls back to stdout. */
  listenTimeoutMs?: number;
  /** Socket: the connector (tests inject one that never connects). */
  connect?: typeof connectFrames;
}

/** Generous: an RTSP camera over Wi-Fi or an HTTP stream buffering its first keyframe takes seconds. */
const DEFAULT_START_TIMEOUT_MS = 20_000;

export type SourceState = 'idle' | 'starting' | 'running' | 'restarting' | 'ended' | 'stopped';

export class FfmpegSource extends SafeEmitter implements FrameSource {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  restarts = 0;
  framesRead = 0;
  /** Bytes of partial frames thrown away because ffmpeg died mid-frame. */
  partialBytesDropped = 0;
  /** Restarts the watchdog forced because ffmpeg was alive but sent no frame. */
  stalls = 0;
  state: SourceState = 'idle';

  private readonly pool: BufferPool;
  private readonly assembler: FrameAssembler;
  private child: ChildProcess | undefined;
  private connection: FrameConnection | undefined;
  /** The loopback socket could not be connected (a firewall?): read ffmpeg's stdout from now on. */
  private socketFailed = false;
  private childStartedAt = 0;
  private startedAt = 0;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private stderrTail: string[] = [];
  private lastFrameAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** The watchdog killed an ffmpeg that never sent a first frame. */
  private startTimedOut = false;

  constructor(private readonly options: FfmpegSourceOptions) {
    super((error, event) => options.log.error(`capture listener for '${String(event)}' failed: ${error}`));
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps;
    this.pool = new BufferPool(bytesPerFrame(options.width, options.height));
    this.assembler = new FrameAssembler(this.pool.bufferBytes, this.pool);
  }

  // FrameSource declares off() with never[] listeners; EventEmitter's any[] does not satisfy it as is.
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** Frame buffers allocated so far; the rest were reused (output frames everybody let go of). */
  get buffersAllocated(): number {
    return this.pool.allocated;
  }

  /** What is read (file inputs let recorders copy the audio). */
  get spec(): FfmpegSourceOptions['spec'] {
    return this.options.spec;
  }

  get loop(): boolean {
    return this.options.loop;
  }

  get description(): string {
    return describeInput(this.options.spec);
  }

  /** The running ffmpeg's pid (tests kill it to prove restarts). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.resolve();
    this.state = 'starting';
    this.startedAt = performance.now();
    return new Promise((resolve, reject) => {
      const onFirst = () => {
        this.off('fatal', onFatal);
        resolve();
      };
      const onFatal = (error: Error) => {
        this.off('frame', onFirst);
        reject(error);
      };
      this.once('frame', onFirst);
      this.once('fatal', onFatal);
      this.spawnChild();
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarting = this.state === 'starting';
    this.state = 'stopped';
    // A stop (Ctrl-C) before the first frame settles start(): its caller would wait forever otherwise.
    if (wasStarting)
      this.safeEmit(
        'fatal',
        new StylecastError('INTERRUPTED', `${this.description}: stopped before the first frame`),
      );
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    this.connection?.close();
    await killChild(this.child);
    this.child = undefined;
  }

  /** Backpressure for offline use: ffmpeg blocks on its pipe while paused. */
  pause(): void {
    this.paused = true;
    this.child?.stdout?.pause();
    this.connection?.pause();
  }

  resume(): void {
    this.paused = false;
    this.child?.stdout?.resume();
    this.connection?.resume();
  }

  /** A frame buffer nobody else saw (a dropped frame) can be reused for a later frame. */
  recycle(data: Uint8Array): void {
    this.pool.recycle(data);
  }

  /** Test hook and operator tool: kill the running ffmpeg as a crash would. */
  killChildForTest(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  private spawnChild(): void {
    if ((this.options.transport ?? 'socket') === 'pipe' || this.socketFailed) {
      this.spawnOn(undefined);
      return;
    }
    freeLoopbackPort().then(
      (port) => this.spawnOn(port),
      (error: Error) => {
        this.options.log.debug(`capture: no loopback port (${error.message}); reading ffmpeg's stdout`);
        this.spawnOn(undefined);
      },
    );
  }

  /** Starts ffmpeg writing to the socket on `port`, or to its stdout without one. */
  private spawnOn(port: number | undefined): void {
    if (this.state === 'stopped') return;
    const args = buildCaptureArgs(this.options.spec, {
      ...this.options,
      output: port === undefined ? undefined : listenUrl(port, this.options.listenTimeoutMs),
    });
    this.options.log.debug(`capture: ${this.options.ffmpeg} ${args.join(' ')}`);
    // Own process group: a terminal's Ctrl-C reaches only us, so shutdown is not mistaken for a crash.
    // If we die, ffmpeg's next write hits a closed pipe or socket and it exits.
    const child = spawn(this.options.ffmpeg, args, {
      stdio: ['ignore', port === undefined ? 'pipe' : 'ignore', 'pipe'],
      detached: process.platform !== 'win32',
    });
    this.child = child;
    this.childStartedAt = performance.now();
    this.lastFrameAt = this.childStartedAt;
    this.stderrTail = [];
    if (this.options.timestamps === 'wallclock' && !this.watchdog) {
      this.watchdog = setInterval(() => this.checkStall(), 250);
      this.watchdog.unref();
    }
    const onData = (chunk: Uint8Array) => this.assembler.push(chunk, (data) => this.emitFrame(data));
    const connection =
      port === undefined
        ? undefined
        : (this.options.connect ?? connectFrames)(
            port,
            onData,
            () => child.exitCode !== null || child.signalCode !== null,
          );
    this.connection = connection;
    child.stdout?.on('data', onData);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        this.stderrTail.push(line.trim());
        if (this.stderrTail.length > 8) this.stderrTail.shift();
        this.options.log.debug(`capture ffmpeg: ${line.trim()}`);
      }
    });
    child.on('error', (error) => {
      // spawn failure (ENOENT, EACCES): there is no ffmpeg to restart.
      this.fail(
        new StylecastError('FFMPEG_NOT_FOUND', `cannot start ${this.options.ffmpeg}: ${error.message}`),
      );
    });
    child.on('close', async (code, signal) => {
      if (this.child !== child) return;
      // The socket may still hold ffmpeg's last frames when the process is gone: read them first (as
      // 'close' waits for stdout to be read; while paused, render resumes us to read them).
      if (connection) await connection.ended;
      if (this.child !== child) return;
      this.child = undefined;
      if (connection && !connection.connected && /listen=1.*timed out/i.test(this.stderrTail.join(' '))) {
        this.socketFailed = true;
        this.options.log.warn('capture: cannot connect to ffmpeg on 127.0.0.1; reading its stdout instead');
        if (this.state !== 'stopped') this.spawnChild();
        return;
      }
      this.onChildExit(code, signal);
    });
    if (this.paused) {
      child.stdout?.pause();
      connection?.pause();
    }
  }

  private emitFrame(data: Buffer): void {
    const readAt = performance.now();
    this.lastFrameAt = readAt;
    const seq = this.framesRead++;
    const pts =
      this.options.timestamps === 'index' ? seq / this.fps : Math.max(0, (readAt - this.startedAt) / 1000);
    if (this.state === 'starting' || this.state === 'restarting') this.state = 'running';
    const frame: Frame = { width: this.width, height: this.height, data, pts, seq, readAt };
    this.safeEmit('frame', frame);
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.partialBytesDropped += this.assembler.reset();
    if (this.state === 'stopped') return;
    const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (this.framesRead === 0 && this.state === 'starting') {
      this.fail(this.startupError(reason));
      return;
    }
    const isFile = this.options.spec.kind === 'file';
    if (isFile && code === 0 && !this.options.loop) {
      this.state = 'ended';
      this.safeEmit('end');
      return;
    }
    if (performance.now() - this.childStartedAt > (this.options.stableMs ?? 10_000)) this.attempt = 0;
    this.attempt++;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 5000 };
    const delay = Math.min(maxMs, initialMs * 2 ** (this.attempt - 1));
    this.restarts++;
    this.state = 'restarting';
    const detail = this.stderrTail.at(-1);
    this.options.log.warn(
      `capture ffmpeg ${reason}${detail ? ` (${detail})` : ''}; restart ${this.restarts} in ${delay} ms`,
    );
    this.safeEmit('restart', { attempt: this.attempt, reason });
    this.restartTimer = setTimeout(() => {
      if (this.state === 'restarting') this.spawnChild();
    }, delay);
  }

  /** SIGSTOP, a hung driver or a dead network peer leave ffmpeg alive but silent: kill it (close restarts it). */
  private checkStall(): void {
    const child = this.child;
    if (child && this.state === 'starting') {
      this.checkFirstFrame(child);
      return;
    }
    if (!child || this.paused || (this.state !== 'running' && this.state !== 'restarting')) return;
    const stallMs = this.options.stallMs ?? Math.max(2000, 4000 / this.fps);
    // A freshly (re)started ffmpeg may take a while to open a camera or a URL: give it longer.
    const limit = this.lastFrameAt === this.childStartedAt ? Math.max(stallMs, 10_000) : stallMs;
    const silentMs = performance.now() - this.lastFrameAt;
    if (silentMs < limit) return;
    this.stalls++;
    this.lastFrameAt = performance.now();
    this.options.log.warn(`capture ffmpeg sent no frame for ${Math.round(silentMs)} ms: restarting it`);
    child.kill('SIGKILL');
  }

  /** The first frame is overdue: kill ffmpeg; its exit fails start() with startupError(). */
  private checkFirstFrame(child: ChildProcess): void {
    const limitMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    if (this.startTimedOut || performance.now() - this.childStartedAt < limitMs) return;
    this.startTimedOut = true;
    child.kill('SIGKILL');
  }

  private startupError(reason: string): StylecastError {
    const tail = this.stderrTail.join(' | ');
    const last = this.stderrTail.at(-1) ?? reason;
    const what = describeInput(this.options.spec);
    if (this.startTimedOut) {
      const seconds = Math.round((this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS) / 1000);
      return new StylecastError(
        'INPUT_UNREADABLE',
        `${what} sent no picture within ${seconds} s`,
        this.options.spec.kind === 'camera'
          ? 'check that no other program uses the camera, or run `stylecast devices`'
          : 'check the address and that the stream is live',
      );
    }
    const urlError = this.options.spec.kind === 'url' ? streamUrlError(tail, what) : undefined;
    if (urlError) return urlError;
    if (/No such file|does not exist/i.test(tail))
      return new StylecastError('INPUT_NOT_FOUND', `${what}: not found`, 'check the path or device name');
    // `-map 0:V:0` on a file without pictures (a podcast, a voice memo): say so, not ffmpeg's map advice.
    if (/Stream map .* matches no streams/i.test(tail))
      return new StylecastError(
        'INPUT_UNREADABLE',
        `${what} has no video stream (audio only?)`,
        'give a file or stream with video, or use --input test for the test pattern',
      );
    if (/Invalid data found|could not find codec|moov atom not found/i.test(tail))
      return new StylecastError(
        'INPUT_UNREADABLE',
        `${what} is not a video ffmpeg can read (${last})`,
        'try another file',
      );
    if (this.options.spec.kind === 'camera')
      return new StylecastError(
        'DEVICE_NOT_FOUND',
        `${what} cannot be opened (${last})`,
        'run `stylecast devices` to see cameras and their modes',
      );
    return new StylecastError(
      'FFMPEG_FAILED',
      `ffmpeg could not read ${what} (${last})`,
      'run with STYLECAST_LOG_LEVEL=debug to see the ffmpeg command',
    );
  }

  private fail(error: StylecastError): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
    this.safeEmit('fatal', error);
    if (this.listenerCount('error') > 0) this.safeEmit('error', error);
  }
}

/** SIGTERM, then SIGKILL if it lingers; resolves when the process is gone. */
export function killChild(child: ChildProcess | undefined, graceMs = 1500): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
