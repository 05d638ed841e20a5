import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROUTES } from '../../src/control/api/schema.ts';
import { presentedToken } from '../../src/control/api/security.ts';
import type { WsHub } from '../../src/control/api/ws.ts';
import { BrowserSink, FRAMES_PATH } from '../../src/output/browser-sink.ts';
import { type Harness, startHarness } from './harness.ts';

/** This machine's address on a network, if it has one: connections from it are not loopback. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/**
 * Clients that misbehave on purpose, against the real daemon and API server: each must cost the
 * daemon a bounded amount and get a clear answer, and the daemon keeps serving everyone else.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const internals = () => h.server as unknown as { http: Server; hub: WsHub };
const openConnections = () =>
  new Promise<number>((resolve, reject) =>
    internals().http.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(await check())) await sleep(25);
}

describe('misbehaving clients', () => {
  it('a request Node cannot parse is answered 400 and its socket freed, even if the peer never closes', async () => {
    const before = await openConnections();
    const url = new URL(h.base);
    // allowHalfOpen: this client never sends its own FIN, as a hostile one would not.
    const socket: Socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    await new Promise((r) => socket.once('connect', r));
    socket.write('NOT A REQUEST\r\n\r\n');
    await until(() => answer.includes('400'));
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await until(async () => (await openConnections()) === before);
    expect(await openConnections()).toBe(before);
    socket.destroy();
  });

  it('a WebSocket client that sends requests but never reads the replies is cut off', async () => {
    const url = `${h.base.replace('http', 'ws')}/api/v1/ws`;
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    await until(() => internals().hub.clientCount === 1);
    // Stop reading: the replies pile up on the daemon's side of the socket.
    (ws as unknown as { _socket: Socket })._socket.pause();
    const request = JSON.stringify({ query: 'styles' });
    for (let i = 0; i < 5000 && ws.readyState === WebSocket.OPEN; i++) ws.send(request);
    await until(() => internals().hub.clientCount === 0, 15_000);
    expect(internals().hub.clientCount).toBe(0);
    expect(internals().hub.cutOff).toBeGreaterThanOrEqual(1);
    ws.terminate();
    // Everyone else is still served.
    const status = await fetch(`${h.base}/api/v1/status`);
    expect(status.status).toBe(200);
  });

  it("a replace-background that is no colour or image is the asker's error, with a hint", async () => {
    const run = async (background: string) => {
      const res = await fetch(`${h.base}/api/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'effect', name: 'replace-background', background }),
      });
      return {
        status: res.status,
        body: (await res.json()) as { error: { code: string; message: string; hint?: string } },
      };
    };
    const folder = await run(h.uploadDir);
    expect(folder.status).toBe(415);
    expect(folder.body.error.message).toMatch(/folder, not an image file/);
    const colour = await run('#zzzzzz');
    expect(colour.status).toBe(400);
    expect(colour.body.error.hint).toMatch(/#rrggbb/);
    const missing = await run('/nonexistent/beach.jpg');
    expect(missing.status).toBe(400);
    expect(missing.body.error.hint).toMatch(/check the path/);
    expect((await run('')).status).toBe(400);
    expect(h.daemon.effectName).toBe('none'); // the running effect stays
  });
});

describe('connections from another host', () => {
  // Reported as skipped (not passed) on a machine with no network interface but loopback.
  it.skipIf(!lanAddress)(
    'one address cannot hold more than 64 connections; the rest are closed at once',
    async () => {
      const lan = await startHarness({ host: '0.0.0.0', token: 'a-test-token-0123456789' });
      const port = Number(new URL(lan.base).port);
      const sockets: Socket[] = [];
      try {
        const outcomes = await Promise.all(
          Array.from({ length: 70 }, () => {
            const socket = connect({ host: lanAddress, port });
            sockets.push(socket);
            return new Promise<'open' | 'closed'>((resolve) => {
              socket.on('error', () => {});
              socket.once('close', () => resolve('closed'));
              // Still open 500 ms after connecting: the server kept it.
              socket.once('connect', () =>
                setTimeout(() => resolve(socket.destroyed ? 'closed' : 'open'), 500),
              );
            });
          }),
        );
        expect(outcomes.filter((o) => o === 'open')).toHaveLength(64);
        // The panel on this machine is not counted against that host.
        const status = await fetch(`http://127.0.0.1:${port}/api/v1/status`, {
          headers: { authorization: 'Bearer a-test-token-0123456789' },
        });
        expect(status.status).toBe(200);
      } finally {
        for (const socket of sockets) socket.destroy();
        await lan.stop();
      }
    },
  );
});

describe('query strings and tokens', () => {
  it('reads a value as a number or boolean only where the field takes one', () => {
    const route = (id: string) => ROUTES.find((r) => r.id === id)!.query!;
    // Style files named 1984.jpg or true.png are styles `1984` and `true`.
    expect(route('style-set').parse({ name: '1984' })).toEqual({ name: '1984' });
    expect(route('style-set').parse({ name: 'true', morphMs: '200' })).toEqual({
      name: 'true',
      morphMs: 200,
    });
    expect(route('mask-set').parse({ threshold: '0.6', skipSimilarFrames: 'false' })).toEqual({
      threshold: 0.6,
      skipSimilarFrames: false,
    });
    expect(route('strength-up').safeParse({ step: 'abc' }).success).toBe(false);
  });

  it('takes the Bearer scheme in any case', () => {
    const url = new URL('http://x/api/v1/status');
    expect(presentedToken({ authorization: 'bearer abc123' }, url)).toBe('abc123');
    expect(presentedToken({ authorization: 'BEARER abc123' }, url)).toBe('abc123');
    expect(presentedToken({ authorization: 'Basic abc123' }, url)).toBeUndefined();
  });
});

describe('browser-source frames socket', () => {
  it('closes a client that sends anything sizeable, and bounds how many connect', async () => {
    const sink = new BrowserSink();
    await sink.start();
    const port = await sink.listen(0);
    const url = `ws://127.0.0.1:${port}${FRAMES_PATH}`;
    try {
      const loud = new WebSocket(url);
      await new Promise((r) => loud.once('open', r));
      const closed = new Promise<number>((r) => loud.once('close', (code) => r(code)));
      loud.send(Buffer.alloc(64 * 1024));
      expect(await closed).toBe(1009);

      const clients: WebSocket[] = [];
      let refused = 0;
      for (let i = 0; i < 40; i++) {
        const ws = new WebSocket(url);
        ws.on('error', () => {});
        const opened = await new Promise<boolean>((r) => {
          ws.once('open', () => r(true));
          ws.once('unexpected-response', () => r(false));
          ws.once('error', () => r(false));
        });
        if (opened) clients.push(ws);
        else refused++;
      }
      expect(clients.length).toBe(32);
      expect(refused).toBe(8);
      for (const ws of clients) ws.terminate();
    } finally {
      await sink.stop();
    }
  });
});
