import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonTarget } from '../../src/control/api/daemon-target.ts';
import { API_ERRORS } from '../../src/control/api/errors.ts';
import { OkCommandResponse, ROUTES } from '../../src/control/api/schema.ts';
import { StatsSchema, StatusSchema } from '../../src/control/api/target.ts';
import { COMMAND_NAMES, CommandBus } from '../../src/control/commands.ts';
import { ObsIntegration } from '../../src/control/obs/integration.ts';
import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${h.base}${path}`, { headers });
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${h.base}${path}`, { method: 'POST', body, headers });

/** Every error answer has the catalogue's status and shape. */
async function expectError(res: Response, code: keyof typeof API_ERRORS): Promise<string> {
  const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
  expect(body.ok).toBe(false);
  expect(body.error.code).toBe(code);
  expect(res.status).toBe(API_ERRORS[code].status);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

async function expectStillRunning(): Promise<void> {
  const before = StatusSchema.parse(await (await get('/api/v1/status')).json());
  expect(before.state).toBe('running');
  const frames = h.daemon.stats().framesOut;
  await new Promise((r) => setTimeout(r, 300));
  expect(h.daemon.stats().framesOut).toBeGreaterThan(frames);
}

describe('read endpoints answer per their schema', () => {
  it('status, stats, styles, obs, recording', async () => {
    const status = StatusSchema.parse(await (await get('/api/v1/status')).json());
    expect(status.name).toBe('stylecast');
    expect(status.input.source).toBe('test pattern');
    StatsSchema.parse(await (await get('/api/v1/stats')).json());
    const { styles } = (await (await get('/api/v1/styles')).json()) as {
      styles: { name: string; thumbnailUrl: string }[];
    };
    expect(styles.map((s) => s.name)).toContain('van-gogh-starry-night');
    const thumb = await get(styles[0].thumbnailUrl);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(160);
    expect(await (await get('/api/v1/obs')).json()).toEqual({ connection: 'disabled' });
    expect(await (await get('/api/v1/recording')).json()).toEqual({ active: false });
  });

  it("a base URL ending in '/' (doubled slashes in the path) reaches the same routes, query kept", async () => {
    const status = StatusSchema.parse(await (await get('//api/v1/status')).json());
    expect(status.name).toBe('stylecast');
    const res = await get('/api//v1/preview.jpg?width=160');
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(160);
    expect((await get('//api/v1/nope')).status).toBe(404);
  });

  it('preview is a downscaled JPEG of the latest frame', async () => {
    const res = await get('/api/v1/preview.jpg?width=160');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 90]);
    await expectError(await get('/api/v1/preview.jpg?width=5'), 'bad_request');
  });

  it('panel files are served with a strict CSP', async () => {
    const res = await get('/');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('stylecast');
    expect((await get('/panel.js')).status).toBe(200);
  });
});

describe('OBS bridge state', () => {
  it('follows the real OBS integration (here: OBS not running, so it keeps retrying)', async () => {
    const bus = new CommandBus();
    const obs = new ObsIntegration(
      {
        url: 'ws://127.0.0.1:9',
        scene: 's',
        sourceName: 'src',
        streamPort: 9079,
        sceneStyles: {},
        install: false,
      },
      bus,
      undefined,
      { backoff: { initialMs: 50, maxMs: 100 }, wrapRecord: false },
    );
    const target = new DaemonTarget({ daemon: h.daemon, obs: () => obs });
    try {
      await obs.start();
      await new Promise((r) => setTimeout(r, 300));
      const state = target.status().obs;
      expect(['connecting', 'disconnected']).toContain(state.connection);
      expect(state.url).toBe('ws://127.0.0.1:9');
      expect(state.detail).toBeTruthy();
      const off = new DaemonTarget({ daemon: h.daemon, obsEnabled: false });
      expect(off.status().obs).toEqual({ connection: 'disabled' });
      off.dispose();
    } finally {
      await obs.stop();
      target.dispose();
    }
  });
});

describe('every command over HTTP', () => {
  it('covers the whole command set', () => {
    const tested = ['style', 'next-style', 'previous-style', 'strength', 'morph', 'effect', 'mask', 'record'];
    expect([...COMMAND_NAMES].sort()).toEqual(tested.sort());
  });

  /** Runs a command: the daemon handles every one, and answers with the status after it. */
  async function run(command: Record<string, unknown>) {
    const res = await post('/api/v1/commands', JSON.stringify(command), {
      'content-type': 'application/json',
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return OkCommandResponse.parse(body);
  }

  it('style, next-style, previous-style, morph', async () => {
    const after = await run({ command: 'style', name: 'munch-the-scream', morphMs: 0 });
    expect(after.status.style.name).toBe('munch-the-scream');
    const next = await run({ command: 'next-style' });
    expect(next.status.style.name).not.toBe('munch-the-scream');
    const prev = await run({ command: 'previous-style' });
    expect(prev.status.style.name).toBe('munch-the-scream');
    const morph = await run({ command: 'morph', name: 'klee-abstract', durationMs: 0 });
    expect([morph.status.style.name, morph.status.style.morphingTo]).toContain('klee-abstract');
  });

  it('a style name typed as the painting is called (case, spaces, underscores, accents) finds the style', async () => {
    const set = OkCommandResponse.parse(
      await (await get('/api/v1/style/set?name=Munch%20The%20Scream')).json(),
    );
    expect(set.status.style.name).toBe('munch-the-scream');
    const morph = await run({ command: 'morph', name: 'KLEE_ABSTRACT', durationMs: 0 });
    expect(morph.status.style.name).toBe('klee-abstract');
    const accents = await run({ command: 'style', name: 'Hokusaï Great Wave' });
    expect(accents.status.style.name).toBe('hokusai-great-wave');
  });

  it('strength and mask', async () => {
    const s = await run({ command: 'strength', value: 0.4 });
    expect(s.status.style.strength).toBeCloseTo(0.4);
    const m = await run({ command: 'mask', settings: { feather: 0.25 } });
    expect(m.status.mask.feather).toBe(0.25);
    expect(m.status.mask.threshold).toBe(0.5); // the keys not named keep their values
    const shortcut = OkCommandResponse.parse(await (await get('/api/v1/mask/set?threshold=0.6')).json());
    expect(shortcut.status.mask).toMatchObject({ threshold: 0.6, feather: 0.25 });
  });

  it('effect and record (start, toggle, stop) through the GET shortcuts', async () => {
    const effect = OkCommandResponse.parse(await (await get('/api/v1/effect/set?name=none')).json());
    expect(effect.status.effect.name).toBe('none');
    const started = OkCommandResponse.parse(await (await get('/api/v1/record/start')).json());
    expect(started.status.recording.active).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const stopped = OkCommandResponse.parse(await (await get('/api/v1/record/toggle')).json());
    expect(stopped.status.recording.active).toBe(false);
    const file = String(started.status.recording.path);
    expect(existsSync(file) && statSync(file).size).toBeGreaterThan(0);
    OkCommandResponse.parse(await (await get('/api/v1/record/stop')).json());
  });

  it('every shortcut maps to a valid command', async () => {
    const status = StatusSchema.parse(await (await get('/api/v1/status')).json());
    for (const route of ROUTES.filter((r) => r.toCommand)) {
      const sample: Record<string, Record<string, unknown>> = {
        'style-set': { name: 'klee-abstract' },
        'style-morph': { name: 'klee-abstract' },
        'strength-set': { value: 0.5 },
        'effect-set': { name: 'none' },
      };
      const query = route.query ? route.query.parse(sample[route.id] ?? {}) : {};
      expect(() => CommandBus.parse(route.toCommand?.(query as never, status)), route.id).not.toThrow();
    }
  });
});

describe('every error is typed and the daemon keeps running', () => {
  it('unknown style, bad value, unknown field, unknown command', async () => {
    expect(await expectError(await get('/api/v1/style/set?name=no-such-style'), 'unknown_style')).toContain(
      'no-such-style',
    );
    await expectError(await post('/api/v1/commands', '{"command":"morph","name":"nope"}'), 'unknown_style');
    expect(await expectError(await get('/api/v1/strength/set?value=2'), 'bad_request')).toContain('value');
    await expectError(await get('/api/v1/strength/set?value=abc'), 'bad_request');
    await expectError(await get('/api/v1/effect/set?name=sparkles'), 'bad_request');
    await expectError(
      await post('/api/v1/commands', '{"command":"strength","value":0.5,"x":1}'),
      'bad_request',
    );
    await expectError(await post('/api/v1/commands', '{"command":"explode"}'), 'bad_request');
    await expectError(await post('/api/v1/commands', '[1,2]'), 'bad_request');
    await expectStillRunning();
  });

  it('malformed JSON, oversized body, wrong route and method', async () => {
    await expectError(await post('/api/v1/commands', '{"command": "strength", '), 'malformed_json');
    await expectError(
      await post(
        '/api/v1/commands',
        `{"command":"effect","name":"none","background":"${'x'.repeat(20_000)}"}`,
      ),
      'too_large',
    );
    await expectError(await get('/api/v1/nothing-here'), 'not_found');
    await expectError(await get('/api/v1/commands'), 'method_not_allowed');
    await expectError(await get('/api/v1/styles/no-such-style/thumbnail'), 'not_found');
    await expectError(await get('/api/v1/styles/%E0%A4%A/thumbnail'), 'bad_request');
    await expectStillRunning();
  });

  it('foreign Origin, cross-site navigation and DNS-rebinding Host are refused', async () => {
    const evil = { origin: 'https://evil.example' };
    await expectError(await get('/api/v1/style/next', evil), 'forbidden_origin');
    await expectError(await get('/api/v1/status', evil), 'forbidden_origin');
    await expectError(
      await post('/api/v1/commands', '{"command":"strength","value":0.1}', evil),
      'forbidden_origin',
    );
    await expectError(
      await get('/api/v1/record/toggle', { 'sec-fetch-site': 'cross-site' }),
      'forbidden_origin',
    );
    // fetch cannot set Host; node:http can (as a rebinding page's browser would send it).
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${h.base}/api/v1/status`, { headers: { host: 'evil.example:8790' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject).end();
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('forbidden_origin');
    await expectError(await post('/api/v1/commands', '{}', { origin: 'null' }), 'forbidden_origin');
    // Our own panel's origin is fine.
    const own = { origin: h.base, 'sec-fetch-site': 'same-origin' };
    expect((await get('/api/v1/effect/set?name=none', own)).status).toBe(200);
    await expectStillRunning();
  });

  it('a wrong token is refused even on loopback', async () => {
    const h2 = await startHarness({ token: 'correct-horse-battery-staple' });
    try {
      const res = await fetch(`${h2.base}/api/v1/status?token=wrong`);
      await expectError(res, 'unauthorized');
      await expectError(
        await fetch(`${h2.base}/api/v1/status`, { headers: { authorization: 'Bearer nope' } }),
        'unauthorized',
      );
      expect((await fetch(`${h2.base}/api/v1/status?token=correct-horse-battery-staple`)).status).toBe(200);
    } finally {
      await h2.stop();
    }
  });
});

describe('style uploads', () => {
  const png = () =>
    sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();

  it('stores a valid image re-encoded under a generated name, and it appears in the list', async () => {
    const res = await post('/api/v1/styles?name=../../etc/My%20Painting.png', await png(), {
      'content-type': 'image/png',
    });
    const body = (await res.json()) as { ok: boolean; style: { name: string; thumbnailUrl: string } };
    expect(res.status).toBe(200);
    expect(body.style.name).toMatch(/^my-painting-[0-9a-f]{8}$/);
    const files = readdirSync(h.styleDir).filter((f) => f.startsWith('my-painting-'));
    expect(files).toEqual([`${body.style.name}.jpg`]);
    expect((await sharp(readFileSync(join(h.styleDir, files[0]))).metadata()).format).toBe('jpeg');
    expect(readdirSync(h.uploadDir).some((f) => f.includes('painting'))).toBe(false);
    const { styles } = (await (await get('/api/v1/styles')).json()) as { styles: { name: string }[] };
    expect(styles.map((s) => s.name)).toContain(body.style.name);
    expect((await get(body.style.thumbnailUrl)).status).toBe(200);
  });

  it('refuses non-images, truncated images and floods', async () => {
    await expectError(await post('/api/v1/styles?name=x.png', 'GIF89a not really'), 'bad_image');
    const truncated = (await png()).subarray(0, 60);
    await expectError(await post('/api/v1/styles?name=x.png', truncated), 'bad_image');
    // 6 per minute with a burst of 3: one upload above and two here used the burst.
    await expectError(await post('/api/v1/styles?name=x.png', await png()), 'rate_limited');
    await expectStillRunning();
  });
});
