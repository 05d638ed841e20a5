import type { Config } from '../config/schema.ts';
import type { CommandBus } from '../control/commands.ts';
import { StylecastError } from '../core/errors.ts';
import type { FrameSink } from '../core/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { createBrowserSink, createObsSink, createV4l2Sink } from './obs-outputs.ts';
import { Recorder } from './recorder.ts';

/**
 * Output specs (`--output`, config `outputs`) -> sinks. A spec is `KIND` or `KIND:TARGET`:
 *   file:PATH            record to a file (.mkv/.mp4 H.264, .webm/.mov with alpha)
 *   obs                  OBS media source (added by the OBS sink's file)
 *   v4l2:/dev/videoN     virtual camera
 *   browser              browser-source page
 * A bare path with an extension (out.mkv) means file:out.mkv. Each kind is one factory in
 * SINK_FACTORIES; add yours there with a one-line edit.
 */

export interface SinkContext {
  config: Config;
  log: Logger;
  bus: CommandBus;
  /** Frame size and rate the pipeline outputs. */
  width: number;
  height: number;
  fps: number;
  ffmpeg: string;
  /** live (run): wallclock timing, drop when busy. offline (render): constant rate, never drop. */
  mode: 'live' | 'offline';
  /** Set when the input is a file: recorders copy its audio. */
  inputFile?: { path: string; loop: boolean };
}

/** target = what follows `KIND:` ('' when the spec is just `KIND`). */
export type SinkFactory = (target: string, context: SinkContext) => FrameSink;

export const SINK_FACTORIES: Record<string, SinkFactory> = {
  file: createFileSink,
  obs: createObsSink,
  browser: createBrowserSink,
  v4l2: createV4l2Sink,
};

export interface OutputSpec {
  kind: string;
  target: string;
}

export function parseOutputSpec(spec: string): OutputSpec {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  // "C:\videos\a.mkv" has a one-letter drive before the colon: that is a path.
  if (head.length > 1 && head in SINK_FACTORIES)
    return { kind: head, target: colon < 0 ? '' : text.slice(colon + 1) };
  if (/\.[a-z0-9]{2,4}$/i.test(text)) return { kind: 'file', target: text };
  throw new StylecastError(
    'BAD_ARGUMENT',
    `unknown output '${spec}'`,
    `outputs are ${Object.keys(SINK_FACTORIES)
      .map((k) => (k === 'file' ? 'file:PATH' : k))
      .join(', ')}`,
  );
}

export function createSink(spec: string, context: SinkContext): FrameSink {
  const { kind, target } = parseOutputSpec(spec);
  return SINK_FACTORIES[kind](target, context);
}

export function createFileSink(target: string, context: SinkContext): FrameSink {
  if (!target)
    throw new StylecastError('BAD_ARGUMENT', 'file output needs a path', 'use --output file:out.mkv');
  const { record } = context.config;
  return new Recorder({
    path: target,
    width: context.width,
    height: context.height,
    fps: context.fps,
    ffmpeg: context.ffmpeg,
    log: context.log,
    encoder: record.encoder,
    crf: record.crf,
    preset: record.preset,
    timing: context.mode === 'live' ? 'wallclock' : 'constant',
    maxQueuedFrames: context.mode === 'live' ? 2 : 4,
    audioFrom: context.inputFile,
  });
}
