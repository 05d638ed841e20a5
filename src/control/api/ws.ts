import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../core/log.ts';
import { answerAndClose } from '../../core/socket-answer.ts';
import { plainResult, runCommand } from './dispatch.ts';
import { ApiError, toApiError } from './errors.ts';
import { requestUrl } from './request-url.ts';
import { MAX_JSON_BYTES, RequestId, WS_PATH, type WsEvent, WsQuerySchema } from './schema.ts';
import { checkAccess, checkOrigin, type Guard, presentedToken } from './security.ts';
import type { ControlTarget, Stats, StyleInfo } from './target.ts';

/**
 * The WebSocket side of the API: JSON requests with ids answered by typed replies, and pushed
 * events. Each event is serialized once for all clients; a client that does not read (send buffer
 * over the limit) misses events instead of growing the daemon's memory.
 */

/** Hard frame limit: ws closes the connection (1009) above it. Below it, MAX_JSON_BYTES gives a typed error. */
const HARD_MAX_PAYLOAD = 256 * 1024;
const MAX_PENDING_PER_CLIENT = 32;
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A client that misses two pings in a row is gone (sleeping phone, pulled cable): its socket is freed. */
const HEARTBEAT_MS = 30_000;

export interface WsHubOptions {
  target: ControlTarget;
  guard: Guard;
  log: Logger;
  maxClients: number;
  stats(): Stats;
  styles(): StyleInfo[];
}

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD });
  private readonly pending = new WeakMap<WebSocket, number>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  /** Events not sent because a client's buffer was full. */
  skipped = 0;
  /** Clients disconnected because they kept sending requests without reading the replies. */
  cutOff = 0;

  constructor(private readonly options: WsHubOptions) {
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  /** Handles an HTTP upgrade for the API path; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = requestUrl(req);
    if (url.pathname !== WS_PATH) return false;
    try {
      checkAccess(this.options.guard, req.headers, url);
      checkOrigin(req.headers);
      if (this.clientCount >= this.options.maxClients)
        throw new ApiError('unavailable', `too many WebSocket clients (${this.options.maxClients})`);
    } catch (error) {
      rejectUpgrade(socket, toApiError(error));
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    return true;
  }

  broadcast(event: WsEvent): void {
    if (this.clientCount === 0) return;
    const text = JSON.stringify(event);
    for (const ws of this.wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.skipped++;
        continue;
      }
      ws.send(text);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'stylecast is stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const { target } = this.options;
    ws.on('error', () => {}); // a broken client must not reach the daemon's error path
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data, isBinary) => {
      void this.onMessage(ws, data, isBinary);
    });
    const url = requestUrl(req);
    const auth =
      this.options.guard.token !== undefined && presentedToken(req.headers, url) ? 'token' : 'none';
    this.send(ws, { event: 'hello', data: { status: target.status(), styles: this.options.styles(), auth } });
  }

  private send(ws: WebSocket, message: unknown): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // It asks but does not read its answers: dropping them would leave it waiting, keeping them
      // would grow the daemon's memory without bound. It is cut off instead.
      this.cutOff++;
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(message));
  }

  private reply(ws: WebSocket, id: unknown, error: unknown): void {
    this.send(ws, { id: id ?? null, ok: false, error: toApiError(error).body() });
  }

  private async onMessage(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (isBinary)
      return this.reply(ws, null, new ApiError('bad_request', 'send JSON text messages, not binary'));
    if (bytes.length > MAX_JSON_BYTES)
      return this.reply(ws, null, new ApiError('too_large', `message over the ${MAX_JSON_BYTES} byte limit`));
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString('utf8'));
    } catch {
      return this.reply(ws, null, new ApiError('malformed_json', 'the message is not valid JSON'));
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      return this.reply(
        ws,
        null,
        new ApiError('bad_request', 'a message is a JSON object with a command or query'),
      );
    const { id: rawId, ...rest } = message as Record<string, unknown>;
    const idCheck = RequestId.optional().safeParse(rawId);
    if (!idCheck.success)
      return this.reply(
        ws,
        null,
        new ApiError('bad_request', 'id: a string (up to 64 characters) or an integer'),
      );
    const id = idCheck.data ?? null;
    const inFlight = this.pending.get(ws) ?? 0;
    if (inFlight >= MAX_PENDING_PER_CLIENT)
      return this.reply(
        ws,
        id,
        new ApiError('rate_limited', 'too many requests in flight', 'wait for replies'),
      );
    this.pending.set(ws, inFlight + 1);
    try {
      const result =
        'query' in rest
          ? this.query(rest)
          : plainResult(await runCommand(this.options.target, rest, 'websocket'));
      this.send(ws, result === undefined ? { id, ok: true } : { id, ok: true, result });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'failed')
        this.options.log.warn({ err: apiError.message }, 'websocket command failed');
      this.reply(ws, id, apiError);
    } finally {
      this.pending.set(ws, (this.pending.get(ws) ?? 1) - 1);
    }
  }

  private query(input: Record<string, unknown>): unknown {
    const parsed = WsQuerySchema.safeParse(input);
    if (!parsed.success) throw new ApiError('bad_request', `query: ${parsed.error.issues[0].message}`);
    const { target } = this.options;
    switch (parsed.data.query) {
      case 'status':
        return target.status();
      case 'stats':
        return this.options.stats();
      case 'styles':
        return { styles: this.options.styles() };
      case 'obs':
        return target.status().obs;
      case 'recording':
        return target.status().recording;
    }
  }
}

export function rejectUpgrade(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify({ ok: false, error: error.body() });
  answerAndClose(
    socket,
    `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
