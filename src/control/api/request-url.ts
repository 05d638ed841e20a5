import type { IncomingMessage } from 'node:http';

/**
 * The request's URL with repeated slashes in its path collapsed. `new URL('//api/v1/status', base)`
 * reads `api` as a host (404 on `/v1/status`); a Stream Deck or Companion button whose base URL ends
 * in `/` sends exactly that, and means `/api/v1/status`.
 */
export function requestUrl(req: Pick<IncomingMessage, 'url'>): URL {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/')) return new URL(raw, 'http://localhost'); // absolute-form (a proxy's request)
  const query = raw.indexOf('?');
  const path = (query < 0 ? raw : raw.slice(0, query)).replace(/\/{2,}/g, '/');
  return new URL(path + (query < 0 ? '' : raw.slice(query)), 'http://localhost');
}
