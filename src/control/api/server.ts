import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { defaultConfigDir } from '../../core/env.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { answerAndClose } from '../../core/socket-answer.ts';
import { round2 } from '../../core/stats.ts';
import { toApiError } from './errors.ts';
import { createRequestHandler, type MountHandler } from './http.ts';
import { listenError } from './listen.ts';
import { requestUrl } from './request-url.ts';
import { API_PREFIX } from './schema.ts';
import {
  checkAccess,
  checkOrigin,
  type Guard,
  isLoopbackHost,
  RateLimiter,
  resolveToken,
} from './security.ts';
import type { ControlTarget, Stats, StyleInfo } from './target.ts';
import { rejectUpgrade, WsHub } from './ws.ts';

export interface ApiServerOptions {
  target: ControlTarget;
  /** config api.host; loopback unless the streamer says otherwise. */
  host?: string;
  /** config api.port; 0 picks a free port (tests). */
  port?: number;
  /** config api.token; when absent and the host is not loopback, one is generated and stored. */
  token?: string;
  configDir?: string;
  log?: Logger;
  /** How often stats are pushed to WebSocket clients. */
  statsIntervalMs?: number;
  maxClients?: number;
  uploadsPerMinute?: number;
}

/** A panel (a few sockets), Companion and a Stream Deck plugin stay far below it. */
const MAX_CONNECTIONS_PER_ADDRESS = 64;

/**
 * The daemon's HTTP + WebSocket API and control panel on one port. It drives a ControlTarget
 * and knows nothing else about the daemon.
 */
export class ApiServer {
  private readonly http: Server;
  private readonly hub: WsHub;
  private readonly guard: Guard;
  private readonly log: Logger;
  private readonly mounts = new Map<string, MountHandler>();
  private readonly upgrades = new Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private lastLoop = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  private statsTimer: NodeJS.Timeout | undefined;
  private stateQueued = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Open connections per remote address off this machine: one LAN host cannot take all of maxConnections. */
  private readonly perAddress = new Map<string, number>();
  /** Set when a token was generated on this start: show it once. */
  readonly generatedToken: { token: string; path?: string } | undefined;

  constructor(private readonly options: ApiServerOptions) {
    this.log = options.log ?? silentLogger();
    const host = options.host ?? '127.0.0.1';
    const loopback = isLoopbackHost(host);
    let token = options.token;
    if (!loopback && !token) {
      const resolved = resolveToken({ configDir: options.configDir ?? defaultConfigDir() });
      token = resolved.token;
      if (resolved.created) this.generatedToken = { token: resolved.token, path: resolved.path };
    }
    this.guard = { loopback, token };
    const context = {
      target: options.target,
      guard: this.guard,
      log: this.log,
      stats: () => this.stats(),
      styles: () => this.styles(),
    };
    this.hub = new WsHub({ ...context, maxClients: options.maxClients ?? 128 });
    this.http = createServer(
      // Headers not complete after 10 s: the socket is closed within a second of that (Node checks
      // every 30 s by default, which let idle half-requests hold connections for ~40 s).
      {
        requestTimeout: 30_000,
        headersTimeout: 10_000,
        connectionsCheckingInterval: 1_000,
        maxHeaderSize: 16 * 1024,
      },
      createRequestHandler({
        ...context,
        mounts: this.mounts,
        uploads: new RateLimiter(options.uploadsPerMinute ?? 6, 3),
      }),
    );
    // A panel, a few Stream Deck buttons and Companion need a handful; this only bounds abuse.
    this.http.maxConnections = 512;
    this.http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => {});
      if (this.hub.handleUpgrade(req, socket, head)) return;
      const url = requestUrl(req);
      const mounted = this.upgrades.get(url.pathname);
      if (!mounted) return void socket.destroy();
      try {
        checkAccess(this.guard, req.headers, url);
        checkOrigin(req.headers);
      } catch (error) {
        return rejectUpgrade(socket, toApiError(error));
      }
      mounted(req, socket, head);
    });
    this.http.on('clientError', (_error, socket) =>
      answerAndClose(socket, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
    );
    this.http.on('connection', (socket) => this.limitPerAddress(socket));
  }

  private limitPerAddress(socket: Socket): void {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (isLoopbackHost(address)) return; // this machine's own clients (the panel, local tools)
    const open = this.perAddress.get(address) ?? 0;
    if (open >= MAX_CONNECTIONS_PER_ADDRESS) return void socket.destroy();
    this.perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  /** Another part of the daemon serves its own pages under `prefix` (same access checks). */
  mount(prefix: string, handler: MountHandler): void {
    this.mounts.set(prefix.replace(/\/$/, ''), handler);
  }

  /** Another part of the daemon takes WebSocket upgrades on `path` (after the Host, token and Origin checks). */
  mountUpgrade(path: string, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.upgrades.set(path, handler);
  }

  async start(): Promise<void> {
    const { host = '127.0.0.1', port = 8790, target } = this.options;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port));
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.loopDelay.enable();
    const onState = () => this.queueState();
    const onStyles = () => this.hub.broadcast({ event: 'styles', data: { styles: this.styles() } });
    target.on('state', onState);
    target.on('styles', onStyles);
    target.bus.on('executed', onState);
    this.unsubscribe.push(
      () => target.off('state', onState),
      () => target.off('styles', onStyles),
      () => target.bus.off('executed', onState),
    );
    this.statsTimer = setInterval(() => this.tick(), this.options.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The panel URL with the token when one is needed (for pages opened by programs, e.g. an OBS browser source). */
  get url(): string {
    return this.tokenRequired ? `${this.baseUrl}?token=${this.guard.token}` : this.baseUrl;
  }

  /** The panel URL without any token (for printing: the token is shown once, when generated). */
  get baseUrl(): string {
    const host = this.options.host ?? '127.0.0.1';
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shown.includes(':') ? `[${shown}]` : shown}:${this.port}/`;
  }

  get tokenRequired(): boolean {
    return !this.guard.loopback && this.guard.token !== undefined;
  }

  get apiUrl(): string {
    return new URL(API_PREFIX, this.url).href;
  }

  get clients(): number {
    return this.hub.clientCount;
  }

  stats(): Stats {
    return { ...this.options.target.stats(), eventLoop: this.lastLoop, clients: this.hub.clientCount };
  }

  styles(): StyleInfo[] {
    return this.options.target.styles().map((s) => ({
      ...s,
      thumbnailUrl: `${API_PREFIX}/styles/${encodeURIComponent(s.name)}/thumbnail`,
    }));
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    this.loopDelay.disable();
    await this.hub.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private tick(): void {
    const h = this.loopDelay;
    const ms = (ns: number) => round2(ns / 1e6);
    this.lastLoop = { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    h.reset();
    if (this.hub.clientCount > 0) this.hub.broadcast({ event: 'stats', data: this.stats() });
  }

  /** Several changes in one tick become one 'state' event. */
  private queueState(): void {
    if (this.stateQueued) return;
    this.stateQueued = true;
    setImmediate(() => {
      this.stateQueued = false;
      if (this.hub.clientCount > 0)
        this.hub.broadcast({ event: 'state', data: this.options.target.status() });
    });
  }
}
