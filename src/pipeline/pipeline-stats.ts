import { type LatencySummary, RateMeter, RollingWindow, round2, summarize } from '../core/stats.ts';

/**
 * The scheduler's numbers, kept in fixed-size rings (flat memory over hours).
 * Stages: captureWait = processor idle, waiting for the next frame from capture (about one frame
 * interval when the pipeline keeps up), wait = frame read -> processing starts (time queued),
 * process = the effect, output = handing the frame to every sink, endToEnd = frame read -> handed
 * to the sinks.
 */
export interface PipelineStats {
  inputFps: number;
  outputFps: number;
  framesIn: number;
  framesOut: number;
  /** Frames replaced by a newer one before processing (live mode: newest wins). */
  drops: number;
  /** Last frame re-sent to keep sinks alive while the source restarts. */
  repeats: number;
  effectErrors: number;
  /** Frames alive inside the scheduler right now (queued + processing). */
  inFlight: number;
  stages: {
    captureWait: LatencySummary;
    wait: LatencySummary;
    process: LatencySummary;
    output: LatencySummary;
    endToEnd: LatencySummary;
  };
}

export class PipelineMeters {
  readonly input = new RateMeter();
  readonly output = new RateMeter();
  readonly captureWait = new RollingWindow();
  readonly wait = new RollingWindow();
  readonly process = new RollingWindow();
  readonly outputStage = new RollingWindow();
  readonly endToEnd = new RollingWindow();
  framesIn = 0;
  framesOut = 0;
  drops = 0;
  repeats = 0;
  effectErrors = 0;

  snapshot(inFlight: number): PipelineStats {
    return {
      inputFps: round2(this.input.rate()),
      outputFps: round2(this.output.rate()),
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      drops: this.drops,
      repeats: this.repeats,
      effectErrors: this.effectErrors,
      inFlight,
      stages: {
        captureWait: summarize(this.captureWait),
        wait: summarize(this.wait),
        process: summarize(this.process),
        output: summarize(this.outputStage),
        endToEnd: summarize(this.endToEnd),
      },
    };
  }
}
