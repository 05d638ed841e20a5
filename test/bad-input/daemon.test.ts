import { symlinkSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type RunningDaemon,
  SMALL_TEST_INPUT,
  sleep,
  startDaemon,
  tempDir,
} from '../helpers/daemon-process.ts';
import { MODELS_DIR, STYLES_DIR } from '../helpers/shared.ts';
import { type Corpus, makeCorpus } from './corpus.ts';

/**
 * Bad input to a running `stylecast run` (a real child process): malformed HTTP requests and
 * WebSocket messages, foreign origins, raw garbage on the socket, a style folder full of bad files.
 * Every one gets a typed error (never a 5xx); afterwards the daemon still answers and frames flow.
 */

interface ErrorBody {
  ok: false;
  error: { code: string; message: string };
}

describe('bad input to a running daemon', () => {
  const dir = tempDir('stylecast-bad-daemon-');
  let corpus: Corpus;
  let daemon: RunningDaemon;
  const seen: number[] = [];

  beforeAll(async () => {
    corpus = makeCorpus(dir.path);
    // One real painting among the bad files, so the library is not empty.
    symlinkSync(join(STYLES_DIR, 'hokusai_great_wave.jpg'), join(corpus.badStyles, 'hokusai_great_wave.jpg'));
    daemon = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--effect', 'none', '--no-obs'],
      env: {
        STYLECAST_STYLES: corpus.badStyles,
        STYLECAST_MODELS: MODELS_DIR,
        XDG_CONFIG_HOME: join(dir.path, 'config'),
      },
    });
    await daemon.waitForFrames(5, 10_000);
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    dir.remove();
  });

  const request = async (path: string, init: RequestInit = {}, timeoutMs = 5000) => {
    const response = await fetch(`${daemon.base}${path}`, {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
    });
    seen.push(response.status);
    const text = await response.text();
    return { status: response.status, text };
  };
  /** fetch() always sends the real Host: node:http sends what we say (DNS rebinding looks like this). */
  const rawGet = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpGet(`${daemon.base}${path}`, { headers, timeout: 5000 }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          seen.push(res.statusCode ?? 0);
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on('error', reject);
    });
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    request('/api/v1/commands', {
      method: 'POST',
      body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
      headers: { 'content-type': 'application/json', ...headers },
    });

  const httpCases: [string, () => Promise<{ status: number; text: string }>, number, string][] = [
    ['malformed JSON', () => post('{"command": "style", '), 400, 'malformed_json'],
    ['JSON that is not an object', () => post('[1,2,3]'), 400, 'bad_request'],
    ['unknown command', () => post('{"command":"self-destruct"}'), 400, 'bad_request'],
    ['wrong value type', () => post('{"command":"strength","value":"max"}'), 400, 'bad_request'],
    ['value out of range', () => post('{"command":"strength","value":9}'), 400, 'bad_request'],
    ['unknown style', () => post('{"command":"style","name":"no-such-painting"}'), 404, ''],
    ['unknown effect', () => post('{"command":"effect","name":"sparkles"}'), 400, 'bad_request'],
    [
      'oversized body',
      () => post(JSON.stringify({ command: 'style', name: 'x'.repeat(64 * 1024) })),
      413,
      'too_large',
    ],
    ['NUL bytes and invalid UTF-8', () => post(Buffer.from([0x7b, 0, 0xff, 0xfe, 0x7d])), 400, ''],
    ['deeply nested JSON', () => post(`${'['.repeat(5000)}${']'.repeat(5000)}`), 400, ''],
    [
      'foreign Origin',
      () => post('{"command":"next-style"}', { origin: 'https://evil.example' }),
      403,
      'forbidden_origin',
    ],
    ['opaque Origin', () => post('{"command":"next-style"}', { origin: 'null' }), 403, 'forbidden_origin'],
    [
      'cross-site GET shortcut',
      () => request('/api/v1/style/next', { headers: { 'sec-fetch-site': 'cross-site' } }),
      403,
      'forbidden_origin',
    ],
    [
      'DNS-rebinding Host',
      () => rawGet('/api/v1/status', { host: 'attacker.example' }),
      403,
      'forbidden_origin',
    ],
    ['shortcut with a bad value', () => request('/api/v1/strength/set?value=lots'), 400, 'bad_request'],
    ['unknown route', () => request('/api/v1/../../etc/passwd'), 404, ''],
    [
      'thumbnail path traversal',
      () => request('/api/v1/styles/..%2F..%2F..%2Fetc%2Fpasswd/thumbnail'),
      404,
      '',
    ],
    ['wrong method', () => request('/api/v1/commands', { method: 'DELETE' }), 405, ''],
    [
      'upload that is not an image',
      () =>
        request('/api/v1/styles?name=evil', {
          method: 'POST',
          body: 'not an image',
          headers: { 'content-type': 'image/png' },
        }),
      415,
      'bad_image',
    ],
    [
      'upload with a traversal name',
      () =>
        request('/api/v1/styles?name=..%2F..%2Fevil', {
          method: 'POST',
          body: 'x',
          headers: { 'content-type': 'image/png' },
        }),
      415,
      '',
    ],
  ];

  for (const [what, send, status, code] of httpCases) {
    it(`HTTP: ${what} -> ${status}${code ? ` ${code}` : ''}`, async () => {
      const reply = await send();
      expect(reply.status, reply.text).toBe(status);
      if (reply.text.startsWith('{')) {
        const body = JSON.parse(reply.text) as ErrorBody;
        expect(body.ok).toBe(false);
        if (code) expect(body.error.code).toBe(code);
        expect(body.error.message.split('\n')).toHaveLength(1);
      }
    }, 15_000);
  }

  it('raw garbage, a half-sent request and an oversized header on the socket: answered or closed, nothing else', async () => {
    const port = Number(new URL(daemon.base).port);
    const raw = (bytes: Buffer | string, waitMs = 1500) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (c) => (text += c));
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
        socket.write(bytes);
        setTimeout(() => {
          socket.destroy();
          resolve(text);
        }, waitMs);
      });
    expect(await raw(Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0x00, 0x13, 0x37]))).toMatch(/^$|400/);
    expect(await raw('GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n', 500)).toBe('');
    expect(await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(
      /^$|431|400/,
    );
  }, 15_000);

  it('WebSocket: malformed, binary, oversized, unknown and random messages get typed errors; the socket stays usable', async () => {
    const ws = new WebSocket(`${daemon.base.replace('http', 'ws')}/api/v1/ws`);
    const replies: { id: unknown; ok: boolean; error?: { code: string } }[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if ('ok' in message) replies.push(message);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const messages: (string | Buffer)[] = [
      '{"id":1,"command":',
      Buffer.from([1, 2, 3]),
      JSON.stringify({ id: 3, command: 'style', name: 'y'.repeat(20_000) }),
      JSON.stringify({ id: 4, command: 'launch-missiles' }),
      JSON.stringify({ id: { nested: true }, command: 'next-style' }),
      JSON.stringify({ id: 6, query: 'secrets' }),
      'null',
      '"just a string"',
      JSON.stringify({ id: 9, command: 'mask', settings: { threshold: -1 } }),
      JSON.stringify({ id: 10, command: 'record', action: 'explode' }),
    ];
    // Plus random bytes-as-text: the fuzz test in test/control does thousands; here a hundred through the real process.
    for (let i = 0; i < 100; i++)
      messages.push(
        String.fromCharCode(...Array.from({ length: 1 + (i % 40) }, (_, k) => 32 + ((i * 31 + k * 17) % 95))),
      );
    for (const message of messages) ws.send(message, { binary: Buffer.isBuffer(message) });
    ws.send(JSON.stringify({ id: 'last', query: 'status' }));
    const deadline = Date.now() + 8000;
    while (!replies.some((r) => r.id === 'last') && Date.now() < deadline) await sleep(50);
    expect(replies.find((r) => r.id === 'last')?.ok).toBe(true);
    const errors = replies.filter((r) => !r.ok);
    expect(errors.length).toBeGreaterThanOrEqual(messages.length - 5);
    for (const error of errors) expect(typeof error.error?.code).toBe('string');
    ws.close();
  }, 20_000);

  it('a style folder full of bad files: choosing or previewing one is a typed 4xx error, good styles still work', async () => {
    const { styles } = await daemon.api<{ styles: { name: string }[] }>('/api/v1/styles');
    expect(styles.some((s) => s.name === 'hokusai-great-wave')).toBe(true);
    // The first style loads the style models (seconds on a busy machine): the good one goes first.
    const good = await request(
      '/api/v1/commands',
      {
        method: 'POST',
        body: JSON.stringify({ command: 'style', name: 'hokusai-great-wave' }),
        headers: { 'content-type': 'application/json' },
      },
      20_000,
    );
    expect(good.status, good.text).toBe(200);
    for (const bad of styles.filter((s) => s.name !== 'hokusai-great-wave')) {
      const chosen = await post(JSON.stringify({ command: 'style', name: bad.name }));
      expect(chosen.status, `${bad.name}: ${chosen.text}`).toBeGreaterThanOrEqual(400);
      expect(chosen.status, `${bad.name}: ${chosen.text}`).toBeLessThan(500);
      const thumb = await request(`/api/v1/styles/${encodeURIComponent(bad.name)}/thumbnail`);
      expect(thumb.status, `${bad.name} thumbnail: ${thumb.text}`).toBeLessThan(500);
    }
    // More bad files arrive while it runs: nothing breaks.
    writeFileSync(join(corpus.badStyles, 'arrived-later.png'), 'still not an image');
    writeFileSync(join(corpus.badStyles, 'arrived-later.webp'), Buffer.alloc(10));
    await sleep(1500);
    const after = await request('/api/v1/styles');
    expect(after.status).toBe(200);
  }, 30_000);

  it('after all of it: no 5xx was ever answered, the daemon still serves and frames still flow', async () => {
    expect(seen.filter((s) => s >= 500)).toEqual([]);
    const status = await daemon.api<{ state: string }>('/api/v1/status');
    expect(status.state).toBe('running');
    await daemon.waitForFrames(15, 5000);
    expect(daemon.output()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  }, 15_000);
});
