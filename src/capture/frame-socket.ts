import { createServer, Socket } from 'node:net';

/**
 * ffmpeg's raw frames over a loopback TCP connection instead of its stdout pipe. A pipe hands Node a
 * fresh 64 KiB buffer for every read (~110 MB/s at 720p30); while the frame path is busy those buffers
 * pile up faster than the young generation is swept, and V8 ran a major GC every ~100 ms (measured:
 * 45 major GCs in 8 s beside the blur effect with a pipe, 1 over a socket). A socket reads into one
 * reused buffer (net.Socket `onread`); the frame assembler copies each read into its frame at once.
 * ffmpeg listens (it opens its input first, then its output), we connect.
 */

const LOOPBACK = '127.0.0.1';
const READ_BYTES = 256 * 1024;

/** A port free on the loopback interface right now (ffmpeg binds it a moment later). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no loopback port'))));
    });
  });
}

/**
 * The ffmpeg output URL for `port`: ffmpeg listens there for our one connection, and gives up with
 * "Connection timed out" when none comes within `timeoutMs` (then the source reads stdout instead).
 */
export const listenUrl = (port: number, timeoutMs = 10_000): string =>
  `tcp://${LOOPBACK}:${port}?listen=1&listen_timeout=${timeoutMs}`;

export interface FrameConnection {
  pause(): void;
  resume(): void;
  /** Drops the connection (ffmpeg's next write fails and it exits). */
  close(): void;
  /** Resolves once the stream is over: ffmpeg closed it, close() was called, or connecting gave up. */
  readonly ended: Promise<void>;
  /** Whether a connection was ever made. */
  readonly connected: boolean;
}

/**
 * Connects to ffmpeg's port, retrying while ffmpeg starts (a camera can take seconds to open) until
 * `giveUp()` says its process is gone. Every read goes to `onData` before the buffer is reused.
 */
export function connectFrames(
  port: number,
  onData: (chunk: Uint8Array) => void,
  giveUp: () => boolean,
): FrameConnection {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  let socket: Socket | undefined;
  let closed = false;
  let paused = false;
  let everConnected = false;
  let finish: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const attempt = (retryMs: number) => {
    if (closed || giveUp()) {
      finish();
      return;
    }
    const candidate = new Socket({
      onread: {
        buffer,
        callback: (bytes: number, data: Uint8Array) => {
          onData(data.subarray(0, bytes));
          return true;
        },
      },
    });
    let connected = false;
    candidate.once('connect', () => {
      connected = true;
      everConnected = true;
      socket = candidate;
      if (paused) candidate.pause();
      if (closed) candidate.destroy();
    });
    // Refused while ffmpeg is not listening yet; reset when it is killed: 'close' follows either way.
    candidate.on('error', () => {});
    candidate.once('close', () => {
      if (connected) finish();
      else setTimeout(() => attempt(Math.min(retryMs * 2, 100)), retryMs);
    });
    candidate.connect(port, LOOPBACK);
  };
  attempt(10);
  return {
    pause: () => {
      paused = true;
      socket?.pause();
    },
    resume: () => {
      paused = false;
      socket?.resume();
    },
    close: () => {
      closed = true;
      socket?.destroy();
    },
    ended,
    get connected() {
      return everConnected;
    },
  };
}
