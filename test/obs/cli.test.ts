import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type ObsInstance, obsEnv, startObs } from '../helpers/obs.ts';
import { REPO } from '../helpers/shared.ts';

// `stylecast obs install|status|uninstall` as a user runs it, against a real OBS under Xvfb.
const run = promisify(execFile);

async function stylecast(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run('node', [join(REPO, 'bin/stylecast.js'), ...args], {
      env: { ...process.env, ...env, STYLECAST_CONFIG: '' },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('stylecast obs (CLI) against real OBS', () => {
  let obs: ObsInstance;
  let env: Record<string, string>;

  beforeAll(async () => {
    obs = await startObs();
    env = obsEnv(obs);
  });
  afterAll(async () => obs?.stop());

  it('install twice leaves exactly one stylecast source, fitted to the canvas', async () => {
    const first = await stylecast(['obs', 'install', '--scene', 'Live'], env);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^created: "stylecast feed" in scene "Live"/);
    const second = await stylecast(['obs', 'install', '--scene', 'Live'], env);
    expect(second.stdout).toMatch(/^already installed/);

    const client = await obs.client();
    const { sceneItems } = await client.call('GetSceneItemList', { sceneName: 'Live' });
    expect(sceneItems.filter((i) => i.sourceName === 'stylecast feed')).toHaveLength(1);
    const { inputs } = await client.call('GetInputList', { inputKind: 'ffmpeg_source' });
    expect(inputs.filter((i) => i.inputName === 'stylecast feed')).toHaveLength(1);
    const { inputSettings } = await client.call('GetInputSettings', { inputName: 'stylecast feed' });
    expect(inputSettings).toMatchObject({
      input: 'tcp://127.0.0.1:9079?listen',
      input_format: 'nut',
      is_local_file: false,
      buffering_mb: 0,
    });
    const { sceneItemTransform } = await client.call('GetSceneItemTransform', {
      sceneName: 'Live',
      sceneItemId: Number(sceneItems[0].sceneItemId),
    });
    expect(sceneItemTransform).toMatchObject({
      boundsType: 'OBS_BOUNDS_SCALE_INNER',
      boundsWidth: 640,
      boundsHeight: 360,
    });
  });

  it('install repairs a changed source: a second scene item is removed, settings restored', async () => {
    const client = await obs.client();
    await client.call('CreateSceneItem', { sceneName: 'Live', sourceName: 'stylecast feed' });
    await client.call('SetInputSettings', {
      inputName: 'stylecast feed',
      inputSettings: { buffering_mb: 4 },
    });
    const again = await stylecast(['obs', 'install', '--scene', 'Live', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ updatedSettings: true, removedDuplicates: 1 });
    const { sceneItems } = await client.call('GetSceneItemList', { sceneName: 'Live' });
    expect(sceneItems.filter((i) => i.sourceName === 'stylecast feed')).toHaveLength(1);
  });

  it('status reports the source; uninstall removes it and the empty scene', async () => {
    const status = await stylecast(['obs', 'status', '--scene', 'Live'], env);
    expect(status.stdout).toContain('OBS 29');
    expect(status.stdout).toMatch(
      /source "stylecast feed": present \(ffmpeg_source\), settings match, 1 in the scene/,
    );
    const gone = await stylecast(['obs', 'uninstall', '--scene', 'Live'], env);
    expect(gone.stdout).toBe('removed "stylecast feed" and the empty scene "Live"\n');
    const { scenes } = await (await obs.client()).call('GetSceneList');
    expect(scenes.map((s) => s.sceneName)).not.toContain('Live');
  });

  it('a source renamed in OBS is adopted by install (no second listener on the port) and named by status', async () => {
    const created = await stylecast(['obs', 'install', '--scene', 'Renamed'], env);
    expect(created.stdout).toMatch(/^created: "stylecast feed"/);
    const client = await obs.client();
    await client.call('SetInputName', { inputName: 'stylecast feed', newInputName: 'My painted cam' });

    const again = await stylecast(['obs', 'install', '--scene', 'Renamed'], env);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/^using "My painted cam": it listens on tcp port 9079/);
    expect(again.stdout.split('\n').filter((l) => l.startsWith('using'))).toHaveLength(1);
    const { inputs } = await client.call('GetInputList', { inputKind: 'ffmpeg_source' });
    expect(inputs.map((i) => i.inputName)).toEqual(['My painted cam']);

    const status = await stylecast(['obs', 'status', '--scene', 'Renamed'], env);
    expect(status.stdout).toMatch(
      /source "My painted cam" \(not "stylecast feed": it listens on tcp port 9079\): present \(ffmpeg_source\), settings match, 1 in the scene/,
    );
    expect(status.stdout).not.toContain('conflict');

    // A second source on the same port (e.g. left over from before the fix): status calls it a conflict.
    await client.call('CreateInput', {
      sceneName: 'Renamed',
      inputName: 'old copy',
      inputKind: 'ffmpeg_source',
      inputSettings: { input: 'tcp://127.0.0.1:9079?listen', is_local_file: false, input_format: 'nut' },
    });
    const json = JSON.parse((await stylecast(['obs', 'status', '--scene', 'Renamed', '--json'], env)).stdout);
    expect(json).toMatchObject({ inputName: 'My painted cam', portConflict: true });
    expect(json.portListeners.sort()).toEqual(['My painted cam', 'old copy']);
    const conflict = await stylecast(['obs', 'status', '--scene', 'Renamed'], env);
    expect(conflict.stdout).toMatch(/conflict: "My painted cam" and "old copy" all listen on tcp port 9079/);

    await client.call('RemoveInput', { inputName: 'old copy' });
    await client.call('RemoveInput', { inputName: 'My painted cam' });
    await client.call('RemoveScene', { sceneName: 'Renamed' });
  });

  it('a wrong password is one clear line and a non-zero exit, and the password is never printed', async () => {
    const secret = 'wrong-Pa55word-xyz';
    const r = await stylecast(['obs', 'status'], { ...env, OBS_WEBSOCKET_PASSWORD: secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: OBS at ws:\/\/127\.0\.0\.1:\d+ rejected the obs-websocket password\nhint: .+\n$/,
    );
    expect(r.stderr + r.stdout).not.toContain(secret);
    expect(r.stderr + r.stdout).not.toContain(obs.password);
  });

  it('OBS not running: one line saying so', async () => {
    // 127.0.0.2 is loopback on Linux but not "this machine's OBS", so the message cannot blame a local OBS.
    const port = await freePort();
    const r = await stylecast(['obs', 'status'], { ...env, OBS_WEBSOCKET_URL: `ws://127.0.0.2:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: OBS is not reachable at ws:\/\/127\.0\.0\.2:\d+ \(not running, or its WebSocket server is off\)\nhint: .+\n$/,
    );
  });
});

describe('obs.url pointing at something that is not OBS', () => {
  it("an HTTP server on that port (e.g. stylecast's own API port) is named as not OBS, with the port hint", async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await stylecast(['obs', 'status'], { OBS_WEBSOCKET_URL: `ws://127.0.0.2:${port}` });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: something at ws://127\\.0\\.0\\.2:${port} answered HTTP 404: it is not OBS's WebSocket server\\nhint: check the port in obs\\.url.+\\n$`,
        ),
      );
    } finally {
      server.close();
    }
  });
});

describe('OBS without obs-websocket', () => {
  it('says OBS runs but its WebSocket server does not answer', async () => {
    const obs = await startObs({ websocket: false });
    try {
      const r = await stylecast(['obs', 'install'], obsEnv(obs));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: OBS is running but its WebSocket server does not answer on port ${obs.port}\\nhint: .*Enable WebSocket server.*\\n$`,
        ),
      );
    } finally {
      await obs.stop();
    }
  });
});
