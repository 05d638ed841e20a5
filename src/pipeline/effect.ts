import type { Config, EffectName } from '../config/schema.ts';
import type { Frame } from '../core/frame.ts';
import type { Logger } from '../core/log.ts';
import type { StyleService } from './style/service.ts';

/**
 * An effect turns one input frame into one output frame. Effects are created by a factory from the
 * validated config and own their models; the pipeline calls `process` once per frame, in order,
 * never twice at the same time, and awaits it. Output frames keep the input's pts/seq/readAt.
 * The input frame is handed over: an effect may write its output over the input's pixels (saving a
 * frame-sized allocation per frame), so a caller keeps only the output.
 */
export interface Effect {
  readonly name: EffectName;
  /**
   * True when the effect keeps input frames past process() (a stylizer painting the newest frame
   * later): their buffers are then never reused for later frames (core/frame-lease.ts).
   */
  readonly keepsInputFrames?: boolean;
  process(frame: Frame): Promise<Frame>;
  /** Settings changed by a command (strength, mask controls …) without rebuilding the effect. */
  update?(config: Config): void;
  /** Numbers for the stats endpoint and bench (per-stage ms, skipped frames …). */
  stats?(): Record<string, number | string>;
  dispose(): Promise<void>;
}

export interface EffectContext {
  config: Config;
  log: Logger;
  /** The daemon's style service (models, library, current style) shared by the style effects. */
  style?: StyleService;
}

export type EffectFactory = (context: EffectContext) => Promise<Effect>;
