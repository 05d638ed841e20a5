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
  /** The source had another name in OBS (renamed by the user) and was used as ours, not duplicated. */
  adopted: boolean;
  /** Other ffmpeg_sources also listening on the stream port (only one of them can get the stream). */
  otherListeners: string[];
  sceneItemId: number;
  canvas: { width: number; height: number };
}

export interface ObsStatus {
  obsVersion?: string;
  websocketVersion?: string;
  sceneExists: boolean;
  /** The source reported: obs.sourceName, or the one listening on the stream port under another name. */
  inputName: string;
  inputExists: boolean;
  inputKind?: string;
  /** Every ffmpeg_source whose input listens on the stream port, whatever its name. */
  portListeners: string[];
  /** More than one source listens on the stream port: OBS can hand the stream to only one. */
  portConflict: boolean;
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

/** The TCP port a Media Source input listens on (`tcp://HOST:PORT?listen`), if it listens. */
export function listenPortOf(settings: Record<string, unknown>): number | undefined {
  const input = settings.input;
  if (typeof input !== 'string' || settings.is_local_file === true) return undefined;
  try {
    const url = new URL(input);
    if (url.protocol !== 'tcp:' || !url.searchParams.has('listen')) return undefined;
    return Number(url.port) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Media Sources listening on this port, whatever their names: a source the user renamed is still
 * ours, and creating another one beside it leaves two listeners on one port (only one gets frames).
 */
export async function portListeners(call: Call, port: number): Promise<string[]> {
  const { inputs } = await call('GetInputList', { inputKind: INPUT_KIND });
  const wanted = obsMediaSourceSettings(port);
  const matching: string[] = [];
  const others: string[] = [];
  for (const input of inputs) {
    const inputName = String(input.inputName);
    const settings = (await call('GetInputSettings', { inputName })).inputSettings as Record<string, unknown>;
    if (listenPortOf(settings) !== port) continue;
    // Ones with exactly our settings first: that is the one stylecast installed (OBS's list order varies).
    (settingsDiffer(wanted, settings) ? others : matching).push(inputName);
  }
  return [...matching, ...others];
}

async function sceneItemsOf(call: Call, sceneName: string, sourceName: string) {
  const { sceneItems } = await call('GetSceneItemList', { sceneName });
  return sceneItems.filter((item) => item.sourceName === sourceName).map((item) => Number(item.sceneItemId));
}

export async function installObsSource(bridge: ObsBridge, options: InstallOptions): Promise<InstallReport> {
  const call: Call = bridge.call.bind(bridge);
  const { scene } = options;
  let { sourceName } = options;
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
  let existing = inputs.find((i) => i.inputName === sourceName);
  const listeners = await portListeners(call, options.streamPort);
  let adopted = false;
  if (!existing && listeners.length > 0) {
    // Renamed in OBS: keep using it under its new name instead of adding a second listener.
    sourceName = listeners[0];
    existing = inputs.find((i) => i.inputName === sourceName);
    adopted = true;
  }
  const otherListeners = listeners.filter((name) => name !== sourceName);
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
    adopted,
    otherListeners,
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
  const listeners = await portListeners(call, options.streamPort);
  // Not under our name: the source the installer would adopt (renamed in OBS) is the one to report.
  const inputName = inputs.some((i) => i.inputName === options.sourceName)
    ? options.sourceName
    : (listeners[0] ?? options.sourceName);
  const input = inputs.find((i) => i.inputName === inputName);
  let settingsMatch = false;
  if (input) {
    const { inputSettings } = await call('GetInputSettings', { inputName });
    settingsMatch = !settingsDiffer(
      obsMediaSourceSettings(options.streamPort, options.host),
      inputSettings as Record<string, unknown>,
    );
  }
  const sceneItems = sceneExists && input ? (await sceneItemsOf(call, options.scene, inputName)).length : 0;
  const { outputActive } = await call('GetRecordStatus');
  const stats = bridge.stats();
  return {
    obsVersion: stats.obsVersion,
    websocketVersion: stats.websocketVersion,
    sceneExists,
    inputName,
    inputExists: Boolean(input),
    inputKind: input ? String(input.inputKind) : undefined,
    portListeners: listeners,
    portConflict: listeners.length > 1,
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
