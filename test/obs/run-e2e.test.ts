import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customEventFor } from '../../src/control/obs/custom-event.ts';
import { probeDuration, type RunningDaemon, startDaemon } from '../helpers/daemon-process.ts';
import { freePort, type ObsInstance, obsEnv, screenshotRgba, startObs, waitFor } from '../helpers/obs.ts';
import { MODELS_DIR, media } from '../helpers/shared.ts';

// `stylecast run --obs` as a streamer starts it, on a real clip, against real OBS under Xvfb.
const SOURCE = 'stylecast feed';
const CLIP = media('video', 'person_indoor_576x576_4s.mp4');

const durationOf = (file: string): number => probeDuration(file) ?? Number.NaN;

/** Fraction of pixels with alpha below 16 and above 240, and the luma spread (content, not a slate). */
function analyse(shot: { data: Buffer }) {
  let clear = 0;
  let opaque = 0;
  let min = 255;
  let max = 0;
  const n = shot.data.length / 4;
  for (let p = 0; p < shot.data.length; p += 4) {
    const a = shot.data[p + 3];
    if (a < 16) clear++;
    if (a > 240) {
      opaque++;
      const l = (shot.data[p] + shot.data[p + 1] + shot.data[p + 2]) / 3;
      min = Math.min(min, l);
      max = Math.max(max, l);
    }
  }
  return { clear: clear / n, opaque: opaque / n, spread: max - min };
}

describe('stylecast run --obs with real OBS', () => {
  let obs: ObsInstance;
  let daemon: RunningDaemon;
  let dir: string;
  let recording: string;
  const output = () => daemon.output();

  beforeAll(async () => {
    obs = await startObs();
    dir = mkdtempSync(join(tmpdir(), 'stylecast-run-obs-'));
    recording = '';
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ obs: { streamPort: await freePort(), scene: 'stylecast' }, record: { dir } }),
    );
    daemon = await startDaemon({
      args: [
        '--input',
        CLIP,
        '--loop',
        '--obs',
        '--effect',
        'none',
        '--width',
        '576',
        '--height',
        '576',
        '--stats-every',
        '0',
      ],
      env: {
        STYLECAST_MODELS: MODELS_DIR,
        STYLECAST_CONFIG: config,
        ...obsEnv(obs),
      },
    });
  });

  afterAll(async () => {
    await daemon?.stop(8000, 'SIGINT');
    await obs?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const shot = async () => screenshotRgba(await obs.client(), SOURCE);

  it('installs its source and OBS shows the clip', async () => {
    const seen = await waitFor(
      async () => {
        const s = await shot();
        const a = analyse(s);
        return s.width === 576 && a.opaque > 0.99 && a.spread > 60 ? s : undefined;
      },
      25_000,
      200,
    );
    expect(seen, `OBS never showed the clip; daemon said:\n${output()}`).toBeDefined();
    expect(output()).toContain('OBS: ws://127.0.0.1');
  });

  it('an effect switch sent as a CustomEvent from another client shows in OBS, alpha intact', async () => {
    const client = await obs.client();
    const t0 = performance.now();
    await client.call('BroadcastCustomEvent', {
      eventData: customEventFor({ command: 'effect', name: 'transparent-background' }) as never,
    });
    const seen = await waitFor(
      async () => {
        const a = analyse(await shot());
        return a.clear > 0.2 && a.opaque > 0.01 ? a : undefined;
      },
      15_000,
      50,
    );
    expect(seen, `no transparent background in OBS; daemon said:\n${output()}`).toBeDefined();
    console.log(
      `effect switch via CustomEvent -> alpha visible in OBS: ${Math.round(performance.now() - t0)} ms (includes loading the segmentation model); clear=${seen!.value.clear.toFixed(2)} opaque=${seen!.value.opaque.toFixed(2)}`,
    );
  });

  it('switching back is visible in OBS within the pipeline latency (printed; < 500 ms on a quiet machine)', async () => {
    const client = await obs.client();
    const t0 = performance.now();
    await client.call('BroadcastCustomEvent', {
      eventData: customEventFor({ command: 'effect', name: 'none' }) as never,
    });
    const seen = await waitFor(
      async () => (analyse(await shot()).opaque > 0.99 ? true : undefined),
      5000,
      20,
    );
    expect(seen, 'the switch never showed in OBS').toBeDefined();
    const ms = performance.now() - t0;
    // The OBS path alone is measured against 500 ms in custom-event.test.ts; here the frames still in the
    // segmentation pipeline (p50 ~0.8 s with seven agents on two cores) come first.
    console.log(`effect 'none' via CustomEvent -> visible in OBS: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(4000);
  });

  it('OBS killed and restarted mid-run: the daemon reconnects, reinstalls, frames again within 5 s', async () => {
    await obs.kill();
    await new Promise((r) => setTimeout(r, 1000));
    expect(daemon.proc.exitCode).toBeNull();
    await obs.relaunch();
    const back = await waitFor(
      async () => {
        const s = await shot();
        return analyse(s).spread > 60 ? s : undefined;
      },
      5000,
      100,
    );
    expect(back, `no frames within 5 s after OBS came back; daemon said:\n${output()}`).toBeDefined();
    console.log(`frames back ${Math.round(back!.ms)} ms after OBS answered again`);
    // Frames come back over the media source's own connection; commands need the obs-websocket bridge,
    // which reconnects on its own schedule (it listens for CustomEvents before it logs this line).
    const bridgeBack = await waitFor(
      async () => (output().split('connected to OBS').length > 2 ? true : undefined),
      10_000,
      100,
    );
    expect(bridgeBack, `the OBS bridge did not reconnect; daemon said:\n${output()}`).toBeDefined();
    const { sceneItems } = await (await obs.client()).call('GetSceneItemList', { sceneName: 'stylecast' });
    expect(sceneItems.filter((i) => i.sourceName === SOURCE)).toHaveLength(1);
  });

  it('record start/stop (target both) through CustomEvents: OBS and the daemon each write a playable file', async () => {
    const client = await obs.client();
    await client.call('BroadcastCustomEvent', {
      eventData: customEventFor({ command: 'record', action: 'start', target: 'both' }) as never,
    });
    await new Promise((r) => setTimeout(r, 3000));
    await client.call('BroadcastCustomEvent', {
      eventData: customEventFor({ command: 'record', action: 'stop', target: 'both' }) as never,
    });
    const obsFile = await waitFor(async () => {
      const status = await client.call('GetRecordStatus');
      const files = readdirSync(obs.recordDir).filter((f) => f.endsWith('.mkv'));
      return !status.outputActive && files.length === 1 ? join(obs.recordDir, files[0]) : undefined;
    }, 5000);
    expect(obsFile, `OBS wrote no recording; daemon said:\n${output()}`).toBeDefined();
    const obsSeconds = durationOf(obsFile!.value);
    console.log(`OBS recording: ${obsSeconds.toFixed(2)} s for 3 s between the CustomEvents`);
    expect(obsSeconds).toBeGreaterThan(2.7);
    expect(obsSeconds).toBeLessThan(3.3);
    const done = await waitFor(async () => {
      const files = readdirSync(dir).filter((f) => /^stylecast-.*\.mkv$/.test(f));
      return files.length === 1 ? join(dir, files[0]) : undefined;
    }, 5000);
    expect(done, `no recording; daemon said:\n${output()}`).toBeDefined();
    recording = done!.value;
    await new Promise((r) => setTimeout(r, 500));
    const seconds = durationOf(recording);
    // The daemon's recorder (src/output/recorder.ts) is timed by frames it received; printed, checked loosely.
    console.log(`daemon recording: ${seconds.toFixed(2)} s for 3 s between the CustomEvents`);
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(3.6);
  });

  it('record stop (target obs) while OBS is not recording: the API says so plainly, with a fitting hint', async () => {
    expect((await (await obs.client()).call('GetRecordStatus')).outputActive).toBe(false);
    const response = await fetch(`${daemon.base}/api/v1/record/stop?target=obs`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { ok: boolean; error?: { message: string; hint?: string } };
    expect(body.ok).toBe(false);
    // obs-websocket answers code 501 (OutputNotRunning) with no comment of its own.
    expect(body.error?.message).toMatch(/OBS refused StopRecord \(code 501\): OBS is not recording/);
    expect(body.error?.message).not.toContain('no reason given');
    expect(body.error?.hint).toBe('nothing to stop');
    expect(daemon.proc.exitCode).toBeNull();
  });
});
