import { readdirSync, readFileSync } from 'node:fs';
import { StylecastError } from '../../core/errors.ts';

/**
 * Turns what obs-websocket-js throws while connecting into one-line StylecastErrors a streamer can act on.
 * The password is never part of any message.
 */

const ENABLE_HINT =
  'in OBS open Tools > WebSocket Server Settings, tick "Enable WebSocket server" and check the port';

/** obs-websocket closes with 4009 when authentication fails (protocol: WebSocketCloseCode.AuthenticationFailed). */
const AUTH_FAILED = 4009;

/** Is an OBS process running on this machine? (Linux only; elsewhere unknown.) */
export function localObsRunning(): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'obs') return true;
      } catch {
        // the process ended while we looked
      }
    }
    return false;
  } catch {
    return undefined;
  }
}

const isLoopback = (url: string): boolean => {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
};

export function connectError(error: unknown, url: string, hasPassword: boolean): StylecastError {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === AUTH_FAILED || /authentication/i.test(message)) {
    return hasPassword
      ? new StylecastError(
          'OBS_AUTH',
          `OBS at ${url} rejected the obs-websocket password`,
          'set OBS_WEBSOCKET_PASSWORD (or obs.password in the config) to the password shown in OBS > Tools > WebSocket Server Settings',
          { cause: error },
        )
      : new StylecastError(
          'OBS_AUTH',
          `OBS at ${url} requires an obs-websocket password and none was given`,
          'set OBS_WEBSOCKET_PASSWORD (or obs.password in the config); OBS shows it under Tools > WebSocket Server Settings > Show Connect Info',
          { cause: error },
        );
  }
  let port = '4455';
  try {
    port = new URL(url).port || port;
  } catch {
    return new StylecastError(
      'BAD_CONFIG',
      `obs.url ${url} is not a URL`,
      'use a URL like ws://127.0.0.1:4455',
    );
  }
  if (isLoopback(url) && localObsRunning()) {
    return new StylecastError(
      'OBS_UNREACHABLE',
      `OBS is running but its WebSocket server does not answer on port ${port}`,
      ENABLE_HINT,
      { cause: error },
    );
  }
  return new StylecastError(
    'OBS_UNREACHABLE',
    `OBS is not reachable at ${url} (not running, or its WebSocket server is off)`,
    `start OBS Studio 28 or newer; ${ENABLE_HINT}`,
    { cause: error },
  );
}

export function requestError(requestType: string, error: unknown): StylecastError {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new StylecastError(
    'OBS_REQUEST',
    `OBS refused ${requestType}${code !== undefined ? ` (code ${String(code)})` : ''}: ${message || 'no reason given'}`,
    'check that OBS is version 28 or newer and that the scene collection is not locked',
    { cause: error },
  );
}
