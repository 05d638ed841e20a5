import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { makeFolder } from '../../core/folders.ts';
import { ApiError } from './errors.ts';

/**
 * The rules that keep a random web page in the streamer's browser from driving the daemon:
 * - bound to loopback, requests must name a loopback Host (defeats DNS rebinding);
 * - bound anywhere else, every request needs the token;
 * - state-changing requests and WebSocket upgrades from a browser must come from our own origin.
 */

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(bare) || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** Host header -> hostname without port. */
export function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon > 0 ? hostHeader.slice(0, colon) : hostHeader;
}

export const TOKEN_FILE = 'api-token';

/**
 * The token for an off-loopback bind: the configured one, else the stored one, else a new one
 * written to the config dir (mode 0600). `created` tells the caller to show it once.
 */
export function resolveToken(options: { configured?: string; configDir: string }): {
  token: string;
  created: boolean;
  path?: string;
} {
  if (options.configured) return { token: options.configured, created: false };
  const path = join(options.configDir, TOKEN_FILE);
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim();
    if (stored.length >= 16) return { token: stored, created: false, path };
  }
  const token = randomBytes(24).toString('base64url');
  makeFolder(options.configDir);
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, created: true, path };
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface Guard {
  /** True when the server listens on a loopback address. */
  loopback: boolean;
  /** Required when not loopback; optional (but checked when sent) on loopback. */
  token?: string;
}

/** The token a request carries: `Authorization: Bearer …`, `X-Stylecast-Token` or `?token=`. */
export function presentedToken(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const auth = headers.authorization;
  // The scheme is case-insensitive (RFC 9110 11.1): `bearer …` is the same.
  const bearer = auth?.match(/^bearer\s+(.+)$/i);
  if (bearer) return bearer[1].trim();
  const header = headers['x-stylecast-token'];
  if (typeof header === 'string') return header;
  return url.searchParams.get('token') ?? undefined;
}

/** Checks Host and token for every request; throws ApiError. */
export function checkAccess(guard: Guard, headers: IncomingHttpHeaders, url: URL): void {
  const host = headers.host ?? '';
  if (guard.loopback && !isLoopbackHost(hostnameOf(host))) {
    throw new ApiError(
      'forbidden_origin',
      `Host '${host.slice(0, 100)}' is not a loopback name`,
      'open the panel at http://127.0.0.1:<port>/ or bind api.host to a LAN address with a token',
    );
  }
  const given = presentedToken(headers, url);
  if (guard.token === undefined) return;
  if (given === undefined) {
    if (!guard.loopback)
      throw new ApiError(
        'unauthorized',
        'this server needs a token',
        'add ?token=<token> or an Authorization header',
      );
    return;
  }
  if (!tokensEqual(given, guard.token))
    throw new ApiError('unauthorized', 'wrong token', 'the token is in the config dir file api-token');
}

/**
 * For requests that change state (and WebSocket upgrades): a browser must be on our own origin.
 * Non-browser clients (Stream Deck, Companion, curl) send neither Origin nor Sec-Fetch-Site.
 */
export function checkOrigin(headers: IncomingHttpHeaders): void {
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new ApiError('forbidden_origin', 'unreadable Origin header');
    }
    if (originHost !== headers.host)
      throw new ApiError(
        'forbidden_origin',
        `requests from ${origin.slice(0, 100)} may not control stylecast`,
        'use the control panel served by the daemon, or a client that is not a web page',
      );
    return;
  }
  if (origin === 'null')
    throw new ApiError('forbidden_origin', 'requests from an opaque origin may not control stylecast');
  // A top-level navigation or <img> from another site carries Sec-Fetch-Site but no Origin.
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    throw new ApiError(
      'forbidden_origin',
      `cross-site request (${site}) refused`,
      'type the URL or use the panel',
    );
}

/** A token bucket per key (client address): `burst` at once, refilled at `perMinute`. Bounded size. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly maxKeys = 1024,
  ) {}

  take(key: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
