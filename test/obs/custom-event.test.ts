import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandBus } from '../../src/control/commands.ts';
import { customEventFor } from '../../src/control/obs/custom-event.ts';
import type { ObsIntegration } from '../../src/control/obs/integration.ts';
import { ObsSink } from '../../src/output/obs-sink.ts';
import {
  freePort,
  type ObsInstance,
  pixelAt,
  screenshotRgba,
  stampedFrame,
  startObs,
  startObsIntegration,
  waitFor,
} from '../helpers/obs.ts';

// A second obs-websocket client (the test's own, like Companion or a Stream Deck plugin) broadcasts
// CustomEvents; the daemon side (ObsIntegration) turns them into commands on the bus.
// The bus handlers here stand in for the pipeline: 'style' and 'effect' change the frame colour.
const SOURCE = 'stylecast feed';
const STYLE_COLOURS: Record<string, [number, number, number, number]> = {
  'van-gogh-starry-night': [0, 0, 255, 255],
  'the-scream': [255, 128, 0, 255],
};

describe('commands from OBS CustomEvents', () => {
  let obs: ObsInstance;
  let sink: ObsSink;
  let integration: ObsIntegration;
  let pump: NodeJS.Timeout;
  let colour: [number, number, number, number] = [255, 255, 255, 255];
  const daemonRecorderCalls: string[] = [];
  const bus = new CommandBus();

  beforeAll(async () => {
    obs = await startObs();
    const port = await freePort();
    bus.handle('style', (c) => {
      colour = STYLE_COLOURS[c.name] ?? colour;
    });
    bus.handle('effect', (c) => {
      if (c.name === 'none') colour = [128, 128, 128, 255];
    });
    // The daemon's own recorder, registered before the OBS side wraps it.
    bus.handle('record', (c) => {
      daemonRecorderCalls.push(c.action);
    });
    integration = await startObsIntegration(obs, {
      sourceName: SOURCE,
      streamPort: port,
      bus,
      sceneStyles: { 'Scream scene': 'the-scream' },
    });
    sink = new ObsSink({ port });
    await sink.start();
    let seq = 0;
    pump = setInterval(() => sink.write(stampedFrame(320, 180, colour, seq++)), 33);
    const first = await waitFor(async () => {
      const s = await screenshotRgba(await obs.client(), SOURCE);
      return pixelAt(s, 200, 100)[0] > 240 ? s : undefined;
    }, 10_000);
    expect(first, 'frames never reached OBS').toBeDefined();
  });

  afterAll(async () => {
    clearInterval(pump);
    await sink?.stop();
    await integration?.stop();
    await obs?.stop();
  });

  const centre = async () => pixelAt(await screenshotRgba(await obs.client(), SOURCE), 200, 100);
  const broadcast = async (eventData: Record<string, unknown>) =>
    (await obs.client()).call('BroadcastCustomEvent', { eventData: eventData as never });

  it('switches the style within 500 ms of the CustomEvent', async () => {
    const t0 = performance.now();
    await broadcast(customEventFor({ command: 'style', name: 'van-gogh-starry-night' }));
    const changed = await waitFor(
      async () => {
        const px = await centre();
        return px[0] < 15 && px[2] > 240 ? true : undefined;
      },
      1500,
      20,
    );
    expect(changed, 'the screenshot never changed').toBeDefined();
    const ms = performance.now() - t0;
    console.log(`CustomEvent -> visible in OBS: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(500);
    expect(integration.stats().lastCommand).toBe('style');
  });

  it('ignores foreign and malformed events: nothing changes, nothing crashes', async () => {
    const before = integration.stats().customEvents;
    await broadcast({ foo: 'bar' });
    await broadcast({ stylecast: 'style van-gogh' });
    await broadcast({ stylecast: { v: 2, command: 'style', name: 'the-scream' } });
    await broadcast({ stylecast: { v: 1, command: 'style' } });
    await broadcast({ stylecast: { v: 1, command: 'explode' } });
    await broadcast({ stylecast: { v: 1, command: 'strength', value: 7 } });
    await new Promise((r) => setTimeout(r, 600));
    const after = integration.stats().customEvents;
    expect(after.foreign - before.foreign).toBe(1);
    expect(after.invalid - before.invalid).toBe(5);
    expect(after.accepted).toBe(before.accepted);
    expect((await centre()).slice(0, 3)).toEqual([0, 0, 255]);
    expect(integration.stats().bridge.state).toBe('connected');
  });

  it('a command whose handler is missing or fails is counted, not fatal', async () => {
    const before = integration.stats().customEvents.failed;
    await broadcast(customEventFor({ command: 'morph', name: 'the-scream' })); // no 'morph' handler here
    await new Promise((r) => setTimeout(r, 300));
    expect(integration.stats().customEvents.failed).toBe(before + 1);
    await broadcast(customEventFor({ command: 'effect', name: 'none' }));
    expect(await waitFor(async () => ((await centre())[0] === 128 ? true : undefined), 1500)).toBeDefined();
  });

  it('switching the OBS program scene switches to the mapped style', async () => {
    const client = await obs.client();
    await client.call('CreateScene', { sceneName: 'Scream scene' });
    await client.call('SetCurrentProgramScene', { sceneName: 'Scream scene' });
    const hit = await waitFor(async () => {
      const px = await centre();
      return px[0] > 240 && Math.abs(px[1] - 128) < 8 ? px : undefined;
    }, 2000);
    expect(hit, 'scene change did not switch the style').toBeDefined();
  });

  it('record start/stop through CustomEvents records a playable file of the right length in OBS', async () => {
    await broadcast(customEventFor({ command: 'record', action: 'start', target: 'both' }));
    const started = await waitFor(async () => {
      const status = await (await obs.client()).call('GetRecordStatus');
      return status.outputActive ? true : undefined;
    }, 3000);
    expect(started, 'OBS did not start recording').toBeDefined();
    await new Promise((r) => setTimeout(r, 3000));
    await broadcast(customEventFor({ command: 'record', action: 'stop', target: 'both' }));
    const file = await waitFor(async () => {
      const status = await (await obs.client()).call('GetRecordStatus');
      const files = readdirSync(obs.recordDir).filter((f) => f.endsWith('.mkv'));
      return !status.outputActive && files.length === 1 ? join(obs.recordDir, files[0]) : undefined;
    }, 5000);
    expect(file, 'no recording appeared').toBeDefined();
    const seconds = Number(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file!.value],
        {
          encoding: 'utf8',
        },
      ).trim(),
    );
    console.log(`OBS recording: ${seconds.toFixed(2)} s for 3 s between the two CustomEvents`);
    expect(seconds).toBeGreaterThan(2.7);
    expect(seconds).toBeLessThan(3.3);
    // target 'both' also reached the daemon's own recorder, which the OBS side wraps.
    expect(daemonRecorderCalls).toEqual(['start', 'stop']);
  });
});
