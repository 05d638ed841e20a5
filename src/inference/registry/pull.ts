import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ENV } from '../../core/env.ts';
import { isStylecastError, StylecastError } from '../../core/errors.ts';
import { makeFolder } from '../../core/folders.ts';
import { fetchInto, formatDuration } from './fetch-part.ts';
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
  | { status: 'done'; name: string; path: string; downloaded: number; skipped: boolean }
  /** An attempt failed and another follows (the same URL again, or the next one): worth a line. */
  | { status: 'retry'; name: string; url: string; reason: string; next: string };

export interface PullOptions extends LocateOptions {
  /** Replaces each model's URLs by <baseUrl>/<file> (a mirror; tests use a local server). */
  baseUrl?: string;
  onProgress?: (event: PullProgress) => void;
  signal?: AbortSignal;
  /** Abort an attempt that receives nothing for this long, before or during the transfer (default 30 s). */
  idleTimeoutMs?: number;
  /** Attempts per URL when the connection is cut mid-transfer (each resumes; default 3). */
  attempts?: number;
  /**
   * Give the model up once attempts that received nothing have taken this long together (default
   * 2 x idleTimeoutMs): a black-holed network fails in about a minute, not attempts x URLs x 30 s.
   */
  giveUpAfterMs?: number;
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

/** A file a manifest names: where it comes from and how to know it is the right one. */
export type Downloadable = Pick<NamedEntry, 'name' | 'file' | 'size' | 'sha256' | 'urls'>;

/** Download locations for an entry: the mirror base URL when one is set, else the manifest's URLs. */
export function downloadUrls(entry: Downloadable, options: PullOptions = {}): string[] {
  const base = options.baseUrl ?? (options.env ?? process.env)[ENV.modelsBaseUrl];
  if (base) return [`${base.replace(/\/+$/, '')}/${entry.file}`];
  return entry.urls;
}

export async function pullModel(name: string, options: PullOptions = {}): Promise<PullResult> {
  const entry = modelEntry(name);
  return pullFile(entry, join(pullDir(options), entry.file), options, {
    again: `stylecast models pull ${name}`,
    folderSetting: folderSetting(options),
    mirror: `--base-url <url> or ${ENV.modelsBaseUrl}`,
  });
}

/**
 * Downloads `entry` to `target` (any manifest's file: a model, a starter painting). `again` is the
 * command that resumes it; `folderSetting` names what chose the folder, for a folder that cannot be made;
 * `mirror` how to fetch from elsewhere.
 */
export async function pullFile(
  entry: Downloadable,
  target: string,
  options: PullOptions,
  words: { again: string; folderSetting: string; mirror: string },
): Promise<PullResult> {
  const { name } = entry;
  const emit = options.onProgress ?? (() => {});
  emit({ status: 'initiate', name, file: target });
  if (existsSync(target) && (await verifyFile(target, entry)).ok) {
    emit({ status: 'done', name, path: target, downloaded: 0, skipped: true });
    return { name, path: target, downloaded: 0, skipped: true, resumed: false };
  }
  try {
    makeFolder(dirname(target));
  } catch (error) {
    throw folderHint(error, words.folderSetting);
  }
  const part = `${target}.part`;
  const urls = downloadUrls(entry, options);
  const attempts = options.attempts ?? 3;
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const giveUpMs = options.giveUpAfterMs ?? 2 * idleMs;
  let failure: string | undefined; // the last attempt's, for the error
  let lastWasChecksum = false;
  let lastWasSilent = false;
  let downloaded = 0;
  let resumed = false;
  let fruitlessMs = 0; // time spent on attempts that received nothing
  for (let u = 0, attempt = 1; u < urls.length; ) {
    const url = urls[u];
    const started = performance.now();
    const outcome = await fetchInto(url, part, entry, {
      signal: options.signal,
      idleTimeoutMs: Math.max(1, Math.min(idleMs, giveUpMs - fruitlessMs)),
      onDownload: (at, resumeFrom) => emit({ status: 'download', name, url: at, resumeFrom }),
      onProgress: (loaded) => emit({ status: 'progress', name, loaded, total: entry.size }),
    });
    downloaded += outcome.bytes;
    resumed ||= outcome.resumedFrom > 0;
    let nextUrl: boolean;
    let reason: string;
    if (outcome.kind === 'complete') {
      const check = await verifyFile(part, entry);
      if (check.ok) {
        await rename(part, target);
        emit({ status: 'done', name, path: target, downloaded, skipped: false });
        return { name, path: target, downloaded, skipped: false, resumed };
      }
      // A different file (or a stale .part): never keep it; try the next URL.
      await rm(part, { force: true });
      reason = `sent a file that does not match the manifest (${check.problem})`;
      failure = `${url} ${reason}`;
      lastWasChecksum = true;
      lastWasSilent = false;
      nextUrl = true;
    } else {
      reason = outcome.reason;
      failure = `${url}: ${reason}`;
      lastWasChecksum = false;
      lastWasSilent = outcome.kind === 'retry' && outcome.silent;
      if (outcome.bytes === 0) fruitlessMs += performance.now() - started;
      // A server that held the connection silent until the timeout will not answer the next time
      // either: the time goes to the next URL instead.
      nextUrl = outcome.kind === 'fatal' || lastWasSilent || attempt >= attempts;
    }
    if (options.signal?.aborted || fruitlessMs >= giveUpMs) break;
    if (nextUrl) {
      u++;
      attempt = 1;
      if (u >= urls.length) break;
    } else attempt++;
    const next = nextUrl ? `trying ${urls[u]}` : `trying again (${attempt} of ${attempts})`;
    emit({ status: 'retry', name, url, reason, next });
  }
  if (lastWasChecksum) {
    throw new StylecastError(
      'MODEL_CHECKSUM',
      `download of '${name}' failed: ${failure}`,
      'the partial download was deleted; check the mirror or report the changed upstream file',
    );
  }
  const gaveUp =
    fruitlessMs >= giveUpMs ? ` (gave up after ${formatDuration(fruitlessMs)} without data)` : '';
  throw new StylecastError(
    'MODEL_DOWNLOAD',
    `cannot download '${name}': ${failure ?? 'no URL'}${gaveUp}`,
    existsSync(part)
      ? `check the network and run \`${words.again}\` again: it resumes from ${part}`
      : lastWasSilent
        ? `check the network (a proxy or firewall may hold connections open without answering), or fetch from a mirror with ${words.mirror}`
        : `check the network or the URL (${words.mirror} sets a mirror)`,
  );
}

/** Which setting chose the models folder. */
function folderSetting(options: PullOptions): string {
  const env = options.env ?? process.env;
  return (options.modelsDir ?? env[ENV.models])
    ? `the models folder (--models-dir or ${ENV.models})`
    : `the cache folder (${ENV.cacheDir})`;
}

/** makeFolder names the folder and why; the hint says which setting chose it. */
function folderHint(error: unknown, setting: string): unknown {
  if (!isStylecastError(error)) return error;
  return new StylecastError(error.key, error.message, `${setting} must be a folder you can write to`, {
    cause: error,
  });
}
