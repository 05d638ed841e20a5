import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/log.ts';
import { plainResult, runCommand } from './dispatch.ts';
import { ApiError, toApiError } from './errors.ts';
import { requestUrl } from './request-url.ts';
import { MAX_JSON_BYTES, MAX_UPLOAD_BYTES, ROUTES, type RouteSpec } from './schema.ts';
import { checkAccess, checkOrigin, type Guard, type RateLimiter } from './security.ts';
import type { ControlTarget, Stats, StyleInfo } from './target.ts';
import { reencodeStyleImage } from './upload.ts';

/** A handler another part of the daemon mounts under a path prefix (e.g. the browser-source page). */
export type MountHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpContext {
  target: ControlTarget;
  guard: Guard;
  log: Logger;
  uploads: RateLimiter;
  mounts: Map<string, MountHandler>;
  stats(): Stats;
  styles(): StyleInfo[];
}

const PANEL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'panel');
const PANEL_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/panel.css': { file: 'panel.css', type: 'text/css; charset=utf-8' },
  '/panel.js': { file: 'panel.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The panel's files, read once: a few kilobytes, served from memory with an ETag. */
export function loadPanelAssets(dir = PANEL_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(PANEL_FILES)) {
    const body = readFileSync(join(dir, file));
    assets.set(path, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
  }
  return assets;
}

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (closeConnection) res.setHeader('connection', 'close');
  sendJson(res, error.status, { ok: false, error: error.body() });
}

const compiled = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/[.]/g, '\\.').replace(/:([a-z]+)/g, '(?<$1>[^/]+)')}$`),
}));

function matchRoute(method: string, pathname: string): { route: RouteSpec; params: Record<string, string> } {
  let pathMatched = false;
  for (const { route, pattern } of compiled) {
    const m = pattern.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if ((route.methods as readonly string[]).includes(method)) {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) {
        try {
          params[k] = decodeURIComponent(v);
        } catch {
          throw new ApiError('bad_request', `${k}: not valid percent-encoding`);
        }
      }
      return { route, params };
    }
  }
  if (pathMatched) throw new ApiError('method_not_allowed', `${method} is not allowed on ${pathname}`);
  throw new ApiError('not_found', `no route ${pathname}`, 'see docs/api.md');
}

/** Reads at most `limit` bytes; beyond that the rest is discarded and 'too_large' thrown. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new ApiError('too_large', `body of ${declared} bytes is over the ${limit} byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new ApiError('too_large', `body is over the ${limit} byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseQuery(route: RouteSpec, url: URL): Record<string, unknown> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (k !== 'token') raw[k] = v;
  if (!route.query) return raw;
  const parsed = route.query.safeParse(raw);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const issue = parsed.error.issues[0];
  throw new ApiError(
    'bad_request',
    `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
  );
}

function sendJpeg(res: ServerResponse, jpeg: Buffer | undefined, what: string): void {
  if (!jpeg) throw new ApiError('not_found', `no ${what}`);
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'image/jpeg', 'content-length': jpeg.length });
  res.end(jpeg);
}

async function handleRoute(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  route: RouteSpec,
  params: Record<string, string>,
): Promise<void> {
  const { target } = ctx;
  // Reads too: a foreign page has no business with any of the API (defence in depth beyond CORS).
  checkOrigin(req.headers);
  const query = parseQuery(route, url);
  const commandReply = async (input: unknown) => {
    const result = await runCommand(target, input, 'api');
    sendJson(res, 200, { ok: true, result: plainResult(result), status: target.status() });
  };
  if (route.toCommand) return commandReply(route.toCommand(query, target.status()));
  switch (route.id) {
    case 'status':
      return sendJson(res, 200, target.status());
    case 'stats':
      return sendJson(res, 200, ctx.stats());
    case 'styles':
      return sendJson(res, 200, { styles: ctx.styles() });
    case 'obs':
      return sendJson(res, 200, target.status().obs);
    case 'recording':
      return sendJson(res, 200, target.status().recording);
    case 'style-thumbnail':
      return sendJpeg(
        res,
        await target.styleThumbnail(params.name),
        `style named '${params.name.slice(0, 100)}'`,
      );
    case 'preview':
      return sendJpeg(res, await target.previewJpeg(query.width as number), 'frame yet');
    case 'command': {
      const text = (await readBody(req, MAX_JSON_BYTES)).toString('utf8');
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        throw new ApiError('malformed_json', 'the body is not valid JSON', 'send {"command": "...", ...}');
      }
      return commandReply(input);
    }
    case 'upload-style': {
      if (!ctx.uploads.take(req.socket.remoteAddress ?? '?')) {
        req.resume();
        throw new ApiError('rate_limited', 'too many uploads', 'wait a minute and try again');
      }
      const jpeg = await reencodeStyleImage(await readBody(req, MAX_UPLOAD_BYTES));
      const style = await target.addStyleImage(jpeg, String(query.name ?? 'upload'));
      return sendJson(res, 200, {
        ok: true,
        style: ctx.styles().find((s) => s.name === style.name) ?? style,
      });
    }
    default:
      throw new ApiError('not_found', `no handler for ${route.id}`);
  }
}

/** The request entry point: access checks, then panel files, mounts or API routes. Never throws. */
export function createRequestHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = loadPanelAssets();
  return (req, res) => {
    const url = requestUrl(req);
    const method = req.method ?? 'GET';
    const run = async () => {
      const asset = assets.get(url.pathname);
      if (asset && (method === 'GET' || method === 'HEAD')) {
        // The panel's static files carry no secrets; the page reads ?token= itself for API calls.
        checkAccess({ ...ctx.guard, token: undefined }, req.headers, new URL('http://localhost/'));
        return servePanel(req, res, asset);
      }
      checkAccess(ctx.guard, req.headers, url);
      for (const [prefix, handler] of ctx.mounts)
        if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) return handler(req, res, url);
      const { route, params } = matchRoute(method, url.pathname);
      await handleRoute(ctx, req, res, url, route, params);
    };
    run().catch((error: unknown) => {
      const apiError = toApiError(error);
      if (apiError.code === 'failed')
        ctx.log.warn({ err: apiError.message, path: url.pathname }, 'api request failed');
      sendError(res, apiError, apiError.code === 'too_large');
    });
  };
}

function servePanel(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const host = req.headers.host ?? '';
  const headers = {
    ...COMMON_HEADERS,
    'cache-control': 'no-cache',
    'content-type': asset.type,
    etag: asset.etag,
    'content-security-policy': `default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws://${host} wss://${host}; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    'x-frame-options': 'DENY',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
