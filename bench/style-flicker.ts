import type { Config } from '../src/config/schema.ts';
import type { Frame } from '../src/core/frame.ts';
import { silentLogger } from '../src/core/log.ts';
import { loadStyleModelBytes } from '../src/inference/stylizer/models.ts';
import { StylizerWorker } from '../src/inference/stylizer/worker-client.ts';
import {
  type FrameMask,
  PersonPipeline,
  personPipelineOptions,
} from '../src/pipeline/composite/person-pipeline.ts';
import { StyleEngine } from '../src/pipeline/style/engine.ts';
import { readImageRgba } from '../src/pipeline/style/image.ts';
import { StyleMixer } from '../src/pipeline/style/mixer.ts';
import { decodeFrames } from '../test/segmentation/decode.ts';

/**
 * Temporal stability of the stylized background: mean absolute frame-to-frame difference over pixels
 * that are background in both frames, for (a) the background plate (the product's method, stepped on
 * a simulated camera clock) and (b) naive per-frame stylization, through the same segmentation and
 * compositing. Used by bench/style.bench.ts and test/style/flicker.test.ts.
 */

/** Mean |a - b| (RGB, 0..255) over pixels whose grid alpha is below `below` in both masks. */
export function backgroundDifference(
  a: Frame,
  b: Frame,
  maskA: FrameMask,
  maskB: FrameMask,
  below = 0.05,
): number {
  let sum = 0;
  let n = 0;
  const gw = maskA.width;
  const gh = maskA.height;
  for (let y = 0; y < a.height; y++) {
    const gy = Math.min(gh - 1, Math.floor((y * gh) / a.height));
    for (let x = 0; x < a.width; x++) {
      const g = gy * gw + Math.min(gw - 1, Math.floor((x * gw) / a.width));
      if (maskA.alpha[g] >= below || maskB.alpha[g] >= below) continue;
      const i = (y * a.width + x) * 4;
      sum +=
        Math.abs(a.data[i] - b.data[i]) +
        Math.abs(a.data[i + 1] - b.data[i + 1]) +
        Math.abs(a.data[i + 2] - b.data[i + 2]);
      n += 3;
    }
  }
  return n ? sum / n : 0;
}

export interface FlickerResult {
  frames: number;
  plate: number;
  naive: number;
  ratio: number;
  plateStylizations: number;
}

export async function measureFlicker(options: {
  config: Config;
  video: string;
  width: number;
  height: number;
  frames: number;
  styleImage: string;
}): Promise<FlickerResult> {
  const { config } = options;
  const bytes = await loadStyleModelBytes(config.style.variant, { modelsDir: config.inference.modelsDir });
  const worker = await StylizerWorker.start(bytes, { threads: config.inference.threads });
  const people = await PersonPipeline.create(personPipelineOptions(config, silentLogger()));
  try {
    const style = await readImageRgba(options.styleImage, { maxShortSide: 512 });
    const vector = await worker.predict(style.rgba, style.width, style.height);
    let clock = 0;
    const mixer = new StyleMixer(1);
    mixer.setStyle('style', vector, 0);
    const engine = new StyleEngine(worker, mixer, {
      target: 'background',
      detail: config.style.detail,
      refreshFps: config.style.refreshFps,
      now: () => clock,
    });
    let previous: { plate: Frame; naive: Frame; mask: FrameMask } | undefined;
    let plateSum = 0;
    let naiveSum = 0;
    let pairs = 0;
    for await (const frame of decodeFrames(options.video, {
      width: options.width,
      height: options.height,
      maxFrames: options.frames,
    })) {
      clock = frame.seq * 40;
      const mask = await people.mask(frame);
      engine.observe(frame, mask);
      await engine.idle();
      const plated = engine.latest();
      const plateOut = await people.composite(frame, mask, {
        mode: 'blend',
        foreground: { kind: 'frame' },
        background: plated
          ? { kind: 'image', data: plated.rgba, width: plated.width, height: plated.height }
          : { kind: 'frame' },
      });
      const naive = await worker.stylize(frame.data, frame.width, frame.height, vector, {
        detail: config.style.detail,
      });
      const naiveOut = await people.composite(frame, mask, {
        mode: 'blend',
        foreground: { kind: 'frame' },
        background: { kind: 'image', data: naive.rgba, width: naive.width, height: naive.height },
      });
      if (previous && plated) {
        plateSum += backgroundDifference(previous.plate, plateOut, previous.mask, mask);
        naiveSum += backgroundDifference(previous.naive, naiveOut, previous.mask, mask);
        pairs++;
      }
      if (plated) previous = { plate: plateOut, naive: naiveOut, mask };
    }
    const plate = pairs ? plateSum / pairs : Number.NaN;
    const naive = pairs ? naiveSum / pairs : Number.NaN;
    return {
      frames: pairs + 1,
      plate,
      naive,
      ratio: plate / naive,
      plateStylizations: Number(engine.stats().stylized),
    };
  } finally {
    await people.dispose();
    await worker.stop();
  }
}
