import { existsSync, statSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { StylecastError } from '../core/errors.ts';
import { findFfmpeg } from '../core/ffmpeg.ts';
import type { Logger } from '../core/log.ts';
import { type Camera, listCameras, resolveCamera } from './devices.ts';
import { type CapturePlatform, currentPlatform, parseInputSpec, resolutionProblem } from './ffmpeg-args.ts';
import { FfmpegSource } from './ffmpeg-source.ts';

export { describeInput, type InputSpec, parseInputSpec } from './ffmpeg-args.ts';
export { FfmpegSource } from './ffmpeg-source.ts';

export interface OpenSourceOptions {
  log: Logger;
  /** live: realtime, constant rate, wallclock pts. offline: as fast as possible, every source frame. */
  mode: 'live' | 'offline';
  ffmpeg?: string;
  platform?: CapturePlatform;
  /** Injected for tests; defaults to asking the OS. */
  cameras?: () => Promise<Camera[]>;
  /** Offline: resample to input.fps (a variable-rate file) instead of passing every source frame. */
  constantRate?: boolean;
  /** How frames leave ffmpeg (default: a loopback socket; the bench compares the stdout pipe). */
  transport?: 'socket' | 'pipe';
}

/**
 * Turns the validated input settings into a not-yet-started FfmpegSource: resolves `auto` and
 * camera names, checks files and the resolution first, so user mistakes are one-line errors.
 */
export async function createSource(
  input: Config['input'],
  options: OpenSourceOptions,
): Promise<FfmpegSource> {
  const problem = resolutionProblem(input.width, input.height);
  if (problem)
    throw new StylecastError(
      'BAD_RESOLUTION',
      `bad resolution: ${problem}`,
      'use even sizes such as --width 1280 --height 720',
    );
  const ffmpeg = options.ffmpeg ?? findFfmpeg();
  const platform = options.platform ?? currentPlatform();
  const cameras = options.cameras ?? (() => listCameras(ffmpeg, platform));
  let spec = parseInputSpec(input.source);
  let cameraDevice: string | undefined;

  if (spec.kind === 'auto' || (spec.kind === 'camera' && spec.name === undefined)) {
    const first = resolveCamera(undefined, await cameras());
    if (first) {
      spec = { kind: 'camera', name: first.name };
      cameraDevice = first.device;
    } else {
      options.log.info(
        input.source === 'auto'
          ? 'no camera found: using the test pattern (pass --input to choose a file, URL or camera)'
          : 'no camera found: using the test pattern instead',
      );
      spec = { kind: 'test' };
    }
  } else if (spec.kind === 'camera') {
    // A device path that exists is opened as given, even when sysfs does not list it.
    cameraDevice =
      spec.name && existsSync(spec.name) ? spec.name : resolveCamera(spec.name, await cameras())?.device;
  } else if (spec.kind === 'file') {
    if (!existsSync(spec.path) || !statSync(spec.path).isFile())
      throw new StylecastError(
        'INPUT_NOT_FOUND',
        `input file ${spec.path} does not exist`,
        'check the path, or use --input test for the test pattern',
      );
  }

  const live = options.mode === 'live';
  return new FfmpegSource({
    spec,
    cameraDevice,
    ffmpeg,
    log: options.log,
    width: input.width,
    height: input.height,
    fps: input.fps,
    realtime: live && input.realtime,
    loop: input.loop,
    constantRate: live || options.constantRate === true,
    platform,
    timestamps: live ? 'wallclock' : 'index',
    transport: options.transport,
  });
}
