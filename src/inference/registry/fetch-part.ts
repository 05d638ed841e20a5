import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { isStylecastError, StylecastError } from '../../core/errors.ts';
import { refusalReason } from '../../core/folders.ts';
import type { NamedEntry } from './manifest.ts';

/** One download attempt of `models pull`: fetch a URL into <file>.part, resuming what is there. */

export type FetchOutcome =
  | { kind: 'complete'; bytes: number; resumedFrom: number }
  /** Worth retrying (cut connection, stall, refused): the .part keeps what arrived. */
  | {
      kind: 'retry';
      bytes: number;
      resumedFrom: number;
      reason: string;
      /** No HTTP response came back at all, and the attempt ran into the idle timeout. */
      silent: boolean;
    }
  /** Not worth retrying this URL (404, 403, …). */
  | { kind: 'fatal'; bytes: number; resumedFrom: number; reason: string };

export interface FetchPartOptions {
  signal?: AbortSignal;
  /** Abort when nothing arrives for this long: before the response as well as between chunks. */
  idleTimeoutMs: number;
  onDownload: (url: string, resumeFrom: number) => void;
  onProgress: (loaded: number) => void;
}

export async function fetchInto(
  url: string,
  part: string,
  entry: Pick<NamedEntry, 'size'>,
  options: FetchPartOptions,
): Promise<FetchOutcome> {
  let have = existsSync(part) ? (await stat(part)).size : 0;
  if (have > entry.size) {
    await rm(part, { force: true });
    have = 0;
  }
  if (have === entry.size) return { kind: 'complete', bytes: 0, resumedFrom: have };
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener('abort', abort);
  const idleMs = options.idleTimeoutMs;
  let idle = setTimeout(abort, idleMs);
  const request = watchRequestSent(url);
  let bytes = 0;
  let responded = false;
  try {
    const response = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: controller.signal,
      redirect: 'follow',
    });
    responded = true;
    if (response.status === 416 && have > 0) {
      // Our .part is longer than what the server has, or stale: start over.
      await rm(part, { force: true });
      await response.body?.cancel();
      return { kind: 'retry', bytes: 0, resumedFrom: 0, reason: 'HTTP 416, restarting', silent: false };
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return {
        kind: 'fatal',
        bytes: 0,
        resumedFrom: 0,
        reason: `HTTP ${response.status} ${response.statusText}`,
      };
    }
    const resumedFrom = response.status === 206 ? have : 0;
    options.onDownload(url, resumedFrom);
    const file = await openPart(part, resumedFrom > 0 ? 'a' : 'w');
    try {
      let loaded = resumedFrom;
      options.onProgress(loaded);
      for await (const chunk of response.body) {
        clearTimeout(idle);
        idle = setTimeout(abort, idleMs);
        await file.write(chunk).catch((error: unknown) => {
          throw partError(part, error);
        });
        bytes += chunk.byteLength;
        loaded += chunk.byteLength;
        options.onProgress(loaded);
      }
    } finally {
      await file.close();
    }
    return { kind: 'complete', bytes, resumedFrom };
  } catch (error) {
    if (isStylecastError(error)) throw error; // the .part cannot be written: no retry helps
    if (options.signal?.aborted) {
      return { kind: 'fatal', bytes, resumedFrom: have, reason: 'cancelled' };
    }
    const timedOut = controller.signal.aborted;
    const waited = formatDuration(idleMs);
    let reason: string;
    if (responded) {
      reason = timedOut
        ? `the transfer stalled after ${bytes} bytes (nothing for ${waited})`
        : `connection lost after ${bytes} bytes (${describeFetchError(error)})`;
    } else if (request.sent()) {
      // Connected and asked: "cannot connect" (what this said before) sent people to the wrong place.
      reason = timedOut
        ? `the server accepted the connection but sent nothing for ${waited}`
        : `the server closed the connection without answering (${describeFetchError(error)})`;
    } else {
      reason = timedOut ? `no connection within ${waited}` : `cannot connect (${describeFetchError(error)})`;
    }
    return { kind: 'retry', bytes, resumedFrom: have, reason, silent: timedOut && !responded };
  } finally {
    clearTimeout(idle);
    request.stop();
    options.signal?.removeEventListener('abort', abort);
  }
}

/** "30 s", "1.5 s", "300 ms". */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

async function openPart(part: string, flags: 'a' | 'w') {
  try {
    return await open(part, flags);
  } catch (error) {
    throw partError(part, error);
  }
}

function partError(part: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return error;
  return new StylecastError(
    'OUTPUT_FAILED',
    `cannot write ${part}: ${refusalReason(code, part)}`,
    'free some space or choose a models folder you can write to (--models-dir)',
    { cause: error },
  );
}

/**
 * Whether fetch() wrote a request to `url`'s server onto a connection, from the diagnostics channel
 * Node's fetch (undici) publishes. fetch's AbortError alone cannot tell "no connection" from
 * "connected, asked, and nothing came back".
 */
function watchRequestSent(url: string): { sent: () => boolean; stop: () => void } {
  const origin = new URL(url).origin;
  let sent = false;
  const onSend = (message: unknown) => {
    if ((message as { request?: { origin?: string } }).request?.origin === origin) sent = true;
  };
  subscribe('undici:client:sendHeaders', onSend);
  return { sent: () => sent, stop: () => unsubscribe('undici:client:sendHeaders', onSend) };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
