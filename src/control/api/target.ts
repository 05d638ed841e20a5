import { z } from 'zod';
import { EffectName, MaskSettings } from '../../config/schema.ts';
import type { CommandBus } from '../commands.ts';

/**
 * What the API server needs from whatever runs the pipeline. The daemon is adapted to this in
 * daemon-target.ts; the server never imports the daemon, so the control plane can be tested and
 * benchmarked on its own. The zod schemas below are the wire format of the read endpoints and
 * pushed events (and feed the generated docs/api.md).
 */

export const SinkStatsSchema = z.object({
  name: z.string(),
  state: z.enum(['idle', 'running', 'reconnecting', 'failed', 'stopped']),
  written: z.number(),
  dropped: z.number(),
  detail: z.string().optional(),
});

export const ObsStateSchema = z.object({
  /** 'disabled' when the bridge is off in the config. */
  connection: z.enum(['disabled', 'connecting', 'connected', 'disconnected', 'failed']),
  url: z.string().optional(),
  version: z.string().optional(),
  scene: z.string().optional(),
  recording: z.boolean().optional(),
  streaming: z.boolean().optional(),
  detail: z.string().optional(),
});
export type ObsState = z.infer<typeof ObsStateSchema>;

export const RecordingStateSchema = z.object({
  active: z.boolean(),
  path: z.string().optional(),
  /** ISO time the current recording began. */
  startedAt: z.string().optional(),
  seconds: z.number().optional(),
  frames: z.number().optional(),
  /** 'failed': the recorder stopped (active is false); `error` says why, and it goes on by itself when it can. */
  state: z.enum(['running', 'failed']).optional(),
  error: z.string().optional(),
});
export type RecordingState = z.infer<typeof RecordingStateSchema>;

export const StyleInfoSchema = z.object({
  name: z.string(),
  /** Relative URL of a small JPEG preview of the style image. */
  thumbnailUrl: z.string().optional(),
  source: z.enum(['builtin', 'folder', 'upload']).optional(),
});
export type StyleInfo = z.infer<typeof StyleInfoSchema>;

export const StatusSchema = z.object({
  name: z.literal('stylecast'),
  version: z.string(),
  state: z.enum(['idle', 'starting', 'running', 'restarting', 'ended', 'stopping', 'stopped']),
  uptimeS: z.number(),
  input: z.object({ source: z.string(), width: z.number(), height: z.number(), fps: z.number() }),
  effect: z.object({
    name: EffectName,
    background: z.string().optional(),
    /** The effects this daemon can switch to. */
    available: z.array(EffectName),
  }),
  style: z.object({
    name: z.string().optional(),
    strength: z.number().min(0).max(1),
    morphMs: z.number(),
    /** The style being morphed to, while a morph runs. */
    morphingTo: z.string().optional(),
  }),
  mask: MaskSettings,
  recording: RecordingStateSchema,
  obs: ObsStateSchema,
  sinks: z.array(SinkStatsSchema),
});
export type Status = z.infer<typeof StatusSchema>;

const Latency = z.object({ p50: z.number(), p95: z.number(), count: z.number() });

export const StatsSchema = z.object({
  /** Output frames per second, measured. */
  fps: z.number(),
  /** Camera read -> sinks written, ms. */
  latencyMs: Latency,
  frames: z.number(),
  /** Frames the pipeline dropped because a stage was busy (newest frame wins). */
  dropped: z.number(),
  sinks: z.array(SinkStatsSchema),
  /** Per-stage numbers from the effect (ms, skipped frames …). */
  stages: z.record(z.string(), z.union([z.number(), z.string()])),
  /** Event-loop delay of the daemon's main thread over the last second (the control plane's own cost). */
  eventLoop: z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
  /** Connected WebSocket clients. */
  clients: z.number(),
});
export type Stats = z.infer<typeof StatsSchema>;
/** The part of Stats the target reports; the server adds eventLoop and clients. */
export type PipelineStats = Omit<Stats, 'eventLoop' | 'clients'>;

export interface ControlTargetEvents {
  /** Anything in Status changed (style, effect, recording, OBS connection …). */
  state: [];
  /** The style list changed (upload, folder rescan). */
  styles: [];
}

export interface ControlTarget {
  readonly bus: CommandBus;
  status(): Status;
  stats(): PipelineStats;
  styles(): Omit<StyleInfo, 'thumbnailUrl'>[];
  /** A small JPEG of the style image, or undefined when there is no such style. */
  styleThumbnail(name: string): Promise<Buffer | undefined>;
  /** Stores an already validated image (re-encoded JPEG bytes) as a new style. */
  addStyleImage(jpeg: Buffer, originalName: string): Promise<StyleInfo>;
  /** The latest output frame as a JPEG no wider than maxWidth, or undefined before the first frame. */
  previewJpeg(maxWidth: number): Promise<Buffer | undefined>;
  on<E extends keyof ControlTargetEvents>(event: E, listener: () => void): unknown;
  off<E extends keyof ControlTargetEvents>(event: E, listener: () => void): unknown;
}
