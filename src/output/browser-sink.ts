import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Frame } from '../core/frame.ts';
import type { FrameSink, SinkStats } from '../core/lifecycle.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { answerAndClose } from '../core/socket-answer.ts';
import { browserSourcePage } from './browser-page.ts';

/**
 * The browser-source sink, for OBS builds that have a Browser Source (the official Windows, macOS and
 * Flatpak builds): the daemon serves a page (PAGE_PATH) that draws frames pushed over a WebSocket
 * (FRAMES_PATH) into a transparent canvas. Each client gets the newest frame only: while its socket
 * still holds more than `maxBufferedBytes` unsent, the newest frame waits for it and any older waiting
 * frame is dropped (counted); the waiting frame goes out as soon as the socket drains, so a page that
 * fell behind always ends on the last frame, even when no later frame comes.
 *
 * Mount it on the daemon's HTTP server with handleRequest/handleUpgrade, or give it its own port with listen().
 */
export const PAGE_PATH = '/obs/browser-source';
export const FRAMES_PATH = '/obs/frames';
/** OBS shows one page per Browser Source; a few more are previews. This only bounds abuse. */
const MAX_CLIENTS = 32;

export interface BrowserSinkOptions {
  logger?: Logger;
  /** Unsent bytes per client above which new frames are dropped for it (default: one 1080p frame). */
  maxBufferedBytes?: number;
  /** Called on each upgrade; return false to refuse (e.g. the API's token check). */
  authorize?: (request: IncomingMessage) => boolean;
  /** Sink name in stats (default 'browser'). */
  name?: string;
}

export class BrowserSink implements FrameSink {
  readonly name: string;
  readonly releasesFrames = true;
  // Clients only receive: a message from one is not read, so anything over a few bytes closes it (1009)
  // instead of ws's 100 MiB default being buffered.
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 });
  private readonly log: Logger;
  private server: Server | undefined;
  private written = 0;
  private dropped = 0;
  private running = false;
  /** Per client: the newest frame that found its socket full, sent when the socket drains. */
  private readonly waiting = new WeakMap<WebSocket, Buffer>();

  constructor(private readonly options: BrowserSinkOptions = {}) {
    this.name = options.name ?? 'browser';
    this.log = (options.logger ?? silentLogger()).child({ sink: this.name });
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Serves the page; returns false for any other path so the caller can route it elsewhere. */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path !== PAGE_PATH) return false;
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(browserSourcePage(FRAMES_PATH));
    return true;
  }

  /** Takes over a WebSocket upgrade for FRAMES_PATH; returns false for other paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path !== FRAMES_PATH) return false;
    if (this.options.authorize && !this.options.authorize(request)) {
      answerAndClose(socket, 'HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return true;
    }
    if (this.wss.clients.size >= MAX_CLIENTS) {
      answerAndClose(socket, 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      this.log.info({ clients: this.wss.clients.size }, 'browser source connected');
      ws.on('error', () => ws.terminate());
    });
    return true;
  }

  /** Its own HTTP server (when the daemon's API server is not running); returns the bound port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      if (!this.handleRequest(req, res)) {
        res.writeHead(404).end();
      }
    });
    server.on('upgrade', (req, socket, head) => {
      if (!this.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  write(frame: Frame): boolean {
    if (!this.running || this.wss.clients.size === 0) return false;
    // The message is a copy (encodeFrameMessage), made before this returns: no hold needed.
    let message: Buffer | undefined;
    let sent = false;
    for (const client of this.wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      message ??= encodeFrameMessage(frame);
      if (client.bufferedAmount > this.limit) {
        if (this.waiting.has(client)) this.dropped++;
        this.waiting.set(client, message);
        continue;
      }
      this.send(client, message);
      sent = true;
    }
    if (sent) this.written++;
    return sent;
  }

  private get limit(): number {
    return this.options.maxBufferedBytes ?? 1920 * 1080 * 4;
  }

  /** Sends, and once the socket has taken it, the frame that waited meanwhile (if any). */
  private send(client: WebSocket, message: Buffer): void {
    client.send(message, { binary: true }, (error) => {
      if (error || client.readyState !== client.OPEN) {
        this.waiting.delete(client);
        return;
      }
      const next = this.waiting.get(client);
      if (!next || client.bufferedAmount > this.limit) return;
      this.waiting.delete(client);
      this.send(client, next);
    });
  }

  stats(): SinkStats {
    return {
      name: this.name,
      state: this.running ? 'running' : 'stopped',
      written: this.written,
      dropped: this.dropped,
      detail: `${this.wss.clients.size} page(s) connected`,
    };
  }
}

/** 12-byte header (width, height, seq: u32 little-endian) then the RGBA pixels. */
export function encodeFrameMessage(frame: Frame): Buffer {
  const message = Buffer.allocUnsafe(12 + frame.data.byteLength);
  message.writeUInt32LE(frame.width, 0);
  message.writeUInt32LE(frame.height, 4);
  message.writeUInt32LE(frame.seq >>> 0, 8);
  message.set(frame.data, 12);
  return message;
}
