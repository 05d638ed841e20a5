import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createSource } from '../capture/index.ts';
import { probeVideo, type VideoInfo } from '../capture/probe.ts';
import type { Config } from '../config/schema.ts';
import { StylecastError } from '../core/errors.ts';
import { findFfmpeg } from '../core/ffmpeg.ts';
import type { Logger } from '../core/log.ts';
import { round2 } from '../core/stats.ts';
import { Recorder } from '../output/recorder.ts';
import { containerFor } from '../output/recorder-args.ts';
import type { Effect } from './effect.ts';
import { createEffectWithFallback } from './effect-fallback.ts';
import { createEffect } from './effects/index.ts';
import type { PipelineStats } from './pipeline-stats.ts';
import { FrameScheduler } from './scheduler.ts';
import { defaultStylesFolder } from './style/library.ts';
import { resolveStyleFile } from './style/resolve.ts';
import { isStyleEffect } from './style/service.ts';

/**
 * Offline file -> file through the same scheduler, effect registry and recorder as `run`, but
 * lossless and as fast as possible: the source is paused while a frame waits, so every input frame
 * becomes exactly one output frame at the input's rate (same frame count and duration); a variable-rate
 * input is resampled to a constant rate first (see VideoInfo.variableRate).
 */

export interface RenderOptions {
  input: string;
  output: string;
  config: Config;
  log: Logger;
  /** Output size; default: the input's (rounded down to even sides for H.264). */
  size?: { width: number; height: number };
  /** An effect the user named must build or fail; the config default may fall back. */
  effectExplicit?: boolean;
  onStart?: (info: VideoInfo & { effect: string }) => void;
  onFrame?: (framesDone: number) => void;
  signal?: AbortSignal;
}

export interface RenderResult {
  frames: number;
  seconds: number;
  fps: number;
  effect: string;
  output: string;
  aborted: boolean;
  stats: PipelineStats;
}

export async function renderFile(o: RenderOptions): Promise<RenderResult> {
  if (!existsSync(o.input))
    throw new StylecastError('INPUT_NOT_FOUND', `input file ${o.input} does not exist`, 'check the path');
  containerFor(o.output);
  refuseOverwritingInput(o.input, o.output);
  // A misspelt --style is an error before ffprobe, the models or the output file (not another painting).
  const { effect: effectConfig, style } = o.config;
  if (isStyleEffect(effectConfig.name) && style.name)
    resolveStyleFile(style.name, style.folder ?? defaultStylesFolder());
  const ffmpeg = findFfmpeg();
  const info = await probeVideo(o.input);
  const width = o.size?.width ?? info.width - (info.width % 2);
  const height = o.size?.height ?? info.height - (info.height % 2);
  const input = {
    ...o.config.input,
    source: o.input,
    width,
    height,
    fps: info.fps,
    loop: false,
    realtime: false,
  };
  if (info.variableRate)
    o.log.info(
      `render: ${o.input} has a variable frame rate: rendering at a constant ${round2(info.fps)} fps to keep its timing`,
    );
  // Evenly spaced output frames need evenly spaced input frames (or the picture drifts from the sound).
  const source = await createSource(input, {
    log: o.log,
    mode: 'offline',
    ffmpeg,
    constantRate: info.variableRate,
  });
  const config = { ...o.config, input };
  const effect: Effect = o.effectExplicit
    ? await createEffect(config.effect.name, { config, log: o.log })
    : await createEffectWithFallback(config.effect.name, { config, log: o.log });
  if (o.signal?.aborted) {
    // Stopped while the models loaded: no frame yet, so no file either.
    await source.stop();
    await effect.dispose();
    throw new StylecastError('INTERRUPTED', `before the first frame; ${o.output} was not written`);
  }
  const recorder = new Recorder({
    path: o.output,
    width,
    height,
    fps: info.fps,
    ffmpeg,
    log: o.log,
    encoder: config.record.encoder,
    crf: config.record.crf,
    preset: config.record.preset,
    timing: 'constant',
    overwrite: true, // an explicit CLI target (never the input: refused above)
    maxQueuedFrames: 4,
    audioFrom: info.hasAudio ? { path: o.input, loop: false } : undefined,
  });
  const scheduler = new FrameScheduler({
    effect,
    log: o.log,
    mode: 'lossless',
    width,
    height,
    fps: info.fps,
  });
  let done = 0;
  scheduler.on('frame', () => o.onFrame?.(++done));
  scheduler.attach(source);
  scheduler.addSink(recorder);
  const started = performance.now();
  let aborted = false;
  try {
    await recorder.start();
    const ended = new Promise<void>((resolve, reject) => {
      source.on('end', resolve);
      source.on('error', reject);
      const stop = () => {
        aborted = true;
        resolve();
      };
      // Ctrl-C while the models loaded counts too (an abort event fired before now is not repeated).
      if (o.signal?.aborted) stop();
      else o.signal?.addEventListener('abort', stop);
    });
    if (!aborted) await source.start();
    o.onStart?.({ ...info, effect: effect.name });
    await ended;
    if (aborted) await source.stop();
    await scheduler.idle();
  } finally {
    await source.stop();
    await scheduler.stop();
    await recorder.stop();
    await effect.dispose();
  }
  const sink = recorder.stats();
  if (!recorder.finishedCleanly || sink.dropped > 0)
    throw new StylecastError(
      'RECORDING',
      `writing ${o.output} failed: ${sink.detail ?? `${sink.dropped} frames dropped`}`,
      'check free disk space and that the folder is writable',
    );
  // A header count estimated from the duration may be off by one: only a count the file states is compared.
  if (!aborted && info.frameCountKnown && sink.written !== info.frames)
    o.log.warn(
      `render: wrote ${sink.written} frames but ${o.input} has ${info.frames}: the output's length differs from the input's`,
    );
  const seconds = (performance.now() - started) / 1000;
  return {
    frames: sink.written,
    seconds,
    fps: sink.written / Math.max(seconds, 1e-3),
    effect: effect.name,
    output: o.output,
    aborted,
    stats: scheduler.stats(),
  };
}

/**
 * `render X X` (or ./X, a symlink or a hard link to X) would truncate the input while ffmpeg still
 * reads it: refused before anything is opened for writing.
 */
function refuseOverwritingInput(input: string, output: string): void {
  const same = (() => {
    if (existsSync(output)) {
      const a = statSync(input);
      const b = statSync(output);
      return a.dev === b.dev && a.ino === b.ino;
    }
    // Not there yet: compare the real folder + name (the input may be reached through a symlinked folder).
    const folder = existsSync(dirname(resolve(output))) ? realpathSync(dirname(resolve(output))) : '';
    return folder !== '' && join(folder, basename(output)) === realpathSync(input);
  })();
  if (same)
    throw new StylecastError(
      'BAD_ARGUMENT',
      `the output ${output} is the input file: rendering would overwrite it`,
      `write to another file, e.g. ${join(dirname(output), `styled-${basename(output)}`)}`,
    );
}
