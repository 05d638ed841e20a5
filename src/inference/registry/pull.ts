import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ENV } from '../../core/env.ts';
import { StylecastError } from '../../core/errors.ts';
import { type LocateOptions, pullDir, verifyFile } from './locate.ts';
import { modelEntry, type NamedEntry } from './manifest.ts';

/**
 * `models pull`: download into <file>.part, resuming with a Range request when a .part exists (or the
 * connection is cut), check sha256, then rename into place — so a half-downloaded file is never used.
 * One progress union serves the CLI's bar and the API's WebSocket events.
 */

export type PullProgress =
  | { status: 'initiate'; name: string; file: string }
  | { status: 'download'; name: string; url: string; resumeFrom: number }
  | { status: 'progress'; name: string; loaded: number; total: number }
  | { status: 'done'; name: string; path: string; downloaded: number; skipped: boolean };

export interface PullOptions extends LocateOptions {
  /** Replaces each model's URLs by <baseUrl>/<file> (a mirror; tests use a local server). */
  baseUrl?: string;
  onProgress?: (event: PullProgress) => void;
  signal?: AbortSignal;
  /** Abort a transfer that sends nothing for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Attempts per URL when the connection is cut mid-transfer (each resumes; default 3). */
  attempts?: number;
}

export interface PullResult {
  name: string;
  path: string;
  /** Bytes fetched over the network in this call. */
  downloaded: number;
  /** Already present and verified: nothing fetched. */
  skipped: boolean;
  resumed: boolean;
}

/** Download locations for an entry: the mirror base URL when one is set, else the manifest's URLs. */
export function downloadUrls(entry: NamedEntry, options: PullOptions = {}): string[] {
  const base = options.baseUrl ?? (options.env ?? process.env)[ENV.modelsBaseUrl];
  if (base) return [`${base.replace(/\/+$/, '')}/${entry.file}`];
  return entry.urls;
}

export async function pullModel(name: string, options: PullOptions = {}): Promise<PullResult> {
  const entry = modelEntry(name);
  const emit = options.onProgress ?? (() => {});
  const target = join(pullDir(options), entry.file);
  emit({ status: 'initiate', name, file: target });
  if (existsSync(target) && (await verifyFile(target, entry)).ok) {
    emit({ status: 'done', name, path: target, downloaded: 0, skipped: true });
    return { name, path: target, downloaded: 0, skipped: true, resumed: false };
  }
  await mkdir(dirname(target), { recursive: true });
  const part = `${target}.part`;
  const failures: string[] = [];
  let lastWasChecksum = false;
  let downloaded = 0;
  let resumed = false;
  for (const url of downloadUrls(entry, options)) {
    for (let attempt = 1; attempt <= (options.attempts ?? 3); attempt++) {
      const outcome = await fetchInto(url, part, entry, options, emit);
      downloaded += outcome.bytes;
      resumed ||= outcome.resumedFrom > 0;
      if (outcome.kind === 'complete') {
        const check = await verifyFile(part, entry);
        if (check.ok) {
          await rename(part, target);
          emit({ status: 'done', name, path: target, downloaded, skipped: false });
          return { name, path: target, downloaded, skipped: false, resumed };
        }
        // A different file (or a stale .part): never keep it; try the next URL.
        await rm(part, { force: true });
        failures.push(`${url} sent a file that does not match the manifest (${check.problem})`);
        lastWasChecksum = true;
        break;
      }
      failures.push(`${url}: ${outcome.reason}`);
      lastWasChecksum = false;
      if (outcome.kind === 'fatal') break;
    }
    if (options.signal?.aborted) break;
  }
  if (lastWasChecksum) {
    throw new StylecastError(
      'MODEL_CHECKSUM',
      `download of '${name}' failed: ${failures.at(-1)}`,
      'the partial download was deleted; check the mirror or report the changed upstream file',
    );
  }
  throw new StylecastError(
    'MODEL_DOWNLOAD',
    `cannot download '${name}': ${failures.at(-1) ?? 'no URL'}`,
    existsSync(part)
      ? `check the network and run \`stylecast models pull ${name}\` again: it resumes from ${part}`
      : `check the network or the URL (${ENV.modelsBaseUrl} sets a mirror)`,
  );
}

type FetchOutcome =
  | { kind: 'complete'; bytes: number; resumedFrom: number }
  /** Worth retrying (cut connection, stall): the .part keeps what arrived. */
  | { kind: 'retry'; bytes: number; resumedFrom: number; reason: string }
  /** Not worth retrying this URL (404, 403, …). */
  | { kind: 'fatal'; bytes: number; resumedFrom: number; reason: string };

async function fetchInto(
  url: string,
  part: string,
  entry: NamedEntry,
  options: PullOptions,
  emit: (e: PullProgress) => void,
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
  const idleMs = options.idleTimeoutMs ?? 30_000;
  let idle = setTimeout(abort, idleMs);
  let bytes = 0;
  let connected = false;
  try {
    const response = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: controller.signal,
      redirect: 'follow',
    });
    connected = true;
    if (response.status === 416 && have > 0) {
      // Our .part is longer than what the server has, or stale: start over.
      await rm(part, { force: true });
      await response.body?.cancel();
      return { kind: 'retry', bytes: 0, resumedFrom: 0, reason: 'HTTP 416, restarting' };
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
    emit({ status: 'download', name: entry.name, url, resumeFrom: resumedFrom });
    const file = await open(part, resumedFrom > 0 ? 'a' : 'w');
    try {
      let loaded = resumedFrom;
      emit({ status: 'progress', name: entry.name, loaded, total: entry.size });
      for await (const chunk of response.body) {
        clearTimeout(idle);
        idle = setTimeout(abort, idleMs);
        await file.write(chunk);
        bytes += chunk.byteLength;
        loaded += chunk.byteLength;
        emit({ status: 'progress', name: entry.name, loaded, total: entry.size });
      }
    } finally {
      await file.close();
    }
    return { kind: 'complete', bytes, resumedFrom };
  } catch (error) {
    if (options.signal?.aborted) {
      return { kind: 'fatal', bytes, resumedFrom: have, reason: 'cancelled' };
    }
    const why = controller.signal.aborted ? `no data for ${idleMs} ms` : describeFetchError(error);
    const reason = connected ? `connection lost after ${bytes} bytes (${why})` : `cannot connect (${why})`;
    return { kind: 'retry', bytes, resumedFrom: have, reason };
  } finally {
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', abort);
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
