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
  // obs-websocket-js passes the socket's error on as its message (code -1).
  const unresolved = /\b(ENOTFOUND|EAI_AGAIN)\b/.exec(message);
  if (unresolved) {
    return new StylecastError(
      'OBS_UNREACHABLE',
      `cannot find the host '${new URL(url).hostname}' of obs.url ${url} (the name does not resolve${unresolved[1] === 'EAI_AGAIN' ? ' now: no DNS answer' : ''})`,
      "check the host name for a typo, or use the OBS machine's IP address (OBS > Tools > WebSocket Server Settings > Show Connect Info)",
      { cause: error },
    );
  }
  const http = /Unexpected server response: (\d+)/.exec(message);
  if (http) {
    return new StylecastError(
      'OBS_UNREACHABLE',
      `something at ${url} answered HTTP ${http[1]}: it is not OBS's WebSocket server`,
      'check the port in obs.url: OBS shows its WebSocket server port under Tools > WebSocket Server Settings (default 4455)',
      { cause: error },
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

/**
 * obs-websocket 5 RequestStatus codes (protocol.md, enum RequestStatus) as a plain reason and a hint.
 * OBS often sends no comment (StopRecord while not recording is just 501), so the code has to speak.
 */
const REQUEST_STATUS: Record<number, { reason: string; hint: string }> = {
  204: {
    reason: 'this OBS does not know that request',
    hint: 'update OBS to 28 or newer (obs-websocket 5); some requests need a newer obs-websocket',
  },
  205: { reason: 'OBS reported an error', hint: 'see OBS > Help > Log Files for details' },
  207: { reason: 'OBS is not ready yet', hint: 'try again once OBS has finished starting' },
  300: {
    reason: 'a required field is missing',
    hint: 'this is a stylecast bug: please report it with this line',
  },
  400: { reason: 'a field has an invalid value', hint: 'check the names and values in the stylecast config' },
  401: {
    reason: 'a field has the wrong type',
    hint: 'this is a stylecast bug: please report it with this line',
  },
  402: { reason: 'a value is out of range', hint: 'check the numbers in the stylecast config' },
  403: { reason: 'a field is empty', hint: 'check that obs.scene and obs.sourceName are not empty' },
  500: { reason: 'the output is already running', hint: 'nothing to do: OBS is already doing it' },
  501: { reason: 'the output is not running', hint: 'nothing to stop: start it first' },
  502: { reason: 'the output is paused', hint: 'resume it in OBS first' },
  503: { reason: 'the output is not paused', hint: 'nothing to resume' },
  504: {
    reason: 'the output is disabled',
    hint: 'enable it in OBS (e.g. the replay buffer under Settings > Output)',
  },
  505: { reason: 'studio mode is on', hint: 'turn studio mode off in OBS, or act on the preview scene' },
  506: { reason: 'studio mode is off', hint: 'turn studio mode on in OBS' },
  600: {
    reason: 'no such scene, source or input',
    hint: 'check the name (case and spaces count); `stylecast obs status` shows what OBS has',
  },
  601: {
    reason: 'a scene, source or input of that name already exists',
    hint: 'scenes and sources share one namespace in OBS: pick another name, or rename it in OBS',
  },
  602: {
    reason: 'it is the wrong kind of source',
    hint: 'e.g. a scene where an input is needed: check the names in the stylecast config',
  },
  603: { reason: 'not enough resources', hint: 'close other sources or programs and try again' },
  604: {
    reason: 'it is in the wrong state for that',
    hint: 'check in OBS that it is in the state the request needs (e.g. recording, active)',
  },
  605: { reason: 'this OBS has no input of that kind', hint: 'install the OBS plugin that provides it' },
  606: { reason: 'that source cannot be configured', hint: 'pick a source that has settings' },
  607: { reason: 'this OBS has no filter of that kind', hint: 'install the OBS plugin that provides it' },
  700: { reason: 'OBS could not create it', hint: 'see OBS > Help > Log Files for why' },
  701: { reason: 'OBS could not do it', hint: 'see OBS > Help > Log Files for why' },
  702: {
    reason: 'OBS could not process the request',
    hint: 'e.g. a source with no frame yet; see OBS > Help > Log Files',
  },
  703: { reason: 'OBS cannot do that now', hint: 'check OBS for an open dialog or a running operation' },
};

/** Outputs named by their requests, so 500/501 can say "OBS is not recording" instead of "the output". */
const OUTPUT_OF: Record<string, string> = {
  StartRecord: 'recording',
  StopRecord: 'recording',
  PauseRecord: 'recording',
  ResumeRecord: 'recording',
  ToggleRecordPause: 'recording',
  StartStream: 'streaming',
  StopStream: 'streaming',
  StartReplayBuffer: 'running its replay buffer',
  StopReplayBuffer: 'running its replay buffer',
  SaveReplayBuffer: 'running its replay buffer',
  StartVirtualCam: 'running its virtual camera',
  StopVirtualCam: 'running its virtual camera',
};

function statusOf(requestType: string, code: number): { reason: string; hint: string } | undefined {
  const output = OUTPUT_OF[requestType];
  if (output && code === 500) return { reason: `OBS is already ${output}`, hint: 'nothing to start' };
  if (output && code === 501) return { reason: `OBS is not ${output}`, hint: 'nothing to stop' };
  return REQUEST_STATUS[code];
}

export function requestError(requestType: string, error: unknown): StylecastError {
  const code = (error as { code?: unknown })?.code;
  const comment = error instanceof Error ? error.message : String(error ?? '');
  const known = typeof code === 'number' ? statusOf(requestType, code) : undefined;
  // OBS's own comment is the most specific; the table's reason says what the bare code means.
  const reason = [known?.reason, comment].filter(Boolean).join(': ') || 'no reason given';
  return new StylecastError(
    'OBS_REQUEST',
    `OBS refused ${requestType}${code !== undefined ? ` (code ${String(code)})` : ''}: ${reason}`,
    known?.hint ?? 'check that OBS is version 28 or newer and see OBS > Help > Log Files',
    { cause: error },
  );
}
