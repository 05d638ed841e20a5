import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDuration, type RunningDaemon, startDaemon } from '../helpers/daemon-process.ts';
import {
  freePort,
  type ObsInstance,
  obsEnv,
  pixelAt,
  screenshotRgba,
  startObs,
  waitFor,
} from '../helpers/obs.ts';

// `stylecast run` when OBS is missing, misconfigured or late: it says so in one line and keeps running.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stylecast-obs-resilience-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `stylecast run` on the test pattern with this config file; not waited for (some runs end by themselves). */
async function startRun(args: string[], env: Record<string, string>, config: object): Promise<RunningDaemon> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return startDaemon({
    args: [
      '--input',
      'test',
      '--effect',
      'none',
      '--width',
      '320',
      '--height',
      '240',
      '--stats-every',
      '0',
      ...args,
    ],
    env: { STYLECAST_CONFIG: file, ...env },
    waitReady: false,
  });
}

const durationOf = (file: string): number => probeDuration(file) ?? Number.NaN;

describe('stylecast run keeps running when OBS is not usable', () => {
  let obs: ObsInstance;
  beforeAll(async () => {
    obs = await startObs();
  });
  afterAll(async () => obs?.stop());

  it('wrong password: one warning line, the recording output still works', async () => {
    const out = join(dir, 'wrong-password.mkv');
    const secret = 'not-the-Password-123';
    const run = await startRun(
      ['--obs', '--output', `file:${out}`, '--duration', '4'],
      obsEnv({ url: obs.url, password: secret }),
      { obs: { streamPort: await freePort() } },
    );
    const { code } = await run.exited;
    const text = run.output();
    expect(code, text).toBe(0);
    const lines = text.split('\n').filter((l) => l.includes('rejected the obs-websocket password'));
    expect(lines, text).toHaveLength(1); // logged once, not once per retry
    expect(lines[0]).toMatch(
      /^warn +OBS at ws:\/\/127\.0\.0\.1:\d+ rejected the obs-websocket password \(hint: .+\)/,
    );
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    expect(durationOf(out)).toBeGreaterThan(2.5);
  });

  it('OBS not running: one warning line, the recording output still works', async () => {
    const out = join(dir, 'no-obs.mkv');
    const run = await startRun(
      ['--obs', '--output', `file:${out}`, '--duration', '3'],
      { OBS_WEBSOCKET_URL: `ws://127.0.0.2:${await freePort()}`, OBS_WEBSOCKET_PASSWORD: 'x' },
      { obs: { streamPort: await freePort() } },
    );
    const { code } = await run.exited;
    const text = run.output();
    expect(code, text).toBe(0);
    expect(text.split('\n').filter((l) => l.includes('OBS is not reachable'))).toHaveLength(1);
    expect(existsSync(out)).toBe(true);
    expect(durationOf(out)).toBeGreaterThan(1.5);
  });
});

describe('daemon started before OBS', () => {
  it('keeps trying, installs its source and streams once OBS comes up', async () => {
    const obs = await startObs();
    await obs.kill();
    const run = await startRun(['--obs'], obsEnv(obs), { obs: { streamPort: await freePort() } });
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(run.proc.exitCode, run.output()).toBeNull();
      await obs.relaunch();
      const seen = await waitFor(
        async () => {
          const s = await screenshotRgba(await obs.client(), 'stylecast feed');
          // The test pattern (lavfi testsrc2) is colourful: not a blank or transparent slate.
          const px = [pixelAt(s, 40, 40), pixelAt(s, 160, 120), pixelAt(s, 280, 200)];
          return s.width === 320 && px.every((p) => p[3] === 255) && new Set(px.map(String)).size > 1
            ? s
            : undefined;
        },
        8000,
        100,
      );
      expect(seen, run.output()).toBeDefined();
      console.log(`daemon first, OBS second: frames ${Math.round(seen!.ms)} ms after OBS answered`);
    } finally {
      await run.stop(8000, 'SIGINT');
      await obs.stop();
    }
  });
});

describe('OBS sink while OBS is down', () => {
  const configFile = async (config: object): Promise<string> => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const reconnectsOf = async (run: RunningDaemon): Promise<number> => {
    const sink = (await run.stats()).sinks.find((s) => s.name === 'obs');
    return Number(sink?.detail?.match(/reconnects=(\d+)/)?.[1] ?? Number.NaN);
  };

  it('retries its ffmpeg rarely while OBS is unreachable, and streams soon after OBS answers again', async () => {
    const obs = await startObs();
    await obs.kill();
    const run = await startDaemon({
      args: ['--input', 'test', '--effect', 'none', '--width', '320', '--height', '240', '--obs'],
      env: { ...obsEnv(obs), STYLECAST_CONFIG: await configFile({ obs: { streamPort: await freePort() } }) },
    });
    try {
      // Each retry spawns an ffmpeg: once a second (the old ceiling) cost the pipeline frames. The
      // wait the sink chose is read from its stats (counting spawns in a window drifted with the
      // machine's load: slow spawns pushed the early, fast retries into it).
      const nextTry = async () => {
        const sink = (await run.stats()).sinks.find((s) => s.name === 'obs');
        return Number(sink?.detail?.match(/next try in ([\d.]+) s/)?.[1] ?? 0);
      };
      await expect.poll(nextTry, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(4);
      const tries = await reconnectsOf(run);
      console.log(
        `OBS down: ${tries} ffmpeg spawns before the sink waited ${await nextTry()} s between tries`,
      );
      expect(tries).toBeGreaterThanOrEqual(1);
      expect(tries).toBeLessThanOrEqual(8);

      // The sink now waits up to 15 s between tries; the bridge's reconnect must cut that short.
      await obs.relaunch();
      const answered = performance.now();
      await run.waitForOutput(/connected to OBS/, 8000);
      const connectedAfter = performance.now() - answered;
      // Measured from the bridge's connect: the sink must not sit out its offline backoff.
      const seen = await waitFor(
        async () => {
          const s = await screenshotRgba(await obs.client(), 'stylecast feed');
          return s.width === 320 && pixelAt(s, 160, 120)[3] === 255 ? s : undefined;
        },
        6000,
        100,
      );
      expect(seen, run.output()).toBeDefined();
      console.log(
        `OBS back: bridge connected after ${Math.round(connectedAfter)} ms, picture ${Math.round(seen!.ms)} ms after that`,
      );
      expect(seen!.ms, run.output()).toBeLessThan(3000);
    } finally {
      await run.stop(8000, 'SIGINT');
      await obs.stop();
    }
  });
});
