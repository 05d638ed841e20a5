import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningDaemon, SMALL_TEST_INPUT, startDaemon, tempDir } from '../helpers/daemon-process.ts';
import { freePort } from '../helpers/obs.ts';

/**
 * The security review's claims, checked on a real `stylecast run` (docs/security.md):
 * secrets (OBS password, API token) never appear in any process's argv (`ps` for real) or in logs;
 * every listener binds where the review says; off loopback every request needs the token; a web page
 * from another origin can neither drive the daemon nor watch the camera through a WebSocket.
 */

const OBS_PASSWORD = 'obs-secret-Zq81xv';
const API_TOKEN = 'api-token-7hF3kLm29sQpW0aa';

/** Local listening TCP addresses of a process tree, from `ss -ltnp`. */
function listenersOf(pids: number[]): string[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => line.trim().split(/\s+/)[3]);
}

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('secrets and listeners of a running daemon', () => {
  const dir = tempDir('stylecast-sec-');
  let daemon: RunningDaemon;
  let browserPort = 0;

  beforeAll(async () => {
    browserPort = await freePort();
    const nobody = await freePort();
    daemon = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--effect', 'none', '--obs'],
      env: {
        OBS_WEBSOCKET_URL: `ws://127.0.0.1:${nobody}`,
        OBS_WEBSOCKET_PASSWORD: OBS_PASSWORD,
        XDG_CONFIG_HOME: join(dir.path, 'config'),
      },
    });
    await daemon.waitForFrames(5, 10_000);
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    dir.remove();
  });

  it('the OBS password is in no process argv (ps -eo args) and not in the output or the API', async () => {
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    expect(ps).not.toContain(OBS_PASSWORD);
    for (const kid of daemon.children()) expect(kid.argv.join(' ')).not.toContain(OBS_PASSWORD);
    expect(daemon.output()).not.toContain(OBS_PASSWORD);
    for (const path of ['/api/v1/status', '/api/v1/obs', '/api/v1/stats']) {
      const body = await (await fetch(`${daemon.base}${path}`)).text();
      expect(body).not.toContain(OBS_PASSWORD);
    }
    // The environment that holds it is readable by the same user and root only.
    const mode = execFileSync('stat', ['-c', '%a %U', `/proc/${daemon.pid}/environ`], {
      encoding: 'utf8',
    }).trim();
    expect(mode).toMatch(/^400 /);
  });

  it('by default every listening socket of the daemon and its children is on 127.0.0.1', () => {
    const pids = [daemon.pid, ...daemon.children().map((c) => c.pid)];
    const listeners = listenersOf(pids);
    expect(listeners.length).toBeGreaterThanOrEqual(1);
    for (const address of listeners) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listeners).toContain(new URL(daemon.base).host);
  });

  it('a foreign web page can open no WebSocket on the API (commands, frames)', async () => {
    const ws = daemon.base.replace('http', 'ws');
    for (const path of ['/api/v1/ws', '/obs/frames']) {
      expect(await wsStatus(`${ws}${path}`, { origin: 'https://evil.example' })).toBeGreaterThanOrEqual(400);
    }
    expect(await wsStatus(`${ws}/api/v1/ws`, { origin: daemon.base })).toBe(101);
  });

  it('the standalone browser-source output refuses a foreign origin too', async () => {
    {
      const out = await startDaemon({
        args: [...SMALL_TEST_INPUT, '--effect', 'none', '--no-obs', '--output', `browser:${browserPort}`],
        env: { XDG_CONFIG_HOME: join(dir.path, 'config3') },
      });
      try {
        const url = `ws://127.0.0.1:${browserPort}/obs/frames`;
        expect(await wsStatus(url, { origin: 'https://evil.example' })).toBeGreaterThanOrEqual(400);
        expect(await wsStatus(url, { origin: `http://127.0.0.1:${browserPort}` })).toBe(101);
      } finally {
        await out.stop();
      }
    }
  }, 40_000);
});

describe('API bound off loopback', () => {
  const dir = tempDir('stylecast-sec-lan-');
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const config = join(dir.path, 'config.json');
    writeFileSync(config, JSON.stringify({ api: { host: '0.0.0.0', token: API_TOKEN } }), { mode: 0o600 });
    daemon = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--effect', 'none', '--no-obs', '--config', config],
      env: { XDG_CONFIG_HOME: join(dir.path, 'config') },
    });
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    dir.remove();
  });

  it('every request needs the token; the token is never in argv or the output', async () => {
    const port = new URL(daemon.base.replace('0.0.0.0', '127.0.0.1')).port;
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/api/v1/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/status?token=wrong-token-wrong-token`)).status).toBe(401);
    expect(
      (await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status,
    ).toBe(200);
    expect(await wsStatus(`ws://127.0.0.1:${port}/api/v1/ws`)).toBe(401);
    expect(await wsStatus(`ws://127.0.0.1:${port}/api/v1/ws?token=${API_TOKEN}`)).toBe(101);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(API_TOKEN);
    expect(daemon.output()).not.toContain(API_TOKEN);
    const listeners = listenersOf([daemon.pid]);
    expect(listeners).toContain(`0.0.0.0:${port}`);
  });

  it('a generated token is stored with mode 0600', async () => {
    // No token configured: one is generated into the config dir and shown once.
    const config = join(dir.path, 'gen.json');
    writeFileSync(config, JSON.stringify({ api: { host: '0.0.0.0' } }));
    const home = join(dir.path, 'gen-config');
    const other = await startDaemon({
      args: [...SMALL_TEST_INPUT, '--effect', 'none', '--no-obs', '--config', config],
      env: { XDG_CONFIG_HOME: home },
    });
    try {
      await other.waitForOutput(/API token \(shown once/, 5000);
      const tokenFile = readdirSync(join(home, 'stylecast')).find((f) => /token/.test(f));
      expect(tokenFile).toBeDefined();
      const path = join(home, 'stylecast', tokenFile!);
      expect(execFileSync('stat', ['-c', '%a', path], { encoding: 'utf8' }).trim()).toBe('600');
      expect(readFileSync(path, 'utf8').trim().length).toBeGreaterThanOrEqual(24);
    } finally {
      await other.stop();
    }
  }, 30_000);
});
