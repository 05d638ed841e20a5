import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_JSON_BYTES, WsEventSchema, WsReplySchema } from '../../src/control/api/schema.ts';
import { TOKEN_FILE } from '../../src/control/api/security.ts';
import { StatusSchema } from '../../src/control/api/target.ts';
import { type Harness, startHarness, TestClient } from './harness.ts';

let h: Harness;
let wsUrl: string;
beforeAll(async () => {
  h = await startHarness({ statsIntervalMs: 200 });
  wsUrl = `${h.base.replace('http', 'ws')}/api/v1/ws`;
});
afterAll(async () => {
  await h?.stop();
});

/** Resolves with the HTTP status a refused upgrade answered. */
function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => {});
  });
}

describe('WebSocket API', () => {
  it('greets with state and styles, then pushes stats every interval', async () => {
    const client = await TestClient.open(wsUrl);
    try {
      const hello = WsEventSchema.parse(await client.next((m) => m.event === 'hello'));
      if (hello.event !== 'hello') throw new Error('first message is not hello');
      expect(hello.data.status.name).toBe('stylecast');
      expect(hello.data.styles.length).toBeGreaterThanOrEqual(10);
      const stats = WsEventSchema.parse(await client.next((m) => m.event === 'stats'));
      if (stats.event !== 'stats') throw new Error('not stats');
      expect(stats.data.clients).toBe(1);
      expect(stats.data.frames).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });

  it('answers requests by id, with typed errors, and pushes state after a command', async () => {
    const client = await TestClient.open(wsUrl);
    try {
      const ok = WsReplySchema.parse(await client.request({ command: 'effect', name: 'none' }));
      expect(ok.ok).toBe(true);
      const state = WsEventSchema.parse(await client.next((m) => m.event === 'state'));
      expect(state.event === 'state' && state.data.effect.name).toBe('none');

      const status = await client.request({ query: 'status' });
      expect(StatusSchema.parse(status.result).state).toBe('running');

      const errors: [Record<string, unknown>, string][] = [
        [{ command: 'style', name: 'no-such-style' }, 'unknown_style'],
        [{ command: 'strength', value: -1 }, 'bad_request'],
        [{ command: 'strength' }, 'bad_request'],
        [{ command: 'nope' }, 'bad_request'],
        [{ query: 'everything' }, 'bad_request'],
      ];
      for (const [body, code] of errors) {
        const reply = WsReplySchema.parse(await client.request(body));
        expect(reply.ok === false && reply.error.code, JSON.stringify(body)).toBe(code);
      }
    } finally {
      client.close();
    }
  });

  it('malformed JSON, binary frames, oversized messages and bad ids get typed errors with id null', async () => {
    const client = await TestClient.open(wsUrl);
    try {
      const cases: [string | Buffer, string][] = [
        ['{"command": ', 'malformed_json'],
        [Buffer.from([1, 2, 3]), 'bad_request'],
        [
          JSON.stringify({ command: 'effect', name: 'none', background: 'x'.repeat(MAX_JSON_BYTES) }),
          'too_large',
        ],
        [JSON.stringify({ id: { nested: true }, command: 'effect', name: 'none' }), 'bad_request'],
        ['42', 'bad_request'],
      ];
      for (const [message, code] of cases) {
        const before = client.messages.length;
        client.ws.send(message, { binary: Buffer.isBuffer(message) });
        const reply = await client.next((m) => client.messages.indexOf(m) >= before && 'ok' in m);
        expect(reply).toMatchObject({ id: null, ok: false, error: { code } });
      }
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      client.close();
    }
  });

  it('refuses upgrades from foreign origins and rebinding hosts', async () => {
    expect(await refusedStatus(wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await refusedStatus(wsUrl, { host: 'evil.example' })).toBe(403);
    const own = await TestClient.open(wsUrl, { origin: h.base });
    own.close();
  });

  it('pushes the new style list after an upload', async () => {
    const client = await TestClient.open(wsUrl);
    try {
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#aa3300' } })
        .png()
        .toBuffer();
      const res = await fetch(`${h.base}/api/v1/styles?name=rust.png`, { method: 'POST', body: png });
      const { style } = (await res.json()) as { style: { name: string } };
      const event = await client.next((m) => m.event === 'styles');
      expect(JSON.stringify(event)).toContain(style.name);
    } finally {
      client.close();
    }
  });
});

describe('mounted routes (for other parts of the daemon)', () => {
  it('serve pages and WebSocket upgrades behind the same access checks', async () => {
    h.server.mount('/ext', (_req, res, url) => {
      res.end(`ext ${url.pathname}`);
    });
    const echo = new WebSocketServer({ noServer: true });
    h.server.mountUpgrade('/ext/ws', (req, socket, head) =>
      echo.handleUpgrade(req, socket, head, (ws) => ws.send('{"mounted":true}')),
    );
    expect(await (await fetch(`${h.base}/ext/page`)).text()).toBe('ext /ext/page');
    const ws = `${h.base.replace('http', 'ws')}/ext/ws`;
    expect(await refusedStatus(ws, { origin: 'https://evil.example' })).toBe(403);
    const client = await TestClient.open(ws);
    expect(await client.next((m) => m.mounted === true)).toEqual({ mounted: true });
    client.close();
    echo.close();
  });
});

describe('bound off-loopback', () => {
  it('generates a token once, stores it 0600 and requires it for HTTP and WebSocket', async () => {
    const h2 = await startHarness({ host: '0.0.0.0' });
    try {
      const generated = h2.server.generatedToken;
      expect(generated?.token.length).toBeGreaterThanOrEqual(32);
      const file = join(h2.uploadDir, TOKEN_FILE);
      expect(readFileSync(file, 'utf8').trim()).toBe(generated?.token);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(h2.server.url).toContain(`?token=${generated?.token}`);

      const noToken = await fetch(`${h2.base}/api/v1/status`);
      expect(noToken.status).toBe(401);
      expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      expect((await fetch(`${h2.base}/api/v1/style/next`)).status).toBe(401);
      expect((await fetch(`${h2.base}/api/v1/status?token=${generated?.token}`)).status).toBe(200);
      expect((await fetch(`${h2.base}/`)).status).toBe(200); // the page itself, which then needs ?token

      const ws = `${h2.base.replace('http', 'ws')}/api/v1/ws`;
      expect(await refusedStatus(ws)).toBe(401);
      expect(await refusedStatus(`${ws}?token=wrong`)).toBe(401);
      const client = await TestClient.open(`${ws}?token=${generated?.token}`);
      expect((await client.next((m) => m.event === 'hello')).data).toMatchObject({ auth: 'token' });
      client.close();
    } finally {
      await h2.stop();
    }
  });
});
