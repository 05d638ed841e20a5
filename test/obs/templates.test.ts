import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { obsMediaSourceSettings } from '../../src/output/obs-sink.ts';
import { startObs } from '../helpers/obs.ts';
import { REPO } from '../helpers/shared.ts';

// The importable scene collections in obs-scene-templates/, loaded by a real OBS 29.
const TEMPLATES = join(REPO, 'obs-scene-templates');

describe('obs-scene-templates', () => {
  it('the media-source collection loads in OBS with the sink’s settings, fitted to the canvas', async () => {
    const obs = await startObs({
      sceneCollection: join(TEMPLATES, 'stylecast-media-source.json'),
      width: 1920,
      height: 1080,
    });
    try {
      const client = await obs.client();
      const { currentProgramSceneName } = await client.call('GetSceneList');
      expect(currentProgramSceneName).toBe('stylecast');
      const { inputSettings, inputKind } = await client.call('GetInputSettings', {
        inputName: 'stylecast feed',
      });
      expect(inputKind).toBe('ffmpeg_source');
      expect(inputSettings).toMatchObject(obsMediaSourceSettings(9079));
      const { sceneItems } = await client.call('GetSceneItemList', { sceneName: 'stylecast' });
      expect(sceneItems).toHaveLength(1);
      const { sceneItemTransform } = await client.call('GetSceneItemTransform', {
        sceneName: 'stylecast',
        sceneItemId: Number(sceneItems[0].sceneItemId),
      });
      expect(sceneItemTransform).toMatchObject({
        boundsType: 'OBS_BOUNDS_SCALE_INNER',
        boundsWidth: 1920,
        boundsHeight: 1080,
      });
    } finally {
      await obs.stop();
    }
  });

  it('the browser-source collection points at the page the browser sink serves', () => {
    const collection = JSON.parse(readFileSync(join(TEMPLATES, 'stylecast-browser-source.json'), 'utf8'));
    const page = collection.sources.find((s: { id: string }) => s.id === 'browser_source');
    expect(page.settings.url).toBe('http://127.0.0.1:8790/obs/browser-source');
    const scene = collection.sources.find((s: { id: string }) => s.id === 'scene');
    expect(scene.settings.items[0]).toMatchObject({ name: page.name, bounds_type: 2 });
  });
});
