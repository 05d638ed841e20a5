import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customEventFor } from '../../src/control/obs/custom-event.ts';
import { type RunningDaemon, startDaemon } from '../helpers/daemon-process.ts';
import { freePort, type ObsInstance, obsEnv, screenshotRgba, startObs, waitFor } from '../helpers/obs.ts';
import { MODELS_DIR, media, STYLES_DIR } from '../helpers/shared.ts';

// The style itself switched from a second obs-websocket client, with the real style engine (style-frame:
// the whole frame painted), on a real clip, shown in real OBS.
const SOURCE = 'stylecast feed';

const meanRgb = (shot: { data: Buffer }): number[] => {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < shot.data.length; p += 16) {
    sum[0] += shot.data[p];
    sum[1] += shot.data[p + 1];
    sum[2] += shot.data[p + 2];
    n++;
  }
  return sum.map((s) => s / n);
};

describe('style switch by CustomEvent in `stylecast run`', () => {
  let obs: ObsInstance;
  let daemon: RunningDaemon;
  let dir: string;
  const output = () => daemon.output();

  beforeAll(async () => {
    obs = await startObs();
    dir = mkdtempSync(join(tmpdir(), 'stylecast-obs-style-'));
    const config = join(dir, 'config.json');
    // A few plates per second is plenty here.
    writeFileSync(
      config,
      JSON.stringify({ obs: { streamPort: await freePort() }, style: { refreshFps: 3 } }),
    );
    daemon = await startDaemon({
      args: [
        ...['--input', media('video', 'person_indoor_576x576_4s.mp4'), '--loop', '--obs'],
        ...['--effect', 'style-frame', '--style', 'hokusai-great-wave'],
        ...['--width', '384', '--height', '384', '--stats-every', '0'],
      ],
      env: {
        STYLECAST_MODELS: MODELS_DIR,
        STYLECAST_STYLES: STYLES_DIR,
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

  // Bounded at 60 s: the first plate comes after the style models load.
  it('the painting changes in OBS after a style CustomEvent (times printed)', {
    timeout: 60_000,
  }, async () => {
    const shot = async () => screenshotRgba(await obs.client(), SOURCE);
    expect(output()).toContain('effect style-frame, style hokusai-great-wave'); // the start-up summary
    // Wait for the first painted frames (the engine needs a first stylization), then let them settle.
    const painted = await waitFor(
      async () => {
        const m = meanRgb(await shot());
        return m[0] + m[1] + m[2] > 60 ? m : undefined;
      },
      30_000,
      300,
    );
    expect(painted, `no painted frames in OBS; daemon said:\n${output()}`).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    const before = meanRgb(await shot());

    const t0 = performance.now();
    await (await obs.client()).call('BroadcastCustomEvent', {
      eventData: customEventFor({ command: 'style', name: 'munch-the-scream' }) as never,
    });
    // When the command took effect in the daemon (its API reports the current style).
    const applied = await waitFor(
      async () => {
        const status = await daemon.api<{ style?: { name?: string } }>('/api/v1/status');
        return status.style?.name === 'munch-the-scream' ? true : undefined;
      },
      5000,
      20,
    );
    const appliedMs = performance.now() - t0;
    expect(applied, `the daemon never switched style; it said:\n${output()}`).toBeDefined();
    const changed = await waitFor(
      async () => {
        const m = meanRgb(await shot());
        return Math.hypot(m[0] - before[0], m[1] - before[1], m[2] - before[2]) > 12 ? m : undefined;
      },
      20_000,
      50,
    );
    const visibleMs = performance.now() - t0;
    console.log(
      `style CustomEvent -> applied in the daemon ${Math.round(appliedMs)} ms -> new painting visible in OBS ${Math.round(visibleMs)} ms (the style engine's next plate on this CPU dominates)`,
    );
    expect(changed, `OBS never showed the new style; daemon said:\n${output()}`).toBeDefined();
    // 'applied' includes the style engine computing the new style's vector (setStyle resolves after it);
    // the OBS path alone (event -> bus -> frame in OBS) is held to 500 ms in custom-event.test.ts.
    // Measured 334-463 ms in full-suite runs here (the 500 ms). 'visible' waits for the
    // engine's next plate: 1.1 s here when this file runs alone (*.alone), 4.4 s once beside another
    // suite's heavy file, which is why it runs alone.
    expect(appliedMs).toBeLessThan(2000);
    expect(visibleMs).toBeLessThan(3000);
  });
});
