import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * A real HTTP server on 127.0.0.1 serving a models folder, with Range support (as a CDN does) and
 * switches to misbehave: cut the connection after N bytes, send different bytes, or 404.
 */
export interface ModelServer {
  baseUrl: string;
  /** Every request: path and Range header. */
  requests: { path: string; range?: string }[];
  /** Cut the next `times` responses for `file` after `bytes` body bytes ('hang': stop sending, keep open). */
  cut(file: string, bytes: number, times?: number, mode?: 'close' | 'hang'): void;
  /** Serve these bytes instead of the file. */
  replace(file: string, body: Buffer): void;
  close(): Promise<void>;
}

export async function startModelServer(root: string): Promise<ModelServer> {
  const cuts = new Map<string, { bytes: number; times: number; mode: 'close' | 'hang' }>();
  const replaced = new Map<string, Buffer>();
  const requests: ModelServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    requests.push({ path, range: req.headers.range });
    const file = join(root, normalize(path));
    const body = replaced.get(path);
    let size: number;
    try {
      size = body ? body.length : statSync(file).size;
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    if (start >= size && match) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    const headers = { 'Content-Length': String(size - start), 'Accept-Ranges': 'bytes' };
    if (match) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${size - 1}/${size}` });
    else res.writeHead(200, headers);
    const cut = cuts.get(path);
    if (cut && cut.times > 0) {
      cut.times--;
      const chunk = body ? body.subarray(start, start + cut.bytes) : undefined;
      const stream = chunk ?? createReadStream(file, { start, end: start + cut.bytes - 1 });
      const stop = () => (cut.mode === 'close' ? setTimeout(() => res.destroy(), 20) : undefined);
      if (Buffer.isBuffer(stream)) res.write(stream, stop);
      else {
        stream.on('data', (c) => res.write(c));
        stream.on('end', stop);
      }
      return;
    }
    if (body) res.end(body.subarray(start));
    else createReadStream(file, { start }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    cut: (file, bytes, times = 1, mode = 'close') => cuts.set(file, { bytes, times, mode }),
    replace: (file, body) => replaced.set(file, body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP server that accepts connections and never answers (a black-holed proxy or a hung server), or,
 * with `headers`, sends an HTTP 200 head and then nothing: what a download sees when the network eats it.
 */
export async function startSilentServer(
  options: { headers?: boolean } = {},
): Promise<{ baseUrl: string; requests: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      requests++;
      if (options.headers) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 395434\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
