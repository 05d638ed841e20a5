import {
  EventSubscription,
  type OBSRequestTypes,
  type OBSResponseTypes,
  OBSWebSocket,
} from 'obs-websocket-js/json';
import { describeError, StylecastError } from '../../core/errors.ts';
import { SafeEmitter } from '../../core/lifecycle.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { connectError, requestError } from './errors.ts';

/**
 * The daemon's one connection to obs-websocket (v5, JSON). It reconnects with backoff for as long as it
 * runs, reports its state in stats, and re-emits the events stylecast listens to:
 *   'connected' ({ obsVersion, websocketVersion }), 'disconnected' (reason), 'custom-event' (eventData),
 *   'program-scene' (sceneName).
 * The password is only handed to obs-websocket-js; it is never logged, printed or put in argv.
 */
export interface ObsBridgeOptions {
  url: string;
  password?: string;
  logger?: Logger;
  backoff?: { initialMs: number; maxMs: number };
  /** A request that gets no answer in this time fails (obs-websocket-js would wait forever on a dead socket). */
  requestTimeoutMs?: number;
  /** Log "OBS is not reachable" at info instead of warn (OBS is optional: obs.enabled 'auto'). Auth errors stay warnings. */
  optional?: boolean;
}

export type ObsBridgeState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface ObsBridgeStats {
  state: ObsBridgeState;
  url: string;
  connects: number;
  lastError?: string;
  obsVersion?: string;
  websocketVersion?: string;
  connectedForMs?: number;
}

export type ObsRequest = keyof OBSRequestTypes;

/** How long after losing OBS a restart may take before "not reachable" is logged (OBS starts in ~2-10 s). */
const RESTART_GRACE_MS = 30_000;

export class ObsBridge extends SafeEmitter {
  private obs: OBSWebSocket | undefined;
  private state: ObsBridgeState = 'idle';
  private connects = 0;
  private lastError: string | undefined;
  private versions: { obsVersion?: string; websocketVersion?: string } = {};
  private connectedAt = 0;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private loop = false;
  private stopped = false;
  private lastLoggedError = '';
  /** When a live connection was lost: OBS restarting is not worth a line per state it passes through. */
  private lostAt: number | undefined;
  private readonly log: Logger;

  constructor(private readonly options: ObsBridgeOptions) {
    super((error, event) =>
      this.log.error({ event, err: describeError(error) }, 'OBS event listener failed'),
    );
    this.log = (options.logger ?? silentLogger()).child({ part: 'obs' });
    this.delay = options.backoff?.initialMs ?? 500;
  }

  get connected(): boolean {
    return this.state === 'connected' && this.obs?.identified === true;
  }

  /** Connects once; throws a one-line StylecastError (for CLI commands). */
  async connect(): Promise<void> {
    if (this.connected) return;
    this.state = 'connecting';
    const obs = new OBSWebSocket();
    try {
      await withTimeout(
        obs.connect(this.options.url, this.options.password, {
          rpcVersion: 1,
          eventSubscriptions: EventSubscription.General | EventSubscription.Scenes,
        }),
        this.options.requestTimeoutMs ?? 5000,
        'connect',
      );
      const version = await withTimeout(
        obs.call('GetVersion'),
        this.options.requestTimeoutMs ?? 5000,
        'GetVersion',
      );
      this.versions = { obsVersion: version.obsVersion, websocketVersion: version.obsWebSocketVersion };
    } catch (error) {
      await obs.disconnect().catch(() => {});
      const e = connectError(error, this.options.url, Boolean(this.options.password));
      this.lastError = e.message;
      this.state = this.loop ? 'reconnecting' : 'idle';
      throw e;
    }
    if (this.stopped) {
      // stop() ran while this connect was in flight: do not leave a socket open behind it.
      await obs.disconnect().catch(() => {});
      return;
    }
    this.obs = obs;
    this.state = 'connected';
    this.connectedAt = performance.now();
    this.connects++;
    this.lastError = undefined;
    this.lastLoggedError = '';
    this.lostAt = undefined;
    this.delay = this.options.backoff?.initialMs ?? 500;
    obs.on('CustomEvent', (data) => this.safeEmit('custom-event', data));
    obs.on('CurrentProgramSceneChanged', (data) => this.safeEmit('program-scene', data.sceneName));
    obs.on('ConnectionClosed', (error) => this.onClosed(obs, error));
    this.log.info({ url: this.options.url, obs: this.versions.obsVersion }, 'connected to OBS');
    this.safeEmit('connected', { ...this.versions });
  }

  /** Keeps a connection up in the background until stop(); failures are logged once per distinct reason. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopped = false;
    this.loop = true;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.loop = false;
    clearTimeout(this.timer);
    const obs = this.obs;
    this.obs = undefined;
    this.state = 'stopped';
    await obs?.disconnect().catch(() => {});
  }

  /** One obs-websocket request with a timeout; errors are one-line StylecastErrors. */
  async call<T extends ObsRequest>(
    requestType: T,
    requestData?: OBSRequestTypes[T],
  ): Promise<OBSResponseTypes[T]> {
    const obs = this.obs;
    if (!obs || !this.connected) {
      throw new StylecastError(
        'OBS_UNREACHABLE',
        `not connected to OBS at ${this.options.url}${this.lastError ? ` (${this.lastError})` : ''}`,
        'start OBS and enable its WebSocket server (Tools > WebSocket Server Settings)',
      );
    }
    try {
      return await withTimeout(
        obs.call(requestType, requestData as never) as Promise<OBSResponseTypes[T]>,
        this.options.requestTimeoutMs ?? 5000,
        requestType,
      );
    } catch (error) {
      if (error instanceof StylecastError) throw error;
      throw requestError(requestType, error);
    }
  }

  stats(): ObsBridgeStats {
    return {
      state: this.state,
      url: this.options.url,
      connects: this.connects,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...this.versions,
      ...(this.connected ? { connectedForMs: Math.round(performance.now() - this.connectedAt) } : {}),
    };
  }

  private async attempt(): Promise<void> {
    if (!this.loop) return;
    try {
      await this.connect();
    } catch (error) {
      const line = describeError(error);
      const unreachable = error instanceof StylecastError && error.key === 'OBS_UNREACHABLE';
      // Just after a lost connection OBS is usually restarting: gone, then running while its WebSocket
      // server starts. "lost the connection" said it; the reason is logged only if it lasts.
      const restarting = this.lostAt !== undefined && performance.now() - this.lostAt < RESTART_GRACE_MS;
      if (line !== this.lastLoggedError && !(unreachable && restarting)) {
        if (this.options.optional && unreachable) this.log.info(`${line}; will connect when it answers`);
        else this.log.warn(line);
        this.lastLoggedError = line;
      }
      this.schedule();
    }
  }

  private schedule(): void {
    if (!this.loop) return;
    this.state = 'reconnecting';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, this.options.backoff?.maxMs ?? 3000);
  }

  private onClosed(obs: OBSWebSocket, error: unknown): void {
    if (this.obs !== obs) return;
    this.obs = undefined;
    obs.removeAllListeners();
    const reason = describeError(error) || 'connection closed';
    this.lastError = `connection lost: ${reason}`;
    this.lostAt = performance.now();
    this.state = this.loop ? 'reconnecting' : 'idle';
    this.log.warn({ reason }, 'lost the connection to OBS; reconnecting');
    this.safeEmit('disconnected', reason);
    this.schedule();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StylecastError(
            'OBS_UNREACHABLE',
            `OBS did not answer ${what} within ${ms} ms`,
            'check that OBS is responsive and not blocked by a dialog',
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
