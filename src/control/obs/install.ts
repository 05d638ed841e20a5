import { StylecastError } from '../../core/errors.ts';
import { obsMediaSourceSettings } from '../../output/obs-sink.ts';
import type { ObsBridge } from './bridge.ts';

/**
 * Installs stylecast's Media Source into OBS, idempotently: running it twice leaves exactly one
 * stylecast input with one scene item in the scene, with the right settings, fitted to the canvas.
 */
export interface InstallOptions {
  scene: string;
  sourceName: string;
  streamPort: number;
  host?: string;
  /** Make the scene the program scene (so the source is live at once). */
  activate?: boolean;
}

export interface InstallReport {
  scene: string;
  sourceName: string;
  createdScene: boolean;
  createdInput: boolean;
  updatedSettings: boolean;
  removedDuplicates: number;
  sceneItemId: number;
  canvas: { width: number; height: number };
}

export interface ObsStatus {
  obsVersion?: string;
  websocketVersion?: string;
  sceneExists: boolean;
  inputExists: boolean;
  inputKind?: string;
  settingsMatch: boolean;
  sceneItems: number;
  programScene: string;
  recording: boolean;
}

type Call = ObsBridge['call'];

const INPUT_KIND = 'ffmpeg_source';

/** Settings differ where ours name a key the input does not have the same value for. */
export function settingsDiffer(wanted: Record<string, unknown>, actual: Record<string, unknown>): boolean {
  return Object.entries(wanted).some(([k, v]) => actual[k] !== v);
}

/** Bounds that scale the source to fill the canvas keeping its aspect (letterboxed), from the top-left. */
export function canvasFitTransform(width: number, height: number): Record<string, unknown> {
  return {
    positionX: 0,
    positionY: 0,
    rotation: 0,
    alignment: 5, // OBS_ALIGN_TOP | OBS_ALIGN_LEFT
    boundsType: 'OBS_BOUNDS_SCALE_INNER',
    boundsAlignment: 0, // centred inside the bounds
    boundsWidth: width,
    boundsHeight: height,
    cropLeft: 0,
    cropRight: 0,
    cropTop: 0,
    cropBottom: 0,
  };
}

async function sceneItemsOf(call: Call, sceneName: string, sourceName: string) {
  const { sceneItems } = await call('GetSceneItemList', { sceneName });
  return sceneItems.filter((item) => item.sourceName === sourceName).map((item) => Number(item.sceneItemId));
}

export async function installObsSource(bridge: ObsBridge, options: InstallOptions): Promise<InstallReport> {
  const call: Call = bridge.call.bind(bridge);
  const { scene, sourceName } = options;
  const wanted = obsMediaSourceSettings(options.streamPort, options.host);

  const { scenes } = await call('GetSceneList');
  if (scenes.some((s) => s.sceneName === sourceName)) {
    throw new StylecastError(
      'BAD_CONFIG',
      `OBS has a scene named "${sourceName}", the name stylecast's source needs`,
      'scenes and sources share one namespace in OBS: pick different obs.scene and obs.sourceName',
    );
  }
  const createdScene = !scenes.some((s) => s.sceneName === scene);
  if (createdScene) await call('CreateScene', { sceneName: scene });

  const { inputs } = await call('GetInputList');
  const existing = inputs.find((i) => i.inputName === sourceName);
  if (existing && existing.inputKind !== INPUT_KIND) {
    // A user's own source has our name: never replace it.
    throw new StylecastError(
      'OBS_REQUEST',
      `OBS already has a ${String(existing.inputKind)} named "${sourceName}"`,
      'rename it in OBS, or choose another name with obs.sourceName',
    );
  }
  let createdInput = false;
  let updatedSettings = false;
  let ids: number[];
  if (!existing) {
    await call('CreateInput', {
      sceneName: scene,
      inputName: sourceName,
      inputKind: INPUT_KIND,
      inputSettings: wanted as never,
      sceneItemEnabled: true,
    });
    createdInput = true;
    ids = await sceneItemsOf(call, scene, sourceName);
  } else {
    const { inputSettings } = await call('GetInputSettings', { inputName: sourceName });
    if (settingsDiffer(wanted, inputSettings as Record<string, unknown>)) {
      await call('SetInputSettings', {
        inputName: sourceName,
        inputSettings: wanted as never,
        overlay: true,
      });
      updatedSettings = true;
    }
    ids = await sceneItemsOf(call, scene, sourceName);
    if (ids.length === 0) {
      const { sceneItemId } = await call('CreateSceneItem', {
        sceneName: scene,
        sourceName,
        sceneItemEnabled: true,
      });
      ids = [Number(sceneItemId)];
    }
  }
  // Exactly one scene item of ours in the scene: the first one stays.
  const [keep, ...extra] = ids;
  for (const sceneItemId of extra) await call('RemoveSceneItem', { sceneName: scene, sceneItemId });

  const video = await call('GetVideoSettings');
  const canvas = { width: Number(video.baseWidth), height: Number(video.baseHeight) };
  await call('SetSceneItemTransform', {
    sceneName: scene,
    sceneItemId: keep,
    sceneItemTransform: canvasFitTransform(canvas.width, canvas.height) as never,
  });
  await call('SetSceneItemEnabled', { sceneName: scene, sceneItemId: keep, sceneItemEnabled: true });
  if (options.activate) await call('SetCurrentProgramScene', { sceneName: scene });

  return {
    scene,
    sourceName,
    createdScene,
    createdInput,
    updatedSettings,
    removedDuplicates: extra.length,
    sceneItemId: keep,
    canvas,
  };
}

export async function obsStatus(
  bridge: ObsBridge,
  options: Pick<InstallOptions, 'scene' | 'sourceName' | 'streamPort' | 'host'>,
): Promise<ObsStatus> {
  const call: Call = bridge.call.bind(bridge);
  const { scenes, currentProgramSceneName } = await call('GetSceneList');
  const sceneExists = scenes.some((s) => s.sceneName === options.scene);
  const { inputs } = await call('GetInputList');
  const input = inputs.find((i) => i.inputName === options.sourceName);
  let settingsMatch = false;
  if (input) {
    const { inputSettings } = await call('GetInputSettings', { inputName: options.sourceName });
    settingsMatch = !settingsDiffer(
      obsMediaSourceSettings(options.streamPort, options.host),
      inputSettings as Record<string, unknown>,
    );
  }
  const sceneItems =
    sceneExists && input ? (await sceneItemsOf(call, options.scene, options.sourceName)).length : 0;
  const { outputActive } = await call('GetRecordStatus');
  const stats = bridge.stats();
  return {
    obsVersion: stats.obsVersion,
    websocketVersion: stats.websocketVersion,
    sceneExists,
    inputExists: Boolean(input),
    inputKind: input ? String(input.inputKind) : undefined,
    settingsMatch,
    sceneItems,
    programScene: String(currentProgramSceneName),
    recording: Boolean(outputActive),
  };
}

/** Removes the input (all its scene items go with it) and the scene if stylecast left it empty. */
export async function uninstallObsSource(
  bridge: ObsBridge,
  options: Pick<InstallOptions, 'scene' | 'sourceName'>,
): Promise<{ removedInput: boolean; removedScene: boolean }> {
  const call: Call = bridge.call.bind(bridge);
  const { inputs } = await call('GetInputList');
  const input = inputs.find((i) => i.inputName === options.sourceName && i.inputKind === INPUT_KIND);
  const { scenes } = await call('GetSceneList');
  // Decide before removing: OBS removes an input's scene items asynchronously.
  let sceneOnlyOurs = false;
  if (scenes.some((s) => s.sceneName === options.scene) && scenes.length > 1) {
    const { sceneItems } = await call('GetSceneItemList', { sceneName: options.scene });
    sceneOnlyOurs = sceneItems.every((item) => item.sourceName === options.sourceName);
  }
  if (input) await call('RemoveInput', { inputName: options.sourceName });
  if (sceneOnlyOurs) await call('RemoveScene', { sceneName: options.scene });
  return { removedInput: Boolean(input), removedScene: sceneOnlyOurs };
}
