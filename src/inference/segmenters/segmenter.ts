import type { DeviceName } from '../../config/schema.ts';
import { type Logger, silentLogger } from '../../core/log.ts';
import { sharedFloat32 } from '../../core/shared-memory.ts';
import type { ModelSession } from '../runtime.ts';
import { type AspectMode, type FitGeometry, fitGeometry } from './fit.ts';
import { openSegmenterModel } from './model-source.ts';
import { encodeInput, type SegmenterSpec } from './spec.ts';

export interface SegmenterOptions {
  device?: DeviceName;
  threads?: number;
  modelsDir?: string;
  log?: Logger;
  /** Override the model's default aspect handling (for measurements). */
  aspect?: AspectMode;
}

/**
 * The shared driver: it knows no model. It fits a frame into the model input (geometry), turns the
 * area-averaged region into the model's tensor, runs the session and asks the spec for the person
 * probability. The caller shrinks the frame (frame-resolution work belongs to the pixel pool).
 */
export class Segmenter {
  /** Input and output tensors on shared memory, reused every run (nothing allocated per frame). */
  private readonly input: Float32Array;
  private readonly outputs: Record<string, Float32Array> = {};
  private busy = false;

  private constructor(
    readonly spec: SegmenterSpec,
    private readonly session: ModelSession,
    readonly aspect: AspectMode,
  ) {
    this.input = sharedFloat32(spec.inputWidth * spec.inputHeight * 3);
    for (const output of session.outputs) {
      const fixed = output.dims.length > 0 && output.dims.every((d) => typeof d === 'number' && d > 0);
      if (fixed)
        this.outputs[output.name] = sharedFloat32((output.dims as number[]).reduce((n, d) => n * d, 1));
    }
  }

  static async open(spec: SegmenterSpec, options: SegmenterOptions = {}): Promise<Segmenter> {
    const log = options.log ?? silentLogger();
    const session = await openSegmenterModel(spec, {
      modelsDir: options.modelsDir,
      log,
      // No busy-waiting ORT threads after a run: the pixel workers need those cores right after
      // inference (measured: mask + composite at 720p median 32 -> 25 ms; inference 5.3 -> 6.1 ms).
      session: { device: options.device, threads: options.threads, spinning: false },
    });
    return new Segmenter(spec, session, options.aspect ?? spec.aspect);
  }

  get provider(): string {
    return this.session.provider;
  }

  geometry(frameWidth: number, frameHeight: number): FitGeometry {
    return fitGeometry(frameWidth, frameHeight, this.spec.inputWidth, this.spec.inputHeight, this.aspect);
  }

  /**
   * `region`: interleaved RGB [0, 255] of geometry.dst's size. Returns P(person) at model resolution,
   * valid until the next infer() (it may be a view on the reused output tensor).
   */
  async infer(region: Float32Array, geometry: FitGeometry): Promise<Float32Array> {
    const { spec } = this;
    // The shared tensors serve one run at a time; an overlapping call (not the frame path) gets fresh ones.
    const reuse = !this.busy;
    this.busy = true;
    const tensor = reuse
      ? encodeInput(spec, region, geometry.dst, this.input)
      : encodeInput(spec, region, geometry.dst);
    const dims =
      spec.layout === 'nhwc'
        ? [1, spec.inputHeight, spec.inputWidth, 3]
        : [1, 3, spec.inputHeight, spec.inputWidth];
    try {
      const outputs = await this.session.run(
        { [this.session.inputNames[0]]: { data: tensor, dims } },
        reuse ? this.outputs : undefined,
      );
      return spec.personProbability(outputs, this.session.outputNames);
    } finally {
      if (reuse) this.busy = false;
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
